"""DeviceSession serving a Generic Health Sensor (in-memory fake): Health Sensor Features read,
live and stored observations reassembled from segments, stored observations fetched through
GHS's RACP (uint32 record numbers) with the high-water mark per device, the GHS Control Point
started after subscribing and stopped when the gateway ends the connection, the Elapsed Time
Service clock read and set; and the GHS assembler and RACP layout on their own."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from gateway.ble import events, uuids
from gateway.ble.clock import ClockPolicy, ClockSync, elapsed_offset
from gateway.ble.ghs_assembly import GhsObservationAssembler
from gateway.ble.highwater import MemoryHighWaterStore
from gateway.ble.racp_fetch import RacpFetch
from gateway.ble.session import DeviceSession, SessionConfig
from gateway.daemon.facts import ClockEra, device_clock
from gateway.daemon.heldback import facts_from_json, facts_json
from gateway.fhir.device_facts import phd_device_info
from gateway.fhir.timeline import ClockKind
from profiles import elapsed_time as ets
from profiles.errors import DecodeError
from profiles.ghs import health_observations as gho
from profiles.ghs import racp as ghs_racp
from profiles.ghs import service as ghs
from profiles.ghs.observations import NumericValue, Observation
from profiles.racp import RacpOperator, RacpRequest, RacpResponseCode
from tests.ble.fakes import FakeConnector, FakeLink, FakeSource
from tests.ble.harness import ADDRESS, CONFIG, Collector, run_session, until

LIVE = gho.LIVE_HEALTH_OBSERVATIONS.uuid16
STORED = gho.STORED_HEALTH_OBSERVATIONS.uuid16
CONTROL = ghs.GHS_CONTROL_POINT.uuid16
RACP = uuids.RECORD_ACCESS_CONTROL_POINT
CLOCK = ets.CURRENT_ELAPSED_TIME.uuid16
NOW = dt.datetime(2026, 1, 2, 12, 0, 0, tzinfo=dt.UTC)
STAMP = ets.ElapsedTime(0, ets.TimeResolution.ONE_MILLISECOND, utc=True).set_to(
    NOW - dt.timedelta(hours=1), ets.TimeSyncSource.NOT_SYNCHRONIZED
)
FEATURES = ghs.HealthSensorFeatures((149546,), (ghs.DeviceSpecialization(0x1007, 1),))
UNSET_CLOCK = ets.CurrentElapsedTime(
    dataclasses.replace(STAMP, sync_source=ets.TimeSyncSource.NOT_SYNCHRONIZED),
    ets.ClockStatus.CLOCK_NEEDS_TO_BE_SET,
)


def pulse(bpm: int, note: str = "") -> Observation:
    """A pulse rate with supplemental types, long enough to need several 20-byte segments."""
    extra = tuple(range(1, 1 + len(note))) if note else None
    return Observation(
        NumericValue(Decimal(bpm), 0x0AA0), 149546, STAMP, supplemental_information=extra
    )


class FakeSensor:
    """A GHS device: stored observations numbered from 1, segmented for a 20-byte payload."""

    def __init__(self, numbers: list[int], *, response_first: bool = False) -> None:
        self.stored = {n: gho.StoredObservation(n, pulse(60 + n, "xxxx")) for n in numbers}
        self.response_first = response_first
        """The RACP response comes before the observations (as bluetoothd sends it)."""
        self.requests: list[ghs_racp.GhsRacpValue] = []
        self.count_requests: list[ghs_racp.GhsRacpValue] = []
        self.links: list[FakeLink] = []
        self.counter = 0

    def link(self) -> FakeLink:
        reads = {
            uuids.MODEL_NUMBER: b"GHS-1",
            ghs.HEALTH_SENSOR_FEATURES.uuid16: ghs.encode_health_sensor_features(FEATURES),
            CLOCK: ets.encode_current_elapsed_time(UNSET_CLOCK),
            LIVE: b"",
            STORED: b"",
            RACP: b"",
            CONTROL: b"",
        }
        link = FakeLink(reads, {ghs.SERVICE_UUID16, ets.SERVICE_UUID16}, self._on_write)
        self.links.append(link)
        return link

    def _on_write(self, link: FakeLink, uuid16: int, data: bytes) -> None:
        if uuid16 != RACP:
            return
        request = ghs_racp.decode_ghs_racp(data)
        assert isinstance(request, ghs_racp.GhsRacpRequest)
        if request.op_code == ghs_racp.GhsRacpOpCode.REPORT_NUMBER_OF_STORED_RECORDS:
            self.count_requests.append(request)
            count = ghs_racp.GhsRacpNumberOfRecords(len(self._wanted(request)))
            answer = ghs_racp.encode_ghs_racp(count)
            asyncio.get_running_loop().call_soon(link.notify, RACP, answer)
            return
        self.requests.append(request)
        asyncio.get_running_loop().call_soon(self._answer, link, request)

    def _wanted(self, request: ghs_racp.GhsRacpRequest) -> list[gho.StoredObservation]:
        low = request.minimum if request.operator == RacpOperator.GREATER_THAN_OR_EQUAL_TO else 0
        return [s for n, s in sorted(self.stored.items()) if n >= (low or 0)]

    def _answer(self, link: FakeLink, request: ghs_racp.GhsRacpRequest) -> None:
        if request.op_code == ghs_racp.GhsRacpOpCode.ABORT_OPERATION:
            return
        wanted = self._wanted(request)
        code = ghs_racp.GhsRacpResponseCodeValue
        answer = ghs_racp.GhsRacpResponseCode(1, code.SUCCESS if wanted else code.NO_RECORDS_FOUND)
        if self.response_first:
            link.notify(RACP, ghs_racp.encode_ghs_racp(answer))
        for stored in wanted:
            for segment in gho.stored_observation_segments(stored, 20, self.counter):
                self.counter = (self.counter + 1) % 64
                link.notify(STORED, segment)
        if not self.response_first:
            link.notify(RACP, ghs_racp.encode_ghs_racp(answer))


def _session(
    sensor: FakeSensor,
    sink: Collector,
    store: MemoryHighWaterStore,
    config: SessionConfig = CONFIG,
) -> tuple[DeviceSession, FakeConnector]:
    connector = FakeConnector(sensor.link)
    session = DeviceSession(
        ADDRESS, FakeSource(ADDRESS), connector, sink, store, config, now=lambda: NOW
    )
    return session, connector


def one_transfer(sensor: FakeSensor, sink: Collector, store: MemoryHighWaterStore) -> None:
    async def scenario() -> None:
        session, _ = _session(sensor, sink, store)
        await run_session(
            session, lambda: until(lambda: len(sink.of(events.RecordTransferEvent)) == 1)
        )

    asyncio.run(scenario())


def test_stored_and_live_observations_reassembled_and_marked() -> None:
    sensor = FakeSensor([1, 2, 3])
    sink, store = Collector(), MemoryHighWaterStore()

    async def scenario() -> None:
        session, connector = _session(sensor, sink, store)

        async def body() -> None:
            await until(lambda: len(sink.of(events.RecordTransferEvent)) == 1)
            link = connector.links[0]
            assert link.writes[0] == (CONTROL, b"\x01")  # start, after subscribing
            for segment in gho.live_observation_segments(pulse(77, "abcdefgh")):
                link.notify(LIVE, segment)
            await until(lambda: len(sink.measurements()) == 4)

        await run_session(session, body)
        assert connector.links[0].writes[-1] == (CONTROL, b"\x02")  # stopped at the end

    asyncio.run(scenario())
    stored = [e for e in sink.measurements() if e.stored]
    assert [(e.sequence_number, e.value) for e in stored] == [
        (n, sensor.stored[n]) for n in (1, 2, 3)
    ]
    assert all(len(e.raw) > 20 for e in stored)  # several segments joined
    [live] = [e for e in sink.measurements() if not e.stored]
    assert live.value == pulse(77, "abcdefgh")
    assert store.marks == {f"{ADDRESS}#ghs": 4}
    assert sink.of(events.DecodeFailureEvent) == []
    facts = stored[0].connection
    assert facts.features[ghs.HEALTH_SENSOR_FEATURES.name] == FEATURES
    assert facts.clock is not None
    assert facts.clock.elapsed == UNSET_CLOCK
    assert "528391" in phd_device_info(facts).specializations  # the declared BPM


def test_second_connection_asks_from_the_mark_in_uint32() -> None:
    sensor = FakeSensor([70000, 70001])
    sink = Collector()
    store = MemoryHighWaterStore({f"{ADDRESS}#ghs": 70001})

    one_transfer(sensor, sink, store)
    assert sensor.requests == [
        ghs_racp.GhsRacpRequest.records_from(ghs_racp.GhsRacpOpCode.REPORT_STORED_RECORDS, 70001)
    ]
    assert [e.sequence_number for e in sink.measurements() if e.stored] == [70001]
    assert store.marks[f"{ADDRESS}#ghs"] == 70002


def test_clock_that_needs_setting_is_set_in_its_own_format() -> None:
    sensor = FakeSensor([])
    sink, store = Collector(), MemoryHighWaterStore()
    config = dataclasses.replace(CONFIG, clock=ClockPolicy(ClockSync.WHEN_OFF))

    async def scenario() -> FakeConnector:
        session, connector = _session(sensor, sink, store, config)
        await run_session(
            session, lambda: until(lambda: len(sink.of(events.RecordTransferEvent)) == 1)
        )
        return connector

    connector = asyncio.run(scenario())
    [written] = [v for u, v in connector.links[0].writes if u == CLOCK]
    value = ets.decode_current_elapsed_time(written)
    assert value.time.to_datetime() == NOW
    assert (value.time.utc, value.time.resolution) == (True, ets.TimeResolution.ONE_MILLISECOND)
    assert not value.clock_needs_to_be_set


def test_device_clock_of_an_elapsed_time_reading_and_as_set() -> None:
    reading_offset = elapsed_offset(UNSET_CLOCK, NOW)
    assert reading_offset == dt.timedelta(hours=-1)
    reading = events.ClockReading(NOW, None, reading_offset, NOW, elapsed=UNSET_CLOCK)
    read = device_clock(reading, ClockEra.AS_READ)
    assert read is not None
    assert (read.kind, read.synchronized) == (ClockKind.UTC, False)
    as_set = device_clock(reading, ClockEra.AS_SET)
    assert as_set is not None
    assert as_set.synchronized
    assert as_set.read_at == NOW


def test_assembler_keeps_every_segment_of_an_observation_it_cannot_complete() -> None:
    segments = gho.live_observation_segments(pulse(80, "abcdefgh"))
    assert len(segments) >= 3
    assembler = GhsObservationAssembler(stored=False)
    assert assembler.feed(segments[0]).complete is None
    fed = assembler.feed(segments[2])  # segments[1] was lost
    assert fed.abandoned is not None
    assert fed.abandoned.packets == (segments[0], segments[2])
    assert assembler.pending == 0
    with pytest.raises(DecodeError):
        assembler.feed(segments[1])  # continues nothing
    assembler.feed(segments[0])
    fed = assembler.feed(segments[0])  # a new observation before the last segment
    assert fed.abandoned is not None
    assert fed.abandoned.packets == (segments[0],)
    for segment in segments[1:]:
        fed = assembler.feed(segment)
    assert fed.complete == pulse(80, "abcdefgh")
    assert fed.raw == b"".join(segments)
    assert assembler.flush("end") is None


def test_racp_layout_round_trip_and_fetch_beyond_uint16() -> None:
    request = RacpFetch(0x12345, layout=ghs_racp.LAYOUT).request
    assert ghs_racp.LAYOUT.encode(request) == bytes.fromhex("010301" + "45230100")
    assert ghs_racp.LAYOUT.decode(bytes.fromhex("0600010a")) == RacpResponseCode(1, 10)
    assert ghs_racp.LAYOUT.encode(RacpRequest.abort_operation()) == b"\x03\x00"


def test_held_back_facts_keep_the_elapsed_time_clock() -> None:
    """``phg heldback remap`` reads a GHS stamp against the clock as read at the time."""
    reading = events.ClockReading(
        NOW, None, None, NOW + dt.timedelta(seconds=2), elapsed=UNSET_CLOCK
    )
    connection = events.ConnectionFacts(ADDRESS, "hci0", "PHG-GHS", 1, NOW, clock=reading)
    again = facts_from_json(facts_json(connection)).clock
    assert again is not None
    assert (again.elapsed, again.set_to) == (UNSET_CLOCK, reading.set_to)


def test_stored_observations_after_the_racp_response_are_stored_and_marked() -> None:
    # bluetoothd sends a pending indication before queued notifications (docs/real-bluez.md,
    # finding 3): the count asked first keeps them stored ones.
    sensor = FakeSensor([70000, 70001, 70002], response_first=True)
    sink = Collector()
    store = MemoryHighWaterStore({f"{ADDRESS}#ghs": 70001})

    one_transfer(sensor, sink, store)
    assert sensor.count_requests == [
        ghs_racp.GhsRacpRequest.records_from(
            ghs_racp.GhsRacpOpCode.REPORT_NUMBER_OF_STORED_RECORDS, 70001
        )
    ]
    assert [(e.sequence_number, e.stored) for e in sink.measurements()] == [
        (70001, True),
        (70002, True),
    ]
    assert store.marks[f"{ADDRESS}#ghs"] == 70003
