"""Errors the outbox raises to the code that tries to store a reading."""

from __future__ import annotations


class OutboxError(Exception):
    """The outbox cannot do what was asked; the message says why and what to do."""


class OutboxFullError(OutboxError):
    """The outbox reached its configured size (or the disk is full): the reading was *not*
    stored. Nothing already stored was dropped; the caller must not acknowledge the reading."""


class OutboxUnavailableError(OutboxError):
    """The outbox database cannot be opened or written (permissions, read-only file system,
    not a PHG outbox)."""


class NotAnOutboxError(OutboxUnavailableError):
    """The file exists but is not a PHG outbox (another database, an empty file); it was left
    unchanged."""
