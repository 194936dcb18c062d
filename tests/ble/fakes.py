"""In-memory fakes of the BLE layer's tiny client interfaces (GattLink, Connector,
DeviceSource) and a fake glucose meter speaking RACP, for session tests without D-Bus."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from dataclasses import KW_ONLY, dataclass, field
from decimal import Decimal

from gateway.ble import uuids
from gateway.ble.link import GattLink, LinkError, NotificationHandler, Sighting
from profiles import racp
from profiles.date_time import DateTime
from profiles.glucose import (
    GlucoseConcentration,
    GlucoseMeasurement,
    encode_glucose_measurement,
)
from profiles.racp import RacpRequest, RacpResponseCodeValue

GLUCOSE_MEASUREMENT = 0x2A18


def glucose_record(sequence: int, mg_dl: int = 100) -> bytes:
    concentration = GlucoseConcentration(Decimal(mg_dl) / Decimal(100000))
    return encode_glucose_measurement(
        GlucoseMeasurement(sequence, DateTime(2026, 1, 2, 3, 4, 5), None, concentration)
    )


class FakeLink:
    def __init__(
        self,
        reads: dict[int, bytes],
        services: set[int],
        on_write: Callable[[FakeLink, int, bytes], None] | None = None,
    ) -> None:
        self.reads = reads
        self.services = frozenset(services)
        self.characteristics = frozenset(reads) | frozenset(self.extra_characteristics)
        self.on_write = on_write
        self.writes: list[tuple[int, bytes]] = []
        self.subscribers: dict[int, NotificationHandler] = {}
        self.on_disconnect: Callable[[], None] = lambda: None
        self.connected = True
        # How many times each notification reaches the handler (2: a stale notification
        # session of an earlier connection doubles every value, docs/real-bluez.md).
        self.echoes = 1
        # Seconds each read, write and subscription takes (a busy adapter).
        self.step_delay = 0.0
        # Characteristics whose reads, writes and subscriptions never get an answer, and
        # every read asked, in order.
        self.unanswered: set[int] = set()
        self.asked: list[int] = []

    extra_characteristics: tuple[int, ...] = ()

    async def read(self, uuid16: int) -> bytes:
        self.asked.append(uuid16)
        await self._step()
        if uuid16 in self.unanswered:
            await asyncio.Event().wait()
        return self.reads[uuid16]

    async def write(self, uuid16: int, data: bytes, *, response: bool = True) -> None:
        await self._step()
        if uuid16 in self.unanswered:
            await asyncio.Event().wait()
        self.writes.append((uuid16, data))
        if self.on_write is not None:
            self.on_write(self, uuid16, data)

    async def subscribe(self, uuid16: int, handler: NotificationHandler) -> None:
        await self._step()
        if uuid16 in self.unanswered:
            await asyncio.Event().wait()
        self.subscribers[uuid16] = handler

    async def disconnect(self) -> None:
        self.drop()

    async def _step(self) -> None:
        if self.step_delay:
            await asyncio.sleep(self.step_delay)
        self._check()

    def _check(self) -> None:
        if not self.connected:
            raise LinkError("not connected")

    def notify(self, uuid16: int, data: bytes) -> None:
        for _ in range(self.echoes):
            self.subscribers[uuid16](data)

    def drop(self) -> None:
        """The device disconnects."""
        if self.connected:
            self.connected = False
            self.on_disconnect()


class FakeRacpDevice:
    """The RACP side of a fake device with stored records: keeps each request (report requests
    in ``requests``, count requests in ``count_requests``) and answers it once the write
    returned. "Report stored records" notifies the selected records, then the response code
    (``response_first``: before them, as a stack that sends a pending indication before queued
    notifications does, bluetoothd among them); "report number of stored records" answers their
    number plus ``overcount`` (``counts`` False: "op code not supported"). A subclass says which
    records a request selects (:meth:`_selected`; None: its operator is not supported)."""

    requests: list[RacpRequest]
    count_requests: list[RacpRequest]
    counts = True
    response_first = False
    overcount = 0

    def _on_write(self, link: FakeLink, uuid16: int, data: bytes) -> None:
        if uuid16 != uuids.RECORD_ACCESS_CONTROL_POINT:
            return
        request = racp.decode_record_access_control_point(data)
        assert isinstance(request, RacpRequest)
        counting = request.op_code == racp.RacpOpCode.REPORT_NUMBER_OF_STORED_RECORDS
        (self.count_requests if counting else self.requests).append(request)
        self._written(request)
        answer = self._count if counting else self._answer
        asyncio.get_running_loop().call_soon(answer, link, request)

    def _written(self, request: RacpRequest) -> None:
        """Before the answer: a subclass may fail the write here (raise)."""

    def _selected(self, request: RacpRequest) -> list[tuple[int, bytes]] | None:
        """The (characteristic, value) records ``request`` selects; None when its operator is
        not supported."""
        raise NotImplementedError

    def _count(self, link: FakeLink, request: RacpRequest) -> None:
        wanted = self._selected(request)
        number = None if wanted is None else len(wanted) + self.overcount
        answer_count(link, request, number, counts=self.counts)

    def _answer(self, link: FakeLink, request: RacpRequest) -> None:
        answer_report(link, request, self._selected(request), response_first=self.response_first)


@dataclass(eq=False)
class FakeGlucoseMeter(FakeRacpDevice):
    """Answers RACP "report stored records" with its records, then a response code, and
    "report number of stored records" with their number (``counts`` False: "op code not
    supported"; ``overcount``: that many more than it then sends). ``response_first``: the
    response comes before the records (a stack that sends a pending indication before queued
    notifications, as bluetoothd does). ``requests`` are the report requests, ``count_requests``
    the count requests."""

    sequences: list[int]
    _: KW_ONLY
    supports_ge: bool = True
    drop_on_all: bool = False
    extra_reads: dict[int, bytes] = field(default_factory=dict)
    failed_racp_writes: int = 0
    counts: bool = True
    overcount: int = 0
    response_first: bool = False
    requests: list[RacpRequest] = field(default_factory=list, init=False)
    count_requests: list[RacpRequest] = field(default_factory=list, init=False)
    links: list[FakeLink] = field(default_factory=list, init=False)

    def link(self) -> FakeLink:
        reads = {
            uuids.MANUFACTURER_NAME: b"ACME",
            uuids.MODEL_NUMBER: b"G1",
            GLUCOSE_MEASUREMENT: b"",
            uuids.RECORD_ACCESS_CONTROL_POINT: b"",
            **self.extra_reads,
        }
        link = FakeLink(reads, {uuids.GLUCOSE}, self._on_write)
        self.links.append(link)
        return link

    def _written(self, request: RacpRequest) -> None:
        if self.failed_racp_writes:
            # The write is lost on a busy radio: the gateway's write times out.
            self.failed_racp_writes -= 1
            raise TimeoutError

    def _selected(self, request: RacpRequest) -> list[tuple[int, bytes]] | None:
        wanted = list(self.sequences)
        if request.operator == racp.RacpOperator.GREATER_THAN_OR_EQUAL_TO:
            if not self.supports_ge:
                return None
            assert isinstance(request.minimum, int)
            wanted = [s for s in wanted if s >= request.minimum]
        return [(GLUCOSE_MEASUREMENT, glucose_record(s)) for s in wanted]

    def _answer(self, link: FakeLink, request: RacpRequest) -> None:
        if request.operator == racp.RacpOperator.ALL_RECORDS and self.drop_on_all:
            link.drop()
            return
        super()._answer(link, request)


def answer_count(link: FakeLink, request: RacpRequest, number: int | None, *, counts: bool) -> None:
    """A fake device's answer to "report number of stored records": ``number`` (None: the
    request's operator is not supported); ``counts`` False: "op code not supported"."""
    answer: racp.RecordAccessControlPoint
    if not counts:
        answer = request.response(RacpResponseCodeValue.OP_CODE_NOT_SUPPORTED)
    elif number is None:
        answer = request.response(RacpResponseCodeValue.OPERATOR_NOT_SUPPORTED)
    else:
        answer = racp.RacpNumberOfRecordsResponse(number)
    link.notify(uuids.RECORD_ACCESS_CONTROL_POINT, racp.encode_record_access_control_point(answer))


def answer_report(
    link: FakeLink,
    request: RacpRequest,
    values: list[tuple[int, bytes]] | None,
    *,
    response_first: bool = False,
) -> None:
    """A fake device's answer to "report stored records": ``values`` (characteristic, bytes)
    notified, then the response code (``response_first``: before them, as a stack that sends
    a pending indication before queued notifications does); None: "operator not supported"."""
    control_point = uuids.RECORD_ACCESS_CONTROL_POINT
    if values is None:
        code = RacpResponseCodeValue.OPERATOR_NOT_SUPPORTED
        link.notify(control_point, racp.encode_record_access_control_point(request.response(code)))
        return
    code = RacpResponseCodeValue.SUCCESS if values else RacpResponseCodeValue.NO_RECORDS_FOUND
    response = racp.encode_record_access_control_point(racp.RacpResponseCode(1, code))
    if response_first:
        link.notify(control_point, response)
    for uuid16, value in values:
        link.notify(uuid16, value)
    if not response_first:
        link.notify(control_point, response)


class FakeConnector:
    """Connects to links from ``make_link``; the first ``failures`` attempts raise ``error``."""

    def __init__(
        self,
        make_link: Callable[[], FakeLink],
        failures: int = 0,
        error: type[LinkError] = LinkError,
    ) -> None:
        self.make_link = make_link
        self.failures = failures
        self.error = error
        self.attempts = 0
        self.attempted_at: list[float] = []
        self.links: list[FakeLink] = []

    async def connect(self, sighting: Sighting, on_disconnect: Callable[[], None]) -> GattLink:
        self.attempts += 1
        self.attempted_at.append(time.monotonic())
        if self.failures:
            self.failures -= 1
            raise self.error("simulated connect failure")
        link = self.make_link()
        link.on_disconnect = on_disconnect
        self.links.append(link)
        return link


class FakeSource:
    """The device advertises whenever :meth:`advertise` is called (once at the start)."""

    def __init__(self, address: str = "AA:BB:CC:DD:EE:01") -> None:
        self.address = address
        self._event = asyncio.Event()
        self._last = 0.0
        self.advertise()

    def advertise(self) -> None:
        self._last = time.monotonic()
        self._event.set()

    async def wait_for(self, address: str, newer_than: float) -> Sighting:
        while self._last <= newer_than:
            self._event.clear()
            await self._event.wait()
        return Sighting(self.address, "fake", "hci0", -50, self._last)


def fixed_now() -> dt.datetime:
    return dt.datetime(2026, 1, 2, 12, 0, 0, tzinfo=dt.UTC)
