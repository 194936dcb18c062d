"""The daemon's Bluetooth side with fakes: retries while BlueZ is unavailable, sessions for
allowed devices (by address at start, by name when seen), clean stop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path

from gateway.backoff import Backoff
from gateway.ble.allowlist import Advertisement, Allowlist, Decision
from gateway.ble.events import BleEvent, DeviceSeenEvent
from gateway.ble.highwater import MemoryHighWaterStore
from gateway.ble.link import BleakConnector, Sighting
from gateway.ble.session import SessionConfig
from gateway.daemon.bluetooth import BleRuntime, BleSettings, Scanner
from tests.ble.fakes import FakeConnector, FakeGlucoseMeter


class FakeScanner:
    def __init__(self, on_device: Callable[[DeviceSeenEvent], None]) -> None:
        self.on_device = on_device
        self.started = 0
        self.stopped = 0

    async def start(self) -> None:
        self.started += 1

    async def stop(self) -> None:
        self.stopped += 1

    async def wait_for(self, address: str, newer_than: float) -> Sighting:
        await asyncio.Event().wait()  # never advertises
        raise AssertionError

    def see(self, address: str, name: str) -> None:
        adv = Advertisement(address, name, (), -40, "hci0")
        self.on_device(DeviceSeenEvent(adv, Decision.ALLOWED))


def settings(**overrides: object) -> BleSettings:
    values: dict[str, object] = {
        "adapters": (),
        "allowlist": Allowlist.of(["AA:BB:CC:DD:EE:01"], ["BP-SIM-1"]),
        "session": SessionConfig(),
        "pinned": {},
        "highwater_path": Path("/nonexistent/highwater.json"),
        "pair": False,
        "passkey": None,
    }
    values.update(overrides)
    return BleSettings(**values)  # type: ignore[arg-type]


async def ignore(event: BleEvent) -> None:
    pass


def test_retries_until_bluez_answers_then_serves_and_stops() -> None:
    calls: list[int] = []
    scanners: list[FakeScanner] = []

    async def adapters() -> list[str]:
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionError("BlueZ is not reachable on the system bus")
        return ["hci0"]

    def make_scanner(
        names: Sequence[str], allow: Allowlist, on_device: Callable[[DeviceSeenEvent], None]
    ) -> Scanner:
        assert list(names) == ["hci0"]
        scanners.append(FakeScanner(on_device))
        return scanners[-1]

    runtime = BleRuntime(
        settings(),
        ignore,
        adapters=adapters,
        scanner_factory=make_scanner,
        connector_factory=lambda _s: FakeConnector(FakeGlucoseMeter([]).link),
        store=MemoryHighWaterStore(),
        retry=Backoff(initial=0.01, maximum=0.01, jitter=0),
    )

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(runtime.run(stop))
        while not runtime.sessions:
            await asyncio.sleep(0.005)
        assert list(runtime.sessions) == ["AA:BB:CC:DD:EE:01"]
        scanners[0].see("AA:BB:CC:DD:EE:02", "BP-SIM-1")  # allowed by name: a new session
        scanners[0].see("AA:BB:CC:DD:EE:01", "other")  # already served: no second session
        assert sorted(runtime.sessions) == ["AA:BB:CC:DD:EE:01", "AA:BB:CC:DD:EE:02"]
        stop.set()
        await asyncio.wait_for(task, 5)

    asyncio.run(scenario())
    assert len(calls) == 3
    assert scanners[0].started == 1
    assert scanners[0].stopped == 1
    assert runtime.sessions == {}


def test_stop_while_bluez_is_down_returns() -> None:
    async def adapters() -> list[str]:
        raise ConnectionError("no bus")

    runtime = BleRuntime(
        settings(),
        ignore,
        adapters=adapters,
        store=MemoryHighWaterStore(),
        retry=Backoff(initial=60, maximum=60, jitter=0),
    )

    async def scenario() -> None:
        stop = asyncio.Event()
        task = asyncio.create_task(runtime.run(stop))
        await asyncio.sleep(0.05)
        stop.set()
        await asyncio.wait_for(task, 5)  # does not sit out the 60 s retry delay

    asyncio.run(scenario())


class FakeAgent:
    def __init__(self) -> None:
        self.paired: list[str] = []

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def pair(self, path: str) -> None:
        self.paired.append(path)


def test_with_pairing_the_connector_pairs_through_the_agent() -> None:
    """bluetoothd asks the agent of the connection that called Device1.Pair: the daemon's
    connector pairs through its agent, not through bleak (docs/real-bluez.md, finding 18)."""
    agent = FakeAgent()
    runtime = BleRuntime(settings(pair=True), ignore, agent=agent)
    connector = runtime._bleak_connector(FakeScanner(lambda _: None))
    assert isinstance(connector, BleakConnector)
    assert connector.pair
    pairer = connector.pairer
    assert pairer is not None

    async def pair() -> None:
        await pairer("/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01")

    asyncio.run(pair())
    assert agent.paired == ["/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01"]


def test_without_pairing_there_is_no_agent_and_no_pairer() -> None:
    runtime = BleRuntime(settings(pair=False), ignore)
    connector = runtime._bleak_connector(FakeScanner(lambda _: None))
    assert isinstance(connector, BleakConnector)
    assert not connector.pair
    assert connector.pairer is None
