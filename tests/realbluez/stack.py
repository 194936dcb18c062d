"""Scaffolding for tests on real BlueZ (in the VM of scripts/real-bluez.sh): BlueZ's state, the
simulated device as an asyncio task on ``hci1``, and the gateway's own Bluetooth runtime
(:class:`~gateway.daemon.bluetooth.BleRuntime`: agent, scanner, sessions) on ``hci0``, all in
the test's process and event loop, talking to one real bluetoothd."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import structlog
from dbus_fast import BusType, Variant
from dbus_fast.aio import MessageBus

from gateway.backoff import Backoff
from gateway.ble.agent import PairingAgent
from gateway.ble.allowlist import Allowlist
from gateway.ble.events import BleEvent, MeasurementEvent, SessionState, SessionStateEvent
from gateway.ble.session import SessionConfig
from gateway.daemon.bluetooth import BleRuntime, BleSettings
from simulators import bluez
from simulators.base import DeviceSimulator, SimulatorOptions
from simulators.glucose import GlucoseMeterOptions, GlucoseMeterSimulator

GATEWAY = "hci0"
DEVICE = "hci1"
PROPS = "org.freedesktop.DBus.Properties"
GLUCOSE = "glucose-measurement"

# Generous bounds: the VM runs under software emulation on a shared 2-core machine.
SESSION = SessionConfig(
    step_timeout=20.0,
    connect_timeout=60.0,
    racp_idle_timeout=20.0,
    backoff=lambda: Backoff(initial=0.5, maximum=2.0, jitter=0),
    stable_after=30.0,
    fresh_sighting=30.0,
)

IN_ORDER = GlucoseMeterOptions(indicate=True)
"""A glucose meter whose records are indications: bluetoothd sends a pending indication before
queued notifications, so notified records can arrive after the RACP response (finding 3 in
docs/real-bluez.md, being fixed separately); tests about bonds, pairing and adapters use
indicated records so that the order of a transfer is not what they test."""

LINGER = 3.0
"""Seconds a meter stays connected after its transfer before it disconnects: under emulation
its last indication (the RACP response) could still be unsent 0.5 s after the simulator set
it, and the gateway then rightly asked for the last record again on the next connection."""


async def system_bus() -> MessageBus:
    return await MessageBus(bus_type=BusType.SYSTEM).connect()


async def device_paths(bus: MessageBus, adapter: str | None = None) -> dict[str, dict[str, Any]]:
    objects = await bluez.managed_objects(bus)
    found = {}
    for path, interfaces in objects.items():
        device = interfaces.get(bluez.DEVICE)
        if device is None:
            continue
        if adapter is not None and not path.startswith(f"/org/bluez/{adapter}/"):
            continue
        found[path] = {k: v.value for k, v in device.items()}
    return found


def record_timing(name: str, seconds: float | None) -> None:
    """Print a measured duration and keep it for the run's summary (/phg-results/timings)."""
    line = f"{name}: {'-' if seconds is None else f'{seconds:.2f} s'}"
    print(line)
    results = Path("/phg-results")
    if results.is_dir():
        with (results / "timings.log").open("a", encoding="utf-8") as out:
            out.write(line + "\n")


async def forget_all() -> None:
    """Remove every device (and so every bond) from both adapters: tests start unpaired."""
    bus = await system_bus()
    try:
        for path in await device_paths(bus):
            adapter = path.rsplit("/", 1)[0]
            with contextlib.suppress(Exception):
                await bluez.call(bus, adapter, bluez.ADAPTER, "RemoveDevice", "o", [path])
    finally:
        bus.disconnect()


async def device_property(adapter: str, address: str, name: str) -> Any:
    bus = await system_bus()
    path = f"/org/bluez/{adapter}/dev_{address.replace(':', '_')}"
    try:
        body = await bluez.call(bus, path, PROPS, "Get", "ss", [bluez.DEVICE, name])
        return body[0].value
    finally:
        bus.disconnect()


async def pair_by_hand(bus: MessageBus, address: str) -> None:
    """What an installer does once (``bluetoothctl pair``): ``Device1.Pair`` on the gateway's
    adapter, called on ``bus`` (so bluetoothd asks the agent registered there, if any), then
    disconnect."""
    path = f"/org/bluez/{GATEWAY}/dev_{address.replace(':', '_')}"
    await asyncio.wait_for(bluez.call(bus, path, bluez.DEVICE, "Pair"), 60)
    await asyncio.wait_for(bluez.call(bus, path, bluez.DEVICE, "Disconnect"), 30)


async def set_powered(adapter: str, on: bool) -> None:
    bus = await system_bus()
    try:
        await bluez.call(
            bus,
            f"/org/bluez/{adapter}",
            PROPS,
            "Set",
            "ssv",
            [bluez.ADAPTER, "Powered", Variant("b", on)],
        )
    finally:
        bus.disconnect()


