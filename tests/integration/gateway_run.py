"""The gateway's BLE layer under test: a HealthScanner on the gateway's adapters and one
DeviceSession per allowed simulator, all events collected in one :class:`Sink`."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Sequence

from gateway.ble.allowlist import Allowlist, Decision
from gateway.ble.events import (
    BleEvent,
    DecodeFailureEvent,
    DeviceSeenEvent,
    MeasurementEvent,
    RecordTransferEvent,
)
from gateway.ble.highwater import HighWaterStore, MemoryHighWaterStore
from gateway.ble.link import BleakConnector
from gateway.ble.scanner import HealthScanner
from gateway.ble.session import DeviceSession, SessionConfig
from gateway.ble.setup_slots import SetupSlots

TIMEOUT = 15.0
CONFIG = SessionConfig(step_timeout=5.0, connect_timeout=20.0, racp_idle_timeout=5.0)


class Sink:
    """Every event; for measurements the consumer's return is the acknowledgement."""

    def __init__(self) -> None:
        self.events: list[BleEvent] = []

    async def __call__(self, event: BleEvent) -> None:
        self.events.append(event)

    def measurements(self, uuid16: int, address: str | None = None) -> list[MeasurementEvent]:
        return [
            e
            for e in self.events
            if isinstance(e, MeasurementEvent)
            and e.uuid16 == uuid16
            and (address is None or e.connection.address == address)
        ]

    def transfers(self, address: str | None = None) -> list[RecordTransferEvent]:
        return [
            e
            for e in self.events
            if isinstance(e, RecordTransferEvent) and (address is None or e.address == address)
        ]

    def decode_failures(self) -> list[DecodeFailureEvent]:
        return [e for e in self.events if isinstance(e, DecodeFailureEvent)]


async def until(predicate: Callable[[], bool], timeout: float = TIMEOUT) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


def serve(
    name: str,
    done: Callable[[Sink], bool],
    config: SessionConfig = CONFIG,
    store: HighWaterStore | None = None,
) -> tuple[Sink, DeviceSession]:
    """Serve the device advertising as ``name`` until ``done(sink)``: what the session emitted,
    and the stopped session."""

    async def main() -> tuple[Sink, DeviceSession]:
        async with Gateway([name], config=config, store=store) as gw:
            await until(lambda: done(gw.sink), gw.timeout)
        return gw.sink, gw.sessions[name]

    return asyncio.run(main())


class Gateway:
    """``async with Gateway(["PHG-GLUCOSE"]) as gw:`` scans until every named device advertised,
    then serves each through its own DeviceSession until the block ends."""

    def __init__(
        self,
        names: Sequence[str],
        *,
        adapters: Sequence[str] = ("hci0",),
        store: HighWaterStore | None = None,
        sink: Sink | None = None,
        config: SessionConfig = CONFIG,
        timeout: float = TIMEOUT,
        pinned: Mapping[str, str] | None = None,
    ) -> None:
        self.names = list(names)
        self.adapters = list(adapters)
        self.store = store if store is not None else MemoryHighWaterStore()
        self.sink = sink if sink is not None else Sink()
        self.config = config
        self.timeout = timeout
        self.pinned = dict(pinned or {})
        self.seen: list[DeviceSeenEvent] = []
        self.sessions: dict[str, DeviceSession] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._scanner: HealthScanner | None = None

    def _allowed(self) -> dict[str, str]:
        """Allowed name -> address, from the advertisements seen so far."""
        return {
            e.advertisement.name or "": e.advertisement.address
            for e in self.seen
            if e.decision is Decision.ALLOWED
        }

    async def __aenter__(self) -> Gateway:
        scanner = HealthScanner(
            self.adapters,
            Allowlist.of(names=self.names),
            self.seen.append,
            pinned_adapters=self.pinned,
        )
        await scanner.start()
        self._scanner = scanner
        try:
            await until(lambda: set(self.names) <= set(self._allowed()), self.timeout)
        except BaseException:
            await scanner.stop()
            raise
        slots = SetupSlots()  # as the daemon: one per gateway, its default limit
        for name, address in self._allowed().items():
            session = DeviceSession(
                address,
                scanner,
                BleakConnector(latest_device=scanner.latest_device),
                self.sink,
                self.store,
                self.config,
                setup_slots=slots,
            )
            self.sessions[name] = session
            self._tasks.append(asyncio.create_task(session.run(), name=f"session-{name}"))
        return self

    async def __aexit__(self, *exc: object) -> None:
        for session in self.sessions.values():
            session.stop()
        try:
            for task in self._tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(task, self.timeout)
        finally:
            if self._scanner is not None:
                await self._scanner.stop()
