"""A Generic Health Sensor on the status board, fed as the daemon feeds it (a real Pipeline, a
real outbox): the device with its state, its live and stored observations in words, and the
blood pressure and pulse of a spot-check sensor on the blood pressure chart."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import random
from pathlib import Path
from typing import Any

from gateway.ble.events import ClockReading, MeasurementEvent, SessionState, SessionStateEvent
from gateway.daemon.observed import ObservedKept, ObservedOutbox, observed_consumer
from gateway.daemon.pipeline import Pipeline
from gateway.fhir.patient import PatientBinding, PatientId
from gateway.status.board import StatusBoard
from gateway.status.source import DaemonStatus
from profiles.ghs import health_observations as gho
from simulators.elapsed_time_clock import ElapsedTimeClock
from simulators.ghs_observations import Measurer, Personality
from tests.daemon.fakes import ADDRESS, CONNECTED, PHG, FakeKept, facts

BOUND = {ADDRESS: PatientBinding(PatientId("pat-default"), {})}


def _events() -> list[MeasurementEvent]:
    clock = ElapsedTimeClock()
    measured = Measurer(Personality.SPOT_CHECK, random.Random(3)).measure(
        clock.at(CONNECTED - dt.timedelta(hours=2))
    )
    reading = ClockReading(CONNECTED, None, None, elapsed=clock.current())
    connection = dataclasses.replace(facts(), name="PHG-GHS", clock=reading)
    stored = gho.StoredObservation(1, measured[0])
    live = Measurer(Personality.SPOT_CHECK, random.Random(4)).measure(clock.now())
    received = CONNECTED + dt.timedelta(seconds=3)
    events = [
        MeasurementEvent(
            gho.STORED_HEALTH_OBSERVATIONS.name,
            gho.STORED_HEALTH_OBSERVATIONS.uuid16,
            stored,
            b"",
            received,
            True,
            1,
            connection,
        )
    ]
    events += [
        MeasurementEvent(
            gho.LIVE_HEALTH_OBSERVATIONS.name,
            gho.LIVE_HEALTH_OBSERVATIONS.uuid16,
            o,
            b"",
            received,
            False,
            None,
            connection,
        )
        for o in live
    ]
    return events


async def _snapshot(tmp_path: Path) -> dict[str, Any]:
    board = StatusBoard("http://fhir.test/fhir")
    outbox = await ObservedOutbox.open_for(board, tmp_path / "outbox.sqlite", max_bytes=10**7)
    try:
        consume = observed_consumer(
            Pipeline(outbox, ObservedKept(FakeKept(), board), PHG, dt.UTC, BOUND), board
        )
        await consume(SessionStateEvent(ADDRESS, SessionState.CONNECTED, adapter="hci0"))
        for event in _events():
            await consume(event)
        snapshot: dict[str, Any] = await DaemonStatus(board, outbox).snapshot()
    finally:
        await outbox.close()
    return snapshot


def test_a_generic_health_sensor_on_the_board(tmp_path: Path) -> None:
    snapshot = asyncio.run(_snapshot(tmp_path))
    [device] = snapshot["devices"]
    assert (device["address"], device["state"]) == (ADDRESS, "connected")
    readings = snapshot["readings"]
    assert [r["state"] for r in readings] == ["pending"] * 3  # in the outbox, not uploaded
    names = sorted(r["characteristic"] for r in readings)
    assert names == ["live-health-observations"] * 2 + ["stored-health-observations"]
    words = " ".join(v for r in readings for v in r["values"])
    assert "Systolic" in words
    assert "Pulse: " in words
    charts = {chart["chart"] for chart in snapshot.get("trends", [])}
    assert "blood-pressure" in charts, snapshot.get("trends")
