"""What the pipeline and the daemon need from the outbox, the held-back store and the uploader:
small Protocols, satisfied by :class:`gateway.outbox.Outbox`,
:class:`gateway.daemon.heldback.HeldBackStore` and :class:`gateway.upload.uploader.Uploader`,
and by in-memory fakes in tests."""

from __future__ import annotations

from typing import Protocol

from gateway.daemon.heldback import AnnouncedValue, KeptReading, KeptRow
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
        """Forget the ``awaiting-join`` readings and the announced measurement of that record
        (it is in the outbox with all its values)."""
        ...

    async def waiting(self, address: str, sequence_number: int) -> list[KeptRow]:
        """The ``awaiting-join`` readings of that record."""
        ...

    async def announce(self, value: AnnouncedValue) -> None:
        """Keep a stored measurement that announced a value still to come (durably)."""
        ...

    async def announced(self, address: str, sequence_number: int) -> AnnouncedValue | None:
        """The kept measurement of that record that announced a value, if any."""
        ...
