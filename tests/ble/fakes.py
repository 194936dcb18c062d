"""In-memory fakes of the BLE layer's tiny client interfaces (GattLink, Connector,
DeviceSource) and a fake glucose meter speaking RACP, for session tests without D-Bus."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Callable
from decimal import Decimal

from gateway.ble import uuids
from gateway.ble.link import GattLink, LinkError, NotificationHandler, Sighting
from profiles.date_time import DateTime
from profiles.glucose import (
    GlucoseConcentration,
    GlucoseMeasurement,
    encode_glucose_measurement,
)
from profiles.racp import (
    RacpOperator,
    RacpRequest,
    RacpResponseCode,
    RacpResponseCodeValue,
    decode_record_access_control_point,
    encode_record_access_control_point,
)

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
        self._services = frozenset(services)
        self._characteristics = frozenset(reads) | frozenset(self.extra_characteristics)
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

    extra_characteristics: tuple[int, ...] = ()

    @property
    def services(self) -> frozenset[int]:
        return self._services

    @property
    def characteristics(self) -> frozenset[int]:
        return self._characteristics

    async def read(self, uuid16: int) -> bytes:
        await self._step()
        return self.reads[uuid16]

    async def write(self, uuid16: int, data: bytes, *, response: bool = True) -> None:
        await self._step()
        self.writes.append((uuid16, data))
        if self.on_write is not None:
            self.on_write(self, uuid16, data)

    async def subscribe(self, uuid16: int, handler: NotificationHandler) -> None:
        await self._step()
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
    """The RACP side of a fake device with stored records: keeps each request and answers it
    once the write returned; ">=" is refused with "operator not supported" unless
    ``supports_ge``. A subclass says which values a request reports (:meth:`_wanted`)."""

    supports_ge: bool
    requests: list[RacpRequest]

    def _on_write(self, link: FakeLink, uuid16: int, data: bytes) -> None:
        if uuid16 != uuids.RECORD_ACCESS_CONTROL_POINT:
            return
        request = decode_record_access_control_point(data)
        assert isinstance(request, RacpRequest)
        self.requests.append(request)
        self._written(request)
        asyncio.get_running_loop().call_soon(self._answer, link, request)

    def _written(self, request: RacpRequest) -> None:
        """Before the answer: a subclass may fail the write here (raise)."""

    def _wanted(self, link: FakeLink, request: RacpRequest) -> list[tuple[int, bytes]]:
        """The (characteristic, value) notifications that answer ``request``."""
        raise NotImplementedError

    def _answer(self, link: FakeLink, request: RacpRequest) -> None:
        racp = uuids.RECORD_ACCESS_CONTROL_POINT
        if request.operator == RacpOperator.GREATER_THAN_OR_EQUAL_TO and not self.supports_ge:
            code = RacpResponseCodeValue.OPERATOR_NOT_SUPPORTED
            link.notify(racp, encode_record_access_control_point(request.response(code)))
            return
        wanted = self._wanted(link, request)
        for uuid16, value in wanted:
            link.notify(uuid16, value)
        code = RacpResponseCodeValue.SUCCESS if wanted else RacpResponseCodeValue.NO_RECORDS_FOUND
        link.notify(racp, encode_record_access_control_point(RacpResponseCode(1, code)))


class FakeGlucoseMeter(FakeRacpDevice):
    """Answers RACP "report stored records" with its records, then a response code."""

    def __init__(
        self,
        sequences: list[int],
        *,
        supports_ge: bool = True,
        drop_on_all: bool = False,
        extra_reads: dict[int, bytes] | None = None,
        failed_racp_writes: int = 0,
    ) -> None:
        self.sequences = sequences
        self.failed_racp_writes = failed_racp_writes
        self.supports_ge = supports_ge
        self.drop_on_all = drop_on_all
        self.requests: list[RacpRequest] = []
        self.extra_reads = extra_reads or {}
        self.links: list[FakeLink] = []

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

    def _answer(self, link: FakeLink, request: RacpRequest) -> None:
        if request.operator == RacpOperator.ALL_RECORDS and self.drop_on_all:
            link.drop()
            return
        super()._answer(link, request)

    def _wanted(self, link: FakeLink, request: RacpRequest) -> list[tuple[int, bytes]]:
        wanted = list(self.sequences)
        if request.operator == RacpOperator.GREATER_THAN_OR_EQUAL_TO:
            assert isinstance(request.minimum, int)
            wanted = [s for s in wanted if s >= request.minimum]
        return [(GLUCOSE_MEASUREMENT, glucose_record(s)) for s in wanted]


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
