"""Acknowledgement order through a real DeviceSession: a device's stored-record high-water
mark advances only after the pipeline's store committed the records."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

from gateway.backoff import Backoff
from gateway.ble.highwater import MemoryHighWaterStore
from gateway.ble.session import DeviceSession, SessionConfig
from gateway.daemon.pipeline import Pipeline
from tests.ble.fakes import FakeConnector, FakeGlucoseMeter, FakeSource, fixed_now
from tests.daemon.fakes import PHG, FakeKept, FakeOutbox

ADDRESS = "AA:BB:CC:DD:EE:01"
CONFIG = SessionConfig(
    step_timeout=1.0,
    connect_timeout=1.0,
    racp_idle_timeout=0.5,
    backoff=lambda: Backoff(initial=0.01, maximum=0.02, jitter=0),
    stable_after=60,
    fresh_sighting=60,
)


async def _until(predicate: Callable[[], bool], timeout: float = 3.0) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), timeout)


def test_mark_advances_only_after_the_records_are_stored() -> None:
    meter = FakeGlucoseMeter([0, 1, 2])
    outbox, kept = FakeOutbox(), FakeKept()
    store = MemoryHighWaterStore()

    async def scenario() -> None:
        # Glucose records go to the outbox once a glucose mapping exists, to the held-back
        # store ("unmapped") before: gate both.
        outbox.gate = asyncio.Event()
        kept.gate = asyncio.Event()
        pipeline = Pipeline(outbox, kept, PHG, dt.UTC, {})
        session = DeviceSession(
            ADDRESS,
            FakeSource(ADDRESS),
            FakeConnector(meter.link),
            pipeline,
            store,
            CONFIG,
            now=fixed_now,
        )
        task = asyncio.create_task(session.run())
        try:
            await _until(lambda: bool(meter.requests))
            await asyncio.sleep(0.2)  # the transfer is over; the first record waits for its commit
            assert store.marks == {}
            outbox.gate.set()
            kept.gate.set()
            await _until(lambda: store.marks.get(ADDRESS) == 3)
        finally:
            session.stop()
            await asyncio.wait_for(task, 3)
        assert len(outbox.puts) + len(kept.kept) == 3

    asyncio.run(scenario())
