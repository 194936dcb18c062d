"""The daemon's Bluetooth side: the pairing agent, one :class:`~gateway.ble.scanner.HealthScanner`
on the configured adapters and one :class:`~gateway.ble.session.DeviceSession` per allowed
device, all feeding one event consumer (the :class:`~gateway.daemon.pipeline.Pipeline`).

Devices allowed by address (and every bound device) get their session at start; devices
allowed by name get one when they are first seen. When BlueZ is not reachable or no adapter is
powered (the daemon started before ``bluetooth.service``, a USB dongle unplugged), the
runtime logs it and tries again with a capped backoff, while the uploader keeps draining the
outbox. :meth:`BleRuntime.run` returns once ``stop`` is set and every session has stopped,
i.e. after the values already received were handed to the consumer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import structlog

from gateway.backoff import Backoff
from gateway.ble.adapters import list_adapters
from gateway.ble.agent import PairingAgent, is_bonded
from gateway.ble.allowlist import Allowlist, Decision
from gateway.ble.events import DeviceSeenEvent, EventConsumer
from gateway.ble.highwater import HighWaterStore, JsonFileHighWaterStore
from gateway.ble.link import BleakConnector, Connector
from gateway.ble.scanner import HealthScanner
from gateway.ble.session import DeviceSession, DeviceSource, SessionConfig
from gateway.ble.setup_slots import SetupSlots
from gateway.config.settings import GatewayConfig
from gateway.waits import stopped_during

_log = structlog.get_logger("gateway.daemon.bluetooth")


class Scanner(DeviceSource, Protocol):
    async def start(self) -> None: ...

    async def stop(self) -> None: ...


ScannerFactory = Callable[[Sequence[str], Allowlist, Callable[[DeviceSeenEvent], None]], Scanner]
ConnectorFactory = Callable[[Scanner], Connector]


class Agent(Protocol):
    """BlueZ's pairing agent for the gateway (:class:`~gateway.ble.agent.PairingAgent`)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def pair(self, path: str) -> None:
        """Pair with the device at BlueZ object ``path``, asking this agent."""
        ...


@dataclass(frozen=True, slots=True)
class BleSettings:
    adapters: tuple[str, ...]
    allowlist: Allowlist
    session: SessionConfig
    pinned: dict[str, str]
    highwater_path: Path
    pair: bool
    passkey: int | None
    concurrent_setups: int = 2
    shutdown_timeout: float = 40.0

    @classmethod
    def of(cls, config: GatewayConfig) -> BleSettings:
        ble = config.ble
        return cls(
            adapters=tuple(ble.adapters),
            allowlist=config.allowlist(),
            session=SessionConfig(clock=ble.clock_policy(), bonded_only=ble.bonded_only),
            pinned=config.pinned_adapters(),
            highwater_path=config.highwater_path,
            pair=ble.pair or ble.pairing_passkey is not None,
            passkey=ble.pairing_passkey,
            concurrent_setups=ble.concurrent_setups,
        )


class BleRuntime:
    def __init__(
        self,
        settings: BleSettings,
        consumer: EventConsumer,
        *,
        adapters: Callable[[], Awaitable[list[str]]] = list_adapters,
        scanner_factory: ScannerFactory | None = None,
        connector_factory: ConnectorFactory | None = None,
        agent: Agent | None = None,
        store: HighWaterStore | None = None,
        retry: Backoff | None = None,
    ) -> None:
        self.settings = settings
        self.consumer = consumer
        self._adapters = adapters
        self._scanner_factory = scanner_factory or self._bleak_scanner
        self._connector_factory = connector_factory or self._bleak_connector
        self._agent = agent
        if self._agent is None and settings.pair:
            self._agent = PairingAgent(settings.passkey)
        self.store = store or JsonFileHighWaterStore(settings.highwater_path)
        self.retry = retry or Backoff(initial=2.0, maximum=60.0)
        self.sessions: dict[str, DeviceSession] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._scanner: Scanner | None = None
        self._connector: Connector | None = None
        self._setup_slots: SetupSlots | None = None

    # --- bleak defaults ---------------------------------------------------------------------
    def _bleak_scanner(
        self,
        adapters: Sequence[str],
        allowlist: Allowlist,
        on_device: Callable[[DeviceSeenEvent], None],
    ) -> Scanner:
        return HealthScanner(adapters, allowlist, on_device, pinned_adapters=self.settings.pinned)

    def _bleak_connector(self, scanner: Scanner) -> Connector:
        latest = scanner.latest_device if isinstance(scanner, HealthScanner) else None
        pairer = self._agent.pair if self._agent is not None else None
        return BleakConnector(pair=self.settings.pair, latest_device=latest, pairer=pairer)

    # --- lifecycle --------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Serve the devices until ``stop`` is set, retrying while Bluetooth is unavailable."""
        while not stop.is_set():
            try:
                adapters = list(self.settings.adapters) or await self._adapters()
                if not adapters:
                    raise ConnectionError("no powered Bluetooth adapter")
                await self._serve(adapters, stop)
                return
            except Exception as exc:  # BlueZ down, adapter gone: retry, keep the daemon up
                delay = self.retry.next_delay()
                _log.warning(
                    "bluetooth_unavailable",
                    error=f"{type(exc).__name__}: {exc}",
                    hint="is bluetoothd running and the system D-Bus reachable?",
                    retry_in_s=round(delay, 1),
                )
                await stopped_during(stop, delay)

    async def _serve(self, adapters: list[str], stop: asyncio.Event) -> None:
        agent_started = False
        scanner = self._scanner_factory(adapters, self.settings.allowlist, self._on_device)
        try:
            if self._agent is not None:
                await self._agent.start()
                agent_started = True
            self._scanner = scanner
            self._connector = self._connector_factory(scanner)
            self._setup_slots = SetupSlots(per_adapter=self.settings.concurrent_setups)
            await scanner.start()
            self.retry.reset()
            _log.info(
                "bluetooth_started",
                adapters=adapters,
                devices=len(self.settings.allowlist.addresses),
                names=len(self.settings.allowlist.names),
            )
            for address in sorted(self.settings.allowlist.addresses):
                self._start_session(address)
            await stop.wait()
        finally:
            self._scanner = None
            await self._stop_sessions()
            with contextlib.suppress(Exception):
                await scanner.stop()
            if agent_started and self._agent is not None:
                with contextlib.suppress(Exception):
                    await self._agent.stop()

    def _on_device(self, event: DeviceSeenEvent) -> None:
        if event.decision is Decision.ALLOWED and self._scanner is not None:
            self._start_session(event.advertisement.address)

    def _start_session(self, address: str) -> None:
        if address in self.sessions or self._scanner is None or self._connector is None:
            return
        session = DeviceSession(
            address,
            self._scanner,
            self._connector,
            self.consumer,
            self.store,
            self.settings.session,
            bond_check=is_bonded if self.settings.session.bonded_only else None,
            setup_slots=self._setup_slots,
        )
        self.sessions[address] = session
        task = asyncio.create_task(session.run(), name=f"ble-session-{address}")
        task.add_done_callback(_report_end)
        self._tasks[address] = task

    async def _stop_sessions(self) -> None:
        for session in self.sessions.values():
            session.stop()
        tasks = list(self._tasks.values())
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=self.settings.shutdown_timeout)
            for task in pending:
                _log.error("session_stop_timeout", task=task.get_name())
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        self.sessions.clear()
        self._tasks.clear()


def _report_end(task: asyncio.Task[None]) -> None:
    if not task.cancelled() and task.exception() is not None:
        _log.error("session_crashed", task=task.get_name(), error=repr(task.exception()))