async def restart_bluetoothd() -> None:
    """Stop bluetoothd (by the PID D-Bus knows for ``org.bluez``) and start it again; first
    every connection is ended and the kernel's links are waited out (15 s at most): Debian's
    guest kernel has oopsed when bluetoothd closed the L2CAP socket of a link that was going
    down (docs/real-bluez.md, finding 17), which a stop with no link left cannot meet."""
    import os
    import signal

    from tests.realbluez.conftest import restart_bluetoothd as start

    bus = await system_bus()
    try:
        for path, device in (await device_paths(bus)).items():
            if device.get("Connected"):
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(bluez.call(bus, path, bluez.DEVICE, "Disconnect"), 10)
        deadline = time.monotonic() + 15
        while kernel_links() and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
        body = await bluez.call(
            bus,
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "GetConnectionUnixProcessID",
            "s",
            ["org.bluez"],
            destination="org.freedesktop.DBus",
        )
    finally:
        bus.disconnect()
    pid = int(body[0])
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        await asyncio.sleep(0.2)
    await asyncio.to_thread(start)


async def adapter_address(adapter: str) -> str:
    bus = await system_bus()
    try:
        return await bluez.adapter_address(bus, adapter)
    finally:
        bus.disconnect()


async def until(
    predicate: Callable[[], bool],
    timeout: float,
    what: str,
    detail: Callable[[], str] | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            extra = f"\n{detail()}" if detail is not None else ""
            raise TimeoutError(f"not within {timeout} s: {what}{extra}\n{await bluez_state()}")
        await asyncio.sleep(0.05)


SHOWN_DEVICE_PROPERTIES = ("Connected", "ServicesResolved", "Paired", "Bonded", "Trusted", "RSSI")


async def bluez_state() -> str:
    """BlueZ's devices as bluetoothd sees them now, for a timeout's message: whether the
    device was known, heard in the running discovery (RSSI), connected, resolved, bonded."""
    try:
        bus = await system_bus()
        try:
            devices = await device_paths(bus)
        finally:
            bus.disconnect()
    except Exception as exc:  # the message is for diagnosis; it must not hide the timeout
        return f"bluez devices: unreadable ({exc!r})"
    lines = ["bluez devices:"] if devices else ["bluez devices: none"]
    for path, props in sorted(devices.items()):
        shown = ", ".join(f"{k}={props[k]}" for k in SHOWN_DEVICE_PROPERTIES if k in props)
        lines.append(f"  {path}: {shown}")
    lines.append(f"kernel links: {', '.join(kernel_links()) or 'none'}")
    return "\n".join(lines)


def kernel_links() -> list[str]:
    """The kernel's connections (``hciN:HANDLE`` in sysfs), for a timeout's message: a link
    bluetoothd no longer shows still holds the controller (no advertising while it lasts)."""
    return sorted(p.name for p in Path("/sys/class/bluetooth").glob("hci*:*"))


READVERTISE = 3.0
"""Seconds between the simulated device's re-registrations of its advertisement while no
central is connected (:attr:`SimulatorOptions.readvertise`). btvirt reports an advertiser to a
scanning controller only when advertising or scanning is switched on; on a scan's start that
one report can reach the kernel before it has marked its discovery as running, and it is then
dropped (docs/real-bluez.md, finding 16). A real device advertises every interval."""


class Device:
    """A simulated device running in this event loop (its events collected in ``events``),
    advertising again every :data:`READVERTISE` seconds while no central is connected."""

    def __init__(self, cls: type[DeviceSimulator], **options: Any) -> None:
        self.events: list[dict[str, Any]] = []
        options = {"readvertise": READVERTISE, **options}
        self.simulator = cls(SimulatorOptions(adapter=DEVICE, **options), self.events.append)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def of(self, name: str) -> list[dict[str, Any]]:
        return [e for e in self.events if e["event"] == name]

    @property
    def address(self) -> str:
        return str(self.of("ready")[0]["address"])

    async def __aenter__(self) -> Device:
        task = self._task = asyncio.create_task(self.simulator.run(self._stop))
        await until(lambda: bool(self.of("ready")) or task.done(), 30, "simulator ready")
        if task.done():
            task.result()
        errors = self.of("error")
        assert not errors, errors
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        if self._task is not None:
            await asyncio.wait_for(self._task, 20)


def encrypted_meter(records: int, security: str = "encrypt", **options: Any) -> Device:
    """A glucose meter with ``records`` stored records, indicated in order (:data:`IN_ORDER`),
    whose characteristics need an encrypted link (``security="encrypt-authenticated"``: an
    encrypted link from a passkey pairing): the gateway has to pair or be bonded."""
    return Device(
        GlucoseMeterSimulator, device=IN_ORDER, records=records, security=security, **options
    )


@contextlib.asynccontextmanager
async def unbonded_meter(records: int, **options: Any) -> AsyncIterator[Device]:
    """Every bond forgotten (:func:`forget_all`), then an :func:`encrypted_meter` running."""
    await forget_all()
    async with encrypted_meter(records, **options) as meter:
        yield meter


class Gateway:
    """The gateway's Bluetooth runtime as the daemon builds it, collecting every event."""

    def __init__(
        self,
        address: str,
        tmp: Path,
        *,
        pair: bool = False,
        passkey: int | None = None,
        bonded_only: bool = False,
        adapters: tuple[str, ...] = (GATEWAY,),
        session: SessionConfig = SESSION,
        agent: Any = None,
    ) -> None:
        self.events: list[BleEvent] = []
        self.times: list[float] = []
        self.settings = BleSettings(
            adapters=adapters,
            allowlist=Allowlist.of([address]),
            session=dataclasses.replace(session, bonded_only=bonded_only),
            pinned={},
            highwater_path=tmp / "highwater.json",
            pair=pair or passkey is not None,
            passkey=passkey,
        )
        self.agent = agent or (PairingAgent(passkey) if self.settings.pair else None)
        self.runtime = BleRuntime(self.settings, self._consume, agent=self.agent)
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def _consume(self, event: BleEvent) -> None:
        self.events.append(event)
        self.times.append(time.monotonic())

    def connect_to_first_reading(self) -> float | None:
        """Seconds from the first CONNECTING state to the first measurement delivered."""
        start = None
        for at, event in zip(self.times, self.events, strict=True):
            if (
                start is None
                and isinstance(event, SessionStateEvent)
                and event.state is SessionState.CONNECTING
            ):
                start = at
            if start is not None and isinstance(event, MeasurementEvent):
                return at - start
        return None

    def measurements(self, characteristic: str | None = None) -> list[MeasurementEvent]:
        return [
            e
            for e in self.events
            if isinstance(e, MeasurementEvent)
            and (characteristic is None or e.characteristic == characteristic)
        ]

    def glucose_sequences(self) -> list[int]:
        """The sequence numbers of the glucose measurements delivered, sorted."""
        return sorted(m.sequence_number or 0 for m in self.measurements(GLUCOSE))

    def states(self) -> list[SessionStateEvent]:
        return [e for e in self.events if isinstance(e, SessionStateEvent)]

    def state_count(self, state: SessionState) -> int:
        return sum(1 for e in self.states() if e.state is state)

    async def __aenter__(self) -> Gateway:
        self._task = asyncio.create_task(self.runtime.run(self._stop))
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        if self._task is not None:
            await asyncio.wait_for(self._task, 60)


@contextlib.contextmanager
def captured_logs() -> Iterator[list[Any]]:
    """Every structlog entry while the block runs (the agent's calls among them)."""
    with structlog.testing.capture_logs() as logs:
        yield logs


@contextlib.asynccontextmanager
async def logged_gateway(
    address: str, tmp: Path, **options: Any
) -> AsyncIterator[tuple[Gateway, list[Any]]]:
    """A running :class:`Gateway` and every structlog entry while it runs (see
    :func:`captured_logs`)."""
    with captured_logs() as logs:
        async with Gateway(address, tmp, **options) as gateway:
            yield gateway, logs


@dataclasses.dataclass(frozen=True)
class Scene:
    """A simulated device, the gateway watching it and every structlog entry meanwhile."""

    device: Device
    gateway: Gateway
    logs: list[Any]

    def detail(self) -> str:
        """Everything that happened so far (:func:`dump`), for a failed wait or assertion."""
        return dump(self.gateway, self.device, self.logs)


@contextlib.asynccontextmanager
async def scene(
    device: contextlib.AbstractAsyncContextManager[Device], tmp: Path, **options: Any
) -> AsyncIterator[Scene]:
    """``device`` running (a :class:`Device` or :func:`unbonded_meter`) and a
    :func:`logged_gateway` for it; ``options`` go to the :class:`Gateway`."""
    async with device as running, logged_gateway(running.address, tmp, **options) as (gw, logs):
        yield Scene(running, gw, logs)


def agent_calls(logs: list[Any]) -> list[str]:
    """The gateway agent's calls from BlueZ (``agent_*`` log events but registration)."""
    return [
        str(e["event"])
        for e in logs
        if str(e.get("event", "")).startswith("agent_")
        and e["event"] not in ("agent_registered", "agent_unregister_failed")
    ]


def logged(logs: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [e for e in logs if e.get("event") == name]


def dump(
    gateway: Gateway, device: Device | None = None, logs: list[dict[str, Any]] | None = None
) -> str:
    """Everything that happened, for an assertion message."""
    lines = ["gateway events:"]
    for e in gateway.events:
        if isinstance(e, MeasurementEvent):
            lines.append(
                f"  {e.received_at.time()} {e.characteristic} seq={e.sequence_number} "
                f"stored={e.stored} conn={e.connection.connection_number}"
            )
        else:
            lines.append(f"  {e!r}"[:300])
    if device is not None:
        lines.append("device events:")
        lines += [f"  {e}"[:300] for e in device.events]
    if logs is not None:
        lines.append("logs:")
        lines += [f"  {e}"[:300] for e in logs]
    return "\n".join(lines)
