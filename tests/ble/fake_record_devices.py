"""Fake devices with a record store behind RACP, generic over the record characteristic: a
pulse oximeter (records without keys, "all records" only) and a CGM (records keyed by time
offset, ">= time offset" supported)."""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.ble import uuids
from profiles.racp import RacpOperator, RacpRequest
from tests.ble.fakes import FakeLink, FakeRacpDevice


@dataclass(slots=True)
class StoredRecord:
    key: int | None
    """What ">= N" compares (CGM time offset); None for records without one (PLX)."""
    payload: bytes


@dataclass
class FakeRecordDevice(FakeRacpDevice):
    """Answers "report stored records" from ``records`` (notified on ``record_uuid``) and
    "report number of stored records" with their number, as :class:`FakeRacpDevice` does;
    ``supports_ge`` False answers ">=" with "operator not supported". ``live_during_transfer``
    values are notified before the records of every transfer, ``live_before_count`` before the
    answer to every count (live readings taken meanwhile)."""

    services: set[int]
    reads: dict[int, bytes]
    record_uuid: int
    records: list[StoredRecord] = field(default_factory=list)
    supports_ge: bool = True
    counts: bool = True
    response_first: bool = False
    live_during_transfer: list[tuple[int, bytes]] = field(default_factory=list)
    live_before_count: list[tuple[int, bytes]] = field(default_factory=list)
    requests: list[RacpRequest] = field(default_factory=list)
    count_requests: list[RacpRequest] = field(default_factory=list)
    links: list[FakeLink] = field(default_factory=list)

    def link(self) -> FakeLink:
        reads = {
            uuids.MANUFACTURER_NAME: b"ACME",
            self.record_uuid: b"",
            uuids.RECORD_ACCESS_CONTROL_POINT: b"",
            **self.reads,
        }
        link = FakeLink(reads, self.services, self._on_write)
        self.links.append(link)
        return link

    def _selected(self, request: RacpRequest) -> list[tuple[int, bytes]] | None:
        if request.operator == RacpOperator.GREATER_THAN_OR_EQUAL_TO:
            if not self.supports_ge:
                return None
            minimum = request.minimum
            assert isinstance(minimum, int)
            wanted = [r for r in self.records if r.key is not None and r.key >= minimum]
        else:
            assert request.operator == RacpOperator.ALL_RECORDS
            wanted = list(self.records)
        return [(self.record_uuid, record.payload) for record in wanted]

    def _count(self, link: FakeLink, request: RacpRequest) -> None:
        for uuid16, value in self.live_before_count:
            link.notify(uuid16, value)
        super()._count(link, request)

    def _answer(self, link: FakeLink, request: RacpRequest) -> None:
        if self._selected(request) is not None:
            for uuid16, value in self.live_during_transfer:
                link.notify(uuid16, value)
        super()._answer(link, request)
