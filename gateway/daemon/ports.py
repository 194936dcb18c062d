"""What the pipeline and the daemon need from the outbox, the held-back store and the uploader:
small Protocols, satisfied by :class:`gateway.outbox.Outbox`,
:class:`gateway.daemon.heldback.HeldBackStore` and :class:`gateway.upload.uploader.Uploader`,
and by in-memory fakes in tests."""

from __future__ import annotations

from typing import Protocol

from gateway.daemon.heldback import KeptReading
from gateway.fhir.connection import Mapped


class ReadingOutbox(Protocol):
    async def put(self, reading: Mapped, *, device: str) -> int:
        """Store one mapped reading; return only after it is durably committed, raise when it
        was not stored."""
        ...


class KeptReadings(Protocol):
    async def keep(self, reading: KeptReading) -> int:
        """Store a reading that is not uploaded; return only after it is durably committed."""
        ...

    async def resolve(self, address: str, sequence_number: int) -> int:
        """Forget the ``awaiting-join`` readings of that record (now stored with it)."""
        ...
