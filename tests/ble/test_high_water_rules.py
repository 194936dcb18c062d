"""Where the high-water mark lands after a transfer (DeviceSession._new_mark), for the orders
values can arrive in: records may overtake each other's contexts (different characteristics),
and a glucose measurement that announces a context is complete only with it."""

from __future__ import annotations

import asyncio
import datetime as dt

from gateway.ble import quirks
from gateway.ble.events import ConnectionFacts
from gateway.ble.highwater import MemoryHighWaterStore
from gateway.ble.profile_table import PROFILES
from gateway.ble.racp_fetch import FetchOutcome, RacpFetch
from gateway.ble.session import DeviceSession, _Connection
from profiles.date_time import DateTime
from profiles.glucose import GlucoseMeasurement, GlucoseMeasurementContext
from tests.ble.fakes import FakeConnector, FakeGlucoseMeter, FakeSource
from tests.ble.harness import ADDRESS, CONFIG, Collector

BASE = DateTime(2026, 11, 22, 8, 0, 0)
GLUCOSE = next(spec for spec in PROFILES if spec.name == "glucose")


def measurement(sequence: int, *, context: bool = False) -> GlucoseMeasurement:
    return GlucoseMeasurement(sequence, BASE, context_information_follows=context)


def session_and_connection(
    mark: int | None, outcome: FetchOutcome
) -> tuple[DeviceSession, _Connection]:
    meter = FakeGlucoseMeter([])
    session = DeviceSession(
        ADDRESS,
        FakeSource(ADDRESS),
        FakeConnector(meter.link),
        Collector(),
        MemoryHighWaterStore(),
        CONFIG,
    )
    facts = ConnectionFacts(ADDRESS, "hci0", None, 1, dt.datetime.now(dt.UTC))
    conn = _Connection(meter.link(), facts, quirks.Behaviour(), asyncio.Event())
    conn.stored = GLUCOSE.stored
    conn.mark = mark
    conn.fetch = RacpFetch(mark)
    conn.fetch.outcome = outcome
    return session, conn


def ack(session: DeviceSession, conn: _Connection, *values: object) -> None:
    for value in values:
        sequence = value.sequence_number  # type: ignore[attr-defined]
        session._acknowledged(conn, sequence, True, value)


def test_interrupted_transfer_stops_at_the_first_gap() -> None:
    session, conn = session_and_connection(4, FetchOutcome.DISCONNECTED)
    ack(session, conn, measurement(4), measurement(5), measurement(7))
    assert session._new_mark(conn) == 6


def test_interrupted_transfer_with_records_out_of_order_still_advances() -> None:
    session, conn = session_and_connection(None, FetchOutcome.DISCONNECTED)
    ack(session, conn, measurement(2), measurement(1), measurement(3))
    assert session._new_mark(conn) == 4


def test_a_record_waiting_for_its_announced_context_is_fetched_again() -> None:
    session, conn = session_and_connection(1, FetchOutcome.DISCONNECTED)
    ack(session, conn, measurement(1), measurement(2, context=True), measurement(3))
    assert session._new_mark(conn) == 2
    ack(session, conn, GlucoseMeasurementContext(2))
    assert session._new_mark(conn) == 4


def test_complete_transfer_goes_past_the_highest_record() -> None:
    session, conn = session_and_connection(1, FetchOutcome.COMPLETE)
    ack(session, conn, measurement(1), measurement(3))
    assert session._new_mark(conn) == 4


def test_nothing_acknowledged_leaves_the_mark() -> None:
    session, conn = session_and_connection(5, FetchOutcome.DISCONNECTED)
    assert session._new_mark(conn) is None
