"""Fake devices with a record store behind RACP, generic over the record characteristic: a
pulse oximeter (records without keys, "all records" only) and a CGM (records keyed by time
offset, ">= time offset" supported)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from gateway.ble import uuids
from profiles.racp import (
    RacpOperator,
    RacpRequest,
    RacpResponseCode,
    RacpResponseCodeValue,
    decode_record_access_control_point,
    encode_record_access_control_point,
)
from tests.ble.fakes import FakeLink


@dataclass(slots=True)
class StoredRecord:
    key: int | None
    """What ">= N" compares (CGM time offset); None for records without one (PLX)."""
    payload: bytes


@dataclass
class FakeRecordDevice:
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

    def _on_write(self, link: FakeLink, uuid16: int, data: bytes) -> None:
        if uuid16 != uuids.RECORD_ACCESS_CONTROL_POINT:
            return
        request = decode_record_access_control_point(data)
        assert isinstance(request, RacpRequest)
        self.requests.append(request)
        asyncio.get_running_loop().call_soon(self._answer, link, request)

    def _answer(self, link: FakeLink, request: RacpRequest) -> None:
        racp = uuids.RECORD_ACCESS_CONTROL_POINT
        if request.operator == RacpOperator.GREATER_THAN_OR_EQUAL_TO:
            if not self.supports_ge:
                code = RacpResponseCodeValue.OPERATOR_NOT_SUPPORTED
                link.notify(racp, encode_record_access_control_point(request.response(code)))
                return
            minimum = request.minimum
            assert isinstance(minimum, int)
            wanted = [r for r in self.records if r.key is not None and r.key >= minimum]
        else:
            assert request.operator == RacpOperator.ALL_RECORDS
            wanted = list(self.records)
        for uuid16, value in self.live_during_transfer:
            link.notify(uuid16, value)
        for record in wanted:
            link.notify(self.record_uuid, record.payload)
        code = RacpResponseCodeValue.SUCCESS if wanted else RacpResponseCodeValue.NO_RECORDS_FOUND
        link.notify(racp, encode_record_access_control_point(RacpResponseCode(1, code)))
