"""A read that never gets an answer while the link stays up (docs/real-bluez.md, finding 15:
each of nine device-fact reads waited its full step timeout, and the session sat connected for
minutes). The session asks nothing more on that link, reports it, ends the connection and
connects again; the device's records still arrive once."""

from __future__ import annotations

import datetime as dt

from gateway.ble import uuids
from gateway.ble.events import SessionState, SessionStateEvent
from gateway.ble.highwater import MemoryHighWaterStore
from gateway.ble.session import DeviceSession
from profiles.date_time import AdjustReason, CurrentTime, DateTime, DayOfWeek, encode_current_time
from tests.ble.fakes import FakeConnector, FakeGlucoseMeter, FakeLink
from tests.ble.harness import CONFIG, Collector, run_transfers

GLUCOSE_MEASUREMENT = 0x2A18


def serve_stalling_first(
    meter: FakeGlucoseMeter, unanswered: int
) -> tuple[FakeLink, DeviceSession, Collector, MemoryHighWaterStore]:
    """The meter's first link never answers a read of ``unanswered``; its second is sound."""
    first = meter.link()
    first.unanswered = {unanswered}
    links = iter([first, meter.link()])
    sink, store = Collector(), MemoryHighWaterStore()
    session = run_transfers(FakeConnector(lambda: next(links)), sink, store)
    return first, session, sink, store


def failures(sink: Collector) -> list[str]:
    return [e.detail for e in sink.of(SessionStateEvent) if e.state is SessionState.FAILED]


def test_a_device_fact_read_without_an_answer_ends_the_connection() -> None:
    meter = FakeGlucoseMeter([0, 1])
    first, session, sink, store = serve_stalling_first(meter, uuids.MANUFACTURER_NAME)
    assert first.asked == [uuids.MANUFACTURER_NAME]  # nothing more asked on that link
    assert not first.connected  # the gateway ended it
    assert failures(sink) == [
        f"read 0x{uuids.MANUFACTURER_NAME:04X}: no answer within {CONFIG.step_timeout:g} s"
    ]
    assert session.stats.connections == 2
    assert [m.sequence_number for m in sink.measurements()] == [0, 1]
    assert store.marks == {"AA:BB:CC:DD:EE:01": 2}


def test_a_clock_read_without_an_answer_ends_the_connection_before_the_transfer() -> None:
    clock = CurrentTime(
        DateTime.from_datetime(dt.datetime(2026, 1, 2, 12, 0)), DayOfWeek.FRIDAY, 0, AdjustReason(0)
    )
    meter = FakeGlucoseMeter(
        [0, 1, 2], extra_reads={uuids.CURRENT_TIME: encode_current_time(clock)}
    )
    first, session, sink, _ = serve_stalling_first(meter, uuids.CURRENT_TIME)
    assert first.asked[-1] == uuids.CURRENT_TIME  # the last thing asked on that link
    assert not first.subscribers  # no subscription
    assert not first.writes  # no RACP request
    assert not first.connected
    assert len(failures(sink)) == 1
    assert session.stats.connections == 2
    assert [m.sequence_number for m in sink.measurements()] == [0, 1, 2]


def test_a_subscription_without_an_answer_ends_the_connection() -> None:
    """A subscription (the CCCD write) without an answer is a stalled link too: nothing more is
    asked on it (no RACP request), and the next connection fetches the records."""
    meter = FakeGlucoseMeter([0, 1])
    first, session, sink, store = serve_stalling_first(meter, GLUCOSE_MEASUREMENT)
    assert GLUCOSE_MEASUREMENT not in first.subscribers
    assert uuids.RECORD_ACCESS_CONTROL_POINT not in first.subscribers
    assert not first.writes  # no RACP request
    assert not first.connected
    assert failures(sink) == [
        f"subscribe glucose-measurement: no answer within {CONFIG.step_timeout:g} s"
    ]
    assert session.stats.connections == 2
    assert [m.sequence_number for m in sink.measurements()] == [0, 1]
    assert store.marks == {"AA:BB:CC:DD:EE:01": 2}


def test_a_racp_subscription_without_an_answer_ends_the_connection() -> None:
    meter = FakeGlucoseMeter([0, 1, 2])
    first, session, sink, _ = serve_stalling_first(meter, uuids.RECORD_ACCESS_CONTROL_POINT)
    assert not first.writes
    assert not first.connected
    assert failures(sink) == [f"subscribe racp: no answer within {CONFIG.step_timeout:g} s"]
    assert session.stats.connections == 2
    assert [m.sequence_number for m in sink.measurements()] == [0, 1, 2]
