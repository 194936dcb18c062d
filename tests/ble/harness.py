"""Shared scaffolding for session tests: an event collector, polling and running a session."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from gateway.backoff import Backoff
from gateway.ble.events import BleEvent, MeasurementEvent, RecordTransferEvent
from gateway.ble.highwater import HighWaterStore
from gateway.ble.link import Connector
from gateway.ble.session import DeviceSession, SessionConfig
from tests.ble.fakes import FakeConnector, FakeSource

ADDRESS = "AA:BB:CC:DD:EE:01"
CONFIG = SessionConfig(
    step_timeout=1.0,
    connect_timeout=1.0,
    racp_idle_timeout=0.5,
    racp_late_records_timeout=0.5,
    backoff=lambda: Backoff(initial=0.01, maximum=0.02, jitter=0),
    stable_after=60,
    fresh_sighting=60,
)


class Collector:
    def __init__(self, fail_on: Callable[[MeasurementEvent], bool] | None = None) -> None:
        self.events: list[BleEvent] = []
        self.fail_on = fail_on

    async def __call__(self, event: BleEvent) -> None:
        if isinstance(event, MeasurementEvent) and self.fail_on and self.fail_on(event):
            raise RuntimeError("outbox full")
        self.events.append(event)

    def measurements(self) -> list[MeasurementEvent]:
        return [e for e in self.events if isinstance(e, MeasurementEvent)]

    def of(self, kind: type) -> list:  # type: ignore[type-arg]
        return [e for e in self.events if isinstance(e, kind)]


async def until(predicate: Callable[[], bool], timeout: float = 3.0) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.005)

    await asyncio.wait_for(poll(), timeout)


async def transfer_again(connector: FakeConnector, source: FakeSource, sink: Collector) -> None:
    """The device drops the link and advertises again: wait until one more record transfer
    has ended."""
    ended = len(sink.of(RecordTransferEvent))
    connector.links[-1].drop()
    source.advertise()
    await until(lambda: len(sink.of(RecordTransferEvent)) == ended + 1)


async def run_session(session: DeviceSession, body: Callable[[], Awaitable[None]]) -> None:
    task = asyncio.create_task(session.run())
    try:
        await body()
    finally:
        session.stop()
        await asyncio.wait_for(task, 3)


def run_transfers(
    connector: Connector,
    sink: Collector,
    store: HighWaterStore,
    transfers: int = 1,
    config: SessionConfig = CONFIG,
) -> DeviceSession:
    """Run a session against ``connector``'s device (which advertises once, at the start)
    until ``transfers`` record transfers have ended; returns the stopped session."""

    async def scenario() -> DeviceSession:
        session = DeviceSession(ADDRESS, FakeSource(ADDRESS), connector, sink, store, config)

        async def body() -> None:
            await until(lambda: len(sink.of(RecordTransferEvent)) == transfers)

        await run_session(session, body)
        return session

    return asyncio.run(scenario())
