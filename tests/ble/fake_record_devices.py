"""Fake devices with a record store behind RACP, generic over the record characteristic: a
pulse oximeter (records without keys, "all records" only) and a CGM (records keyed by time
offset, ">= time offset" supported)."""

from __future__ import annotations

from dataclasses import dataclass, field

from gateway.ble import uuids
from profiles.racp import (
    RacpOperator,
    RacpRequest,
)
from tests.ble.fakes import FakeLink, FakeRacpDevice


@dataclass(slots=True)
class StoredRecord:
    key: int | None
    """What ">= N" compares (CGM time offset); None for records without one (PLX)."""
    payload: bytes


@dataclass
class FakeRecordDevice(FakeRacpDevice):
    """Answers "report stored records" from ``records`` (notified on ``record_uuid``) and then
    a response code; ``supports_ge`` False answers ">=" with "operator not supported".
    ``live_during_transfer`` values are notified before the records of every transfer."""

    services: set[int]
    reads: dict[int, bytes]
    record_uuid: int
    records: list[StoredRecord] = field(default_factory=list)
    supports_ge: bool = True
    live_during_transfer: list[tuple[int, bytes]] = field(default_factory=list)
    requests: list[RacpRequest] = field(default_factory=list)
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

    def _wanted(self, link: FakeLink, request: RacpRequest) -> list[tuple[int, bytes]]:
        if request.operator == RacpOperator.GREATER_THAN_OR_EQUAL_TO:
            minimum = request.minimum
            assert isinstance(minimum, int)
            wanted = [r for r in self.records if r.key is not None and r.key >= minimum]
        else:
            assert request.operator == RacpOperator.ALL_RECORDS
            wanted = list(self.records)
        for uuid16, value in self.live_during_transfer:
            link.notify(uuid16, value)
        return [(self.record_uuid, record.payload) for record in wanted]
