"""Joining the values of one stored record that arrive separately (a glucose measurement and
its context, 0x2A18 and 0x2A34, by sequence number), durably and however far apart they arrive.

The connection's mapper joins a context to its measurement when it still remembers the
measurement (a bounded cache, :data:`gateway.fhir.mappers.glucose.REMEMBERED`). Everything
else is joined against what is stored, through the held-back store
(:mod:`gateway.daemon.heldback`):

- a measurement that announces a value still to come (``awaits_more`` of its profile's stored
  records, :mod:`gateway.ble.profile_table`) is kept in its ``announced`` table once it is in
  the outbox, unless the value it announces was already waiting;
- a value that waits for its measurement looks the measurement up there; found, the
  measurement is decoded again, put back into the connection's join memory and the value is
  mapped with it (its measurement's Observations ride along again, matched on the server by
  their conditional-create identifier); not found, the value is kept as ``awaiting-join``;
- a measurement that arrives after values waiting for it maps them (they are decoded from the
  kept bytes) and stores them next to it.

This module holds the pure helpers; :class:`gateway.daemon.pipeline.Pipeline` does the flow.
"""

from __future__ import annotations

from gateway.ble.profile_table import PROFILES
from profiles.registry import BY_UUID16


def announces_more(uuid16: int, value: object) -> bool:
    """Whether ``value`` (of characteristic ``uuid16``) is a stored record that announces
    another value of the same record (a glucose measurement whose context follows)."""
    for spec in PROFILES:
        stored = spec.stored
        if stored is not None and any(c.uuid16 == uuid16 for c in stored.records):
            return stored.awaits_more(value)
    return False


def decode_kept(uuid16: int, raw: bytes) -> object:
    """Decode a value kept as raw bytes (raises ``profiles.DecodeError`` or ``KeyError`` for a
    characteristic PHG does not know)."""
    return BY_UUID16[uuid16].decode(raw)
