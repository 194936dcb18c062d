"""Acknowledgement order through a real DeviceSession: a device's stored-record high-water
mark advances only after the pipeline's store committed the records."""

from __future__ import annotations

import asyncio
import datetime as dt

from gateway.ble.highwater import MemoryHighWaterStore
from gateway.ble.session import DeviceSession
from gateway.daemon.pipeline import Pipeline
from tests.ble.fakes import FakeConnector, FakeGlucoseMeter, FakeSource, fixed_now
from tests.ble.harness import ADDRESS, CONFIG, run_session, until
from tests.daemon.fakes import PHG, FakeKept, FakeOutbox


def test_mark_advances_only_after_the_records_are_stored() -> None:
    meter = FakeGlucoseMeter([0, 1, 2])
    outbox, kept = FakeOutbox(), FakeKept()
    store = MemoryHighWaterStore()

    async def scenario() -> None:
        # Glucose records go to the outbox once a glucose mapping exists, to the held-back
        # store ("unmapped") before: gate both.
        outbox.gate = outbox_gate = asyncio.Event()
        kept.gate = kept_gate = asyncio.Event()
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

        async def body() -> None:
            await until(lambda: bool(meter.requests))
            await asyncio.sleep(0.2)  # the transfer is over; the first record waits for its commit
            assert store.marks == {}
            outbox_gate.set()
            kept_gate.set()
            await until(lambda: store.marks.get(ADDRESS) == 3)

        await run_session(session, body)
        assert len(outbox.puts) + len(kept.kept) == 3

    asyncio.run(scenario())
