"""The daemon's stores, consumer and FHIR client, reporting to a
:class:`~gateway.status.board.StatusBoard` (status page, ``/metrics``, the demo's output).

Each wrapper calls the real thing first and reports after it returned, so what the board shows
is what happened; a board that fails never affects the reading (its methods do not raise).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import httpx

from gateway.ble.events import BleEvent, EventConsumer
from gateway.daemon.heldback import AnnouncedValue, KeptReading, KeptRow
from gateway.daemon.ports import KeptReadings
from gateway.fhir.connection import Mapped
from gateway.fhir.elements import JsonDict
from gateway.outbox import Outbox
from gateway.status.board import StatusBoard
from gateway.upload.client import FhirClient, error_text


class ObservedOutbox(Outbox):
    """The outbox, telling ``board`` (set after :meth:`Outbox.open`) what was stored,
    uploaded and quarantined."""

    board: StatusBoard | None = None

    @classmethod
    async def open_for(cls, board: StatusBoard, path: Path, *, max_bytes: int) -> ObservedOutbox:
        outbox = await cls.open(path, max_bytes=max_bytes)
        assert isinstance(outbox, ObservedOutbox)  # Outbox.open builds cls
        outbox.board = board
        return outbox

    async def put(self, reading: Mapped, *, device: str) -> int:
        item = await super().put(reading, device=device)
        if self.board is not None:
            self.board.on_stored(item, device, reading)
        return item

    async def mark_done(self, ids: Sequence[int], server: str, known: Mapping[str, str]) -> None:
        await super().mark_done(ids, server, known)
        if self.board is not None:
            self.board.on_uploaded(ids)

    async def quarantine(self, item_id: int, error: str, outcome: JsonDict | None) -> None:
        await super().quarantine(item_id, error, outcome)
        if self.board is not None:
            self.board.on_quarantined(item_id, error)


class ObservedKept:
    def __init__(self, kept: KeptReadings, board: StatusBoard) -> None:
        self.kept = kept
        self.board = board

    async def keep(self, reading: KeptReading) -> int:
        row = await self.kept.keep(reading)
        self.board.on_kept(
            reading.facts.address, reading.characteristic, reading.kind, reading.reason
        )
        return row

    async def resolve(self, address: str, sequence_number: int) -> int:
        return await self.kept.resolve(address, sequence_number)

    async def waiting(self, address: str, sequence_number: int) -> list[KeptRow]:
        return await self.kept.waiting(address, sequence_number)

    async def announce(self, value: AnnouncedValue) -> None:
        await self.kept.announce(value)

    async def announced(self, address: str, sequence_number: int) -> AnnouncedValue | None:
        return await self.kept.announced(address, sequence_number)


def observed_consumer(consumer: EventConsumer, board: StatusBoard) -> EventConsumer:
    async def consume(event: BleEvent) -> None:
        board.on_event(event)
        try:
            await consumer(event)
        finally:
            board.on_event_done(event)

    return consume


class ObservedFhirClient(FhirClient):
    """The FHIR client, reporting each transaction (duration, status, the server's answer) to
    ``board`` when one is set."""

    board: StatusBoard | None = None

    async def transaction(self, body: str) -> httpx.Response:
        started = time.monotonic()
        try:
            response = await super().transaction(body)
        except Exception as exc:
            if self.board is not None:
                error = error_text(exc)
                self.board.on_transaction(body, None, None, time.monotonic() - started, error)
            raise
        if self.board is not None:
            self.board.on_transaction(
                body,
                response.status_code,
                _json(response),
                time.monotonic() - started,
                "",
            )
        return response


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None
