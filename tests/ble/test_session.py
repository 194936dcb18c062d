"""DeviceSession against in-memory fakes: RACP fetch with high-water marks, reconnect,
malformed values, consumer failures, quirks."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt

import structlog

from gateway.ble import uuids
from gateway.ble.clock import ClockPolicy, ClockSync
from gateway.ble.events import (
    BleEvent,
    DecodeFailureEvent,
    MeasurementEvent,
    RecordTransferEvent,
    SessionState,
    SessionStateEvent,
)
from gateway.ble.highwater import MemoryHighWaterStore
from gateway.ble.link import LinkAbortedError, LinkAuthError, LinkError, LinkOutOfSlotsError
from gateway.ble.session import NEEDS_PAIRING, DeviceSession, SessionConfig
from profiles.blood_pressure import decode_blood_pressure_measurement
from profiles.date_time import (
    AdjustReason,
    CurrentTime,
    DateTime,
    DayOfWeek,
    decode_current_time,
    encode_current_time,
)
from profiles.racp import RacpOperator
from tests.ble.fakes import (
    GLUCOSE_MEASUREMENT,
    FakeConnector,
    FakeGlucoseMeter,
    FakeLink,
    FakeSource,
)
from tests.ble.harness import ADDRESS, CONFIG, Collector, run_transfers, transfer_again
from tests.ble.harness import run_session as _run
from tests.ble.harness import until as _until


def test_glucose_fetch_delivers_records_and_advances_mark_after_ack() -> None:
    meter = FakeGlucoseMeter([0, 1, 2, 3, 4])
    store = MemoryHighWaterStore()
    sink = Collector()

    async def scenario() -> None:
        source = FakeSource(ADDRESS)
        connector = FakeConnector(meter.link)
        session = DeviceSession(ADDRESS, source, connector, sink, store, CONFIG)

        async def body() -> None:
            await _until(lambda: len(sink.of(RecordTransferEvent)) == 1)
            assert store.marks == {ADDRESS: 5}
            # The device disconnects, stores two more records and advertises again.
            meter.sequences += [5, 6]
            await transfer_again(connector, source, sink)

        await _run(session, body)

    asyncio.run(scenario())
    assert [m.sequence_number for m in sink.measurements()] == [0, 1, 2, 3, 4, 5, 6]
    assert all(m.stored for m in sink.measurements())
    assert meter.requests[0].operator == RacpOperator.ALL_RECORDS
    assert meter.requests[1].operator == RacpOperator.GREATER_THAN_OR_EQUAL_TO
    assert meter.requests[1].minimum == 5
    assert store.marks == {ADDRESS: 7}
    facts = sink.measurements()[0].connection
    assert facts.device_information.manufacturer == "ACME"
    assert facts.adapter == "hci0"


def test_failed_transfer_on_a_link_that_stays_up_is_asked_again_on_a_new_connection() -> None:
    # Twenty meters on a loaded machine: a RACP write timed out while the meter stayed
    # connected, and its records were never asked for again (CI, 2026-12-04).
    meter = FakeGlucoseMeter([0, 1, 2], failed_racp_writes=1)
    store = MemoryHighWaterStore()
    sink = Collector()

    connector = FakeConnector(meter.link)
    session = run_transfers(connector, sink, store, transfers=2)
    assert not connector.links[0].connected
    assert [t.outcome for t in sink.of(RecordTransferEvent)] == ["failed", "complete"]
    assert [m.sequence_number for m in sink.measurements()] == [0, 1, 2]
    assert store.marks == {ADDRESS: 3}
    assert session.stats.connections == 2


def test_a_transfer_asked_again_needs_no_new_advertisement() -> None:
    # The same, on a connection that lasted long enough to count as stable: the gateway ended a
    # link that was up, so the device is there. BlueZ need not report an unchanged device again,
    # and twenty meters waited for the scanner's watchdog (CI, 2026-12-05).
    meter = FakeGlucoseMeter([0, 1, 2], failed_racp_writes=1)
    store = MemoryHighWaterStore()
    sink = Collector()
    every_connection_stable = dataclasses.replace(CONFIG, stable_after=0)

    session = run_transfers(
        FakeConnector(meter.link), sink, store, transfers=2, config=every_connection_stable
    )
    assert [t.outcome for t in sink.of(RecordTransferEvent)] == ["failed", "complete"]
    assert store.marks == {ADDRESS: 3}
    assert session.stats.connections == 2


def test_a_record_that_arrives_twice_on_one_connection_is_delivered_once() -> None:
    # Twenty meters on a loaded machine: after several half-set-up connections, a meter's
    # records reached the session twice each (CI, 2026-12-05).
    meter = FakeGlucoseMeter([0, 1, 2])
    store = MemoryHighWaterStore()
    sink = Collector()

    def echoing_link() -> FakeLink:
        link = meter.link()
        link.echoes = 2
        return link

    session = run_transfers(FakeConnector(echoing_link), sink, store)
    assert [m.sequence_number for m in sink.measurements()] == [0, 1, 2]
    assert session.stats.echoes_dropped == 3
    assert store.marks == {ADDRESS: 3}


def test_consumer_failure_keeps_the_mark() -> None:
    meter = FakeGlucoseMeter([10, 11, 12])
    store = MemoryHighWaterStore({ADDRESS: 10})
    sink = Collector(fail_on=lambda e: e.sequence_number == 11)
    session = run_transfers(FakeConnector(meter.link), sink, store)
    assert session.stats.consumer_errors == 1
    assert store.marks == {ADDRESS: 10}  # record 11 was not stored: fetch it again next time


def test_device_without_ge_support_gets_all_records_filtered() -> None:
    meter = FakeGlucoseMeter([0, 1, 2, 3], supports_ge=False)
    store = MemoryHighWaterStore({ADDRESS: 2})
    sink = Collector()
    run_transfers(FakeConnector(meter.link), sink, store)
    assert [m.sequence_number for m in sink.measurements()] == [2, 3]
    assert store.marks == {ADDRESS: 4}


def test_contour_quirk_avoids_all_records() -> None:
    meter = FakeGlucoseMeter(
        [0, 1],
        drop_on_all=True,
        extra_reads={uuids.MANUFACTURER_NAME: b"Ascensia", uuids.MODEL_NUMBER: b"Contour Next"},
    )
    store = MemoryHighWaterStore()
    sink = Collector()
    run_transfers(FakeConnector(meter.link), sink, store)
    assert meter.requests[0].operator == RacpOperator.GREATER_THAN_OR_EQUAL_TO
    assert store.marks == {ADDRESS: 2}


def test_malformed_values_are_counted_and_the_session_goes_on() -> None:
    meter = FakeGlucoseMeter([])
    sink = Collector()

    async def scenario() -> DeviceSession:
        connector = FakeConnector(meter.link)
        session = DeviceSession(
            ADDRESS, FakeSource(ADDRESS), connector, sink, MemoryHighWaterStore(), CONFIG
        )

        async def body() -> None:
            await _until(lambda: len(sink.of(RecordTransferEvent)) == 1)
            link = connector.links[-1]
            link.notify(GLUCOSE_MEASUREMENT, b"\x00\x01")  # short
            link.notify(uuids.RECORD_ACCESS_CONTROL_POINT, b"\x06\x05")  # bad RACP
            from tests.ble.fakes import glucose_record

            link.notify(GLUCOSE_MEASUREMENT, glucose_record(0))  # live, still delivered
            await _until(lambda: len(sink.measurements()) == 1)

        await _run(session, body)
        return session

    session = asyncio.run(scenario())
    assert session.stats.decode_errors == 2
    failures = sink.of(DecodeFailureEvent)
    assert [f.characteristic for f in failures] == [
        "glucose-measurement",
        "record-access-control-point",
    ]
    assert not sink.measurements()[0].stored


def test_a_link_without_services_is_ended_and_connected_again() -> None:
    # A killed peripheral's device object left on the test bus: the session connected to it,
    # found no service and waited for a disconnect that never came (CI, 2026-12-05).
    meter = FakeGlucoseMeter([0, 1])
    links = iter([FakeLink({}, set()), meter.link()])
    store = MemoryHighWaterStore()
    sink = Collector()
    session = run_transfers(FakeConnector(lambda: next(links)), sink, store)
    assert session.stats.connections == 2
    assert [m.sequence_number for m in sink.measurements()] == [0, 1]
    assert store.marks == {ADDRESS: 2}


def test_connect_failures_back_off_and_retry() -> None:
    meter = FakeGlucoseMeter([0])
    sink = Collector()

    async def scenario() -> DeviceSession:
        connector = FakeConnector(meter.link, failures=2)
        session = DeviceSession(
            ADDRESS, FakeSource(ADDRESS), connector, sink, MemoryHighWaterStore(), CONFIG
        )

        async def body() -> None:
            await _until(lambda: len(sink.measurements()) == 1)

        await _run(session, body)
        return session

    session = asyncio.run(scenario())
    assert session.stats.connect_failures == 2
    assert session.stats.connections == 1


def _bp_link(manufacturer: bytes, clock: CurrentTime) -> FakeLink:
    reads = {
        uuids.MANUFACTURER_NAME: manufacturer,
        uuids.MODEL_NUMBER: b"M7",
        uuids.CURRENT_TIME: encode_current_time(clock),
        uuids.BATTERY_LEVEL: b"\x55",
        0x2A35: b"",
        0x2A49: b"\x03\x00",
    }
    return FakeLink(reads, {uuids.BLOOD_PRESSURE})


def _clock(minutes_off: int) -> CurrentTime:
    t = dt.datetime(2026, 1, 2, 12, 0, 0) + dt.timedelta(minutes=minutes_off)
    return CurrentTime(DateTime.from_datetime(t), DayOfWeek.FRIDAY, 0, AdjustReason(0))


def _now() -> dt.datetime:
    return dt.datetime(2026, 1, 2, 12, 0, 0, tzinfo=dt.UTC)


BP = bytes.fromhex("00 7800 5000 5d00".replace(" ", ""))


def _bp_session(link: FakeLink, sink: Collector) -> tuple[DeviceSession, FakeConnector]:
    connector = FakeConnector(lambda: link)
    config = SessionConfig(step_timeout=1.0, clock=ClockPolicy(ClockSync.WHEN_OFF))
    session = DeviceSession(
        ADDRESS, FakeSource(ADDRESS), connector, sink, MemoryHighWaterStore(), config, now=_now
    )
    return session, connector


def test_clock_is_read_and_set_when_off() -> None:
    link = _bp_link(b"ACME", _clock(5))
    sink = Collector()

    async def scenario() -> None:
        session, _ = _bp_session(link, sink)

        async def body() -> None:
            await _until(lambda: 0x2A35 in link.subscribers)
            link.notify(0x2A35, BP)
            await _until(lambda: len(sink.measurements()) == 1)

        await _run(session, body)

    asyncio.run(scenario())
    writes = [d for u, d in link.writes if u == uuids.CURRENT_TIME]
    assert len(writes) == 1
    assert decode_current_time(writes[0]).date_time == DateTime(2026, 1, 2, 12, 0, 0)
    facts = sink.measurements()[0].connection
    assert facts.clock is not None
    assert facts.clock.offset == dt.timedelta(minutes=5)
    assert facts.clock.set_to is not None
    assert facts.battery_percent == 0x55
    assert facts.features["blood-pressure-feature"] == 3
    assert decode_blood_pressure_measurement(BP) == sink.measurements()[0].value


def test_omron_clock_written_only_on_first_notification_and_beyond_ten_minutes() -> None:
    for minutes_off, expect_write in ((5, False), (11, True)):
        link = _bp_link(b"OMRON HEALTHCARE", _clock(minutes_off))
        sink = Collector()

        async def scenario(link: FakeLink = link, sink: Collector = sink) -> None:
            session, _ = _bp_session(link, sink)

            async def body() -> None:
                await _until(lambda: 0x2A35 in link.subscribers)
                await asyncio.sleep(0.05)
                assert not [u for u, _ in link.writes if u == uuids.CURRENT_TIME]
                link.notify(0x2A35, BP)
                link.notify(0x2A35, BP)
                await _until(lambda: len(sink.measurements()) == 2)

            await _run(session, body)

        asyncio.run(scenario())
        writes = [u for u, _ in link.writes if u == uuids.CURRENT_TIME]
        assert len(writes) == (1 if expect_write else 0), minutes_off


def _after_one_connect_failure(
    error: type[LinkError], config: SessionConfig
) -> tuple[Collector, float]:
    """Run a session whose first connect fails with ``error`` until a record is delivered;
    its events and the wait the session chose before its second connect attempt (as logged:
    the wall clock of a loaded machine says nothing about what was chosen)."""
    meter = FakeGlucoseMeter([0])
    sink = Collector()
    connector = FakeConnector(meter.link, failures=1, error=error)

    async def scenario() -> None:
        session = DeviceSession(
            ADDRESS, FakeSource(ADDRESS), connector, sink, MemoryHighWaterStore(), config
        )
        await _run(session, lambda: _until(lambda: len(sink.measurements()) == 1))

    with structlog.testing.capture_logs() as logs:
        asyncio.run(scenario())
    first, second = connector.attempted_at
    delays = [e["delay"] for e in logs if e["event"] == "reconnect_backoff"]
    assert len(delays) == 1, logs
    assert second - first >= delays[0]
    return sink, delays[0]


def test_out_of_connection_slots_waits_longer_than_the_backoff() -> None:
    config = dataclasses.replace(CONFIG, out_of_slots_retry=0.3)
    _, waited = _after_one_connect_failure(LinkOutOfSlotsError, config)
    assert waited == 0.3  # the backoff alone would wait 0.01 s
    _, waited = _after_one_connect_failure(LinkAbortedError, config)
    assert waited < 0.3


def test_an_authentication_failure_is_a_failed_pairing_with_a_long_wait() -> None:
    config = dataclasses.replace(CONFIG, pairing_retry=0.3)
    sink, waited = _after_one_connect_failure(LinkAuthError, config)
    failed = [e for e in sink.of(SessionStateEvent) if e.state is SessionState.FAILED]
    assert [e.detail for e in failed] == [
        f"{NEEDS_PAIRING}: pairing failed (simulated connect failure)"
    ]
    assert waited == 0.3


def test_a_consumer_failing_on_status_events_does_not_stop_the_session() -> None:
    meter = FakeGlucoseMeter([0, 1])
    delivered: list[BleEvent] = []

    async def consumer(event: BleEvent) -> None:
        if isinstance(event, SessionStateEvent):
            raise RuntimeError("status board down")
        delivered.append(event)

    async def scenario() -> None:
        session = DeviceSession(
            ADDRESS,
            FakeSource(ADDRESS),
            FakeConnector(meter.link),
            consumer,
            MemoryHighWaterStore(),
            CONFIG,
        )
        await _run(session, lambda: _until(lambda: len(delivered) >= 3))

    asyncio.run(scenario())
    assert [type(e) for e in delivered] == [MeasurementEvent, MeasurementEvent, RecordTransferEvent]
