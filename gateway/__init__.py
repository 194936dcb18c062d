"""PHG gateway: the daemon, the PHD IG mapping, the outbox, the uploader and the ``phg`` CLI."""

__version__ = "0.1.0"
