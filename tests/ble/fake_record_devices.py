"""Fake devices with a record store behind RACP, generic over the record characteristic: a
pulse oximeter (records without keys, "all records" only) and a CGM (records keyed by time
offset, ">= time offset" supported)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from gateway.ble import uuids
from profiles.racp import (
    RacpOpCode,
    RacpOperator,
    RacpRequest,
    decode_record_access_control_point,
)
from tests.ble.fakes import FakeLink, answer_count, answer_report


@dataclass(slots=True)
class StoredRecord:
    key: int | None
    """What ">= N" compares (CGM time offset); None for records without one (PLX)."""
    payload: bytes


@dataclass
class FakeRecordDevice:
    """Answers "report stored records" from ``records`` (notified on ``record_uuid``) and then
    a response code (``response_first``: before them, as a stack that sends a pending
    indication before queued notifications does), and "report number of stored records" with
    their number (``counts`` False: "op code not supported"); ``supports_ge`` False answers
    ">=" with "operator not supported". ``live_during_transfer`` values are notified before
    the records of every transfer, ``live_before_count`` before every count. ``requests`` are
    the report requests, ``count_requests`` the count requests."""

    services: set[int]
    reads: dict[int, bytes]
    record_uuid: int
    records: list[StoredRecord] = field(default_factory=list)
    supports_ge: bool = True
    counts: bool = True
    response_first: bool = False
    live_during_transfer: list[tuple[int, bytes]] = field(default_factory=list)
    live_before_count: list[tuple[int, bytes]] = field(default_factory=list)
    """Values notified before the answer to a count request (live readings taken meanwhile)."""
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

    def _on_write(self, link: FakeLink, uuid16: int, data: bytes) -> None:
        if uuid16 != uuids.RECORD_ACCESS_CONTROL_POINT:
            return
        request = decode_record_access_control_point(data)
        assert isinstance(request, RacpRequest)
        if request.op_code == RacpOpCode.REPORT_NUMBER_OF_STORED_RECORDS:
            self.count_requests.append(request)
            asyncio.get_running_loop().call_soon(self._count, link, request)
            return
        self.requests.append(request)
        asyncio.get_running_loop().call_soon(self._answer, link, request)

    def _selected(self, request: RacpRequest) -> list[StoredRecord] | None:
        """The records ``request`` selects; None when its operator is unsupported."""
        if request.operator == RacpOperator.GREATER_THAN_OR_EQUAL_TO:
            if not self.supports_ge:
                return None
            minimum = request.minimum
            assert isinstance(minimum, int)
            return [r for r in self.records if r.key is not None and r.key >= minimum]
        assert request.operator == RacpOperator.ALL_RECORDS
        return list(self.records)

    def _count(self, link: FakeLink, request: RacpRequest) -> None:
        for uuid16, value in self.live_before_count:
            link.notify(uuid16, value)
        wanted = self._selected(request)
        answer_count(link, request, None if wanted is None else len(wanted), counts=self.counts)

    def _answer(self, link: FakeLink, request: RacpRequest) -> None:
        wanted = self._selected(request)
        if wanted is None:
            answer_report(link, request, None)
            return
        for uuid16, value in self.live_during_transfer:
            link.notify(uuid16, value)
        records = [(self.record_uuid, r.payload) for r in wanted]
        answer_report(link, request, records, response_first=self.response_first)
