"""The frame every device simulator shares: options, the standard services, stored records,
live values, events on stdout and ``main`` (its flags: :mod:`simulators.command_line`).

A device type is one module with a :class:`DeviceSimulator` subclass that builds its GATT
services and sends its stored records when the central subscribes (see
``simulators/blood_pressure.py``). ``main(SimulatorClass)`` gives it a command line::

    python -m simulators.blood_pressure --adapter hci1 --records 3 --seed 7

Each line a simulator prints is one JSON object with an ``event`` key (``ready``, ``subscribed``,
``sent``, ``sent-malformed``, ``transfer-complete``, ``device-disconnect``, ``error``) so tests
and the demo can follow it.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import datetime as dt
import json
import random
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Final, TypeVar

from profiles import battery
from profiles.racp import RECORD_ACCESS_CONTROL_POINT
from simulators import bluez, common, dbus_fast_fix, options
from simulators.agent import DeviceAgent
from simulators.background import BackgroundTasks
from simulators.device_changes import DeviceChanges
from simulators.peripheral import (
    INDICATE,
    NOTIFY,
    READ,
    WRITE,
    Characteristic,
    Peripheral,
    Service,
)
from simulators.racp_server import RacpServer, RacpSupport, RecordStore, StoredRecord

SECURITY_LEVELS = ("none", "encrypt", "encrypt-authenticated")

Event = dict[str, Any]
UNSET_CLOCK_START = dt.datetime(2000, 1, 1)
"""Where the clock of a device that was never set starts (many reset to 2000-01-01)."""
EventSink = Callable[[Event], None]
T = TypeVar("T")
RACP: Final = RECORD_ACCESS_CONTROL_POINT.uuid


def print_event(event: Event) -> None:
    print(json.dumps(event, sort_keys=True), flush=True)


@dataclass
class SimulatorOptions:
    """What every simulated device can be told on its command line."""

    adapter: str = "hci1"
    name: str | None = None
    seed: int = 1
    records: int = 3
    clock_offset: dt.timedelta = dt.timedelta(0)
    disconnect_after: float | None = None
    keep_records: bool = False
    battery_percent: int = 90
    serial: str | None = None
    malformed: int = 0
    security: str = "none"
    """``encrypt`` or ``encrypt-authenticated``: measurements, RACP and Current Time need an
    encrypted (or an encrypted and authenticated, i.e. passkey-paired) link."""
    pairing: str | None = None
    """``just-works``, ``passkey`` (fixed) or ``display``: register the device's pairing agent
    (:mod:`simulators.agent`); None leaves pairing to whatever agent BlueZ has."""
    passkey: int | None = None
    disconnect_after_bonding: bool = False
    """Quirk: the device drops the link as soon as it is bonded (the central reconnects)."""
    clock_write_once: bool = False
    """Quirk: Current Time accepts a write only during the first connection."""
    readvertise: float | None = None
    """Register the advertisement again every this many seconds while no central is connected
    (BlueZ switches advertising off and on). For emulated controllers (BlueZ's ``btvirt``),
    which report an advertiser to a scanner only when advertising or scanning is switched on;
    a real controller advertises by itself every interval. None: never."""
    device: object = None
    """The simulator's own options (its :attr:`DeviceSimulator.options_type`; None: defaults)."""

    def __post_init__(self) -> None:
        if self.readvertise is not None and not self.readvertise > 0:
            raise ValueError(
                f"readvertise must be a positive number of seconds, not {self.readvertise!r}"
            )


class DeviceSimulator(abc.ABC):
    """A simulated health device: a :class:`Peripheral` with DIS, Battery and Current Time plus
    the device's own services, which sends its stored records after the central subscribes."""

    default_name: ClassVar[str] = "PHG-SIM"
    model: ClassVar[str] = "SIM-1"
    appearance: ClassVar[int] = 0
    options_type: ClassVar[type[Any]] = options.NoOptions
    """The frozen dataclass of the device's own options (:mod:`simulators.options`)."""
    fault_flags: ClassVar[bool] = False
    """Whether ``--clock-unset`` and ``--malformed`` apply (:func:`add_fault_arguments`)."""

    def __init__(self, options: SimulatorOptions, emit: EventSink = print_event) -> None:
        self.options = options
        self.emit = emit
        self.name = options.name or self.default_name
        self.clock = common.DeviceClock(options.clock_offset)
        self.rng = random.Random(options.seed)
        self.info = common.device_information(
            self.model,
            options.serial or f"{options.seed:08d}",
            common.system_id_for(self.model, options.seed, self.name),
        )
        self.peripheral: Peripheral | None = None
        self.failed = asyncio.Event()
        self._tasks = BackgroundTasks(emit, self.failed.set)
        self._connections = 0
        self._connected: set[str] = set()
        self._bonded_dropped: set[str] = set()

    def device_options(self, cls: type[T]) -> T:
        """The device's own options (``cls``, its :attr:`options_type`), defaults if none."""
        given = self.options.device
        if given is None:
            return cls()
        if not isinstance(given, cls):
            raise TypeError(f"{type(self).__name__} takes {cls.__name__}, not {given!r}")
        return given

    # -- what a device type provides -------------------------------------------------------

    @abc.abstractmethod
    def device_services(self) -> list[Service]:
        """The device's own GATT services (the first one is advertised)."""

    def ready_details(self) -> Event:
        """Extra fields for the ready event (for example the stored records)."""
        return {}

    # -- shared behaviour ------------------------------------------------------------------

    def services(self) -> list[Service]:
        services = [
            *self.device_services(),
            common.device_information_service(self.info),
            common.battery_service(battery.BatteryLevel(self.options.battery_percent)),
            common.current_time_service(
                self.clock, accept_write=self._accept_clock_write, on_written=self._clock_written
            ),
        ]
        self._secure(services)
        return services

    def _secure(self, services: list[Service]) -> None:
        """Add BlueZ's security flags to measurements (everything that notifies or indicates,
        RACP included) and Current Time: bluetoothd then answers an unencrypted access with
        ATT "Insufficient Authentication"/"Insufficient Encryption", as a real device does."""
        level = self.options.security
        if level == "none":
            return
        if level not in SECURITY_LEVELS:
            raise ValueError(f"security {level!r} (known: {', '.join(SECURITY_LEVELS)})")
        current_time = bluez.uuid16(common.CURRENT_TIME_UUID16)
        for service in services:
            for characteristic in service.characteristics:
                flags = list(characteristic.flags)
                if not (
                    NOTIFY in flags or INDICATE in flags or characteristic.uuid == current_time
                ):
                    continue
                extra = [f"{level}-{f}" for f in (READ, WRITE, NOTIFY, INDICATE) if f in flags]
                characteristic.flags = [*flags, *extra]

    def _accept_clock_write(self) -> bool:
        if not self.options.clock_write_once:
            return True
        return self._connections <= 1

    def _clock_written(self) -> None:
        self.emit({"event": "clock-written", "connection": self._connections})

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run ``coro`` in the background; a failure is reported as an ``error`` event and
        fails the simulator."""
        self._tasks.spawn(coro)

    async def send(self, uuid: str, value: bytes) -> None:
        """Notify/indicate ``value`` and report it as a ``sent`` event once delivered."""
        assert self.peripheral is not None
        await self.peripheral.send(uuid, value)
        self.emit({"event": "sent", "uuid": uuid, "value": value.hex()})

    async def send_malformed(self, uuid: str, template: bytes) -> None:
        """Send ``options.malformed`` undecodable values (``template`` minus its last byte) and
        report each as a ``sent-malformed`` event (``sent`` keeps only the valid values)."""
        assert self.peripheral is not None
        for _ in range(self.options.malformed):
            value = template[:-1]
            await self.peripheral.send(uuid, value)
            self.emit({"event": "sent-malformed", "uuid": uuid, "value": value.hex()})

    async def disconnect_after_transfer(self) -> None:
        """The device-initiated disconnect many cuffs and meters do after a transfer."""
        if self.options.disconnect_after is None:
            return
        assert self.peripheral is not None
        await asyncio.sleep(self.options.disconnect_after)
        count = await self.peripheral.disconnect()
        self.emit({"event": "device-disconnect", "centrals": count})

    def on_subscribe(self, uuid: str) -> Callable[[bool], None]:
        def handler(subscribed: bool) -> None:
            self.emit({"event": "subscribed" if subscribed else "unsubscribed", "uuid": uuid})

        return handler

    async def indicate_racp(self, value: bytes) -> None:
        """A response on the Record Access Control Point (a :class:`RacpServer`'s indicate)."""
        await self.send(RACP, value)

    def racp_subscribed(self) -> bool:
        """Whether the central subscribed to the Record Access Control Point."""
        return self.peripheral is not None and self.peripheral.is_subscribed(RACP)

    async def send_record_values(self, record: StoredRecord, _index: int) -> None:
        """The values of a stored record, in order (a :class:`RacpServer`'s send_record)."""
        for uuid, value in record.values:
            await self.send(uuid, value)

    def racp_server(
        self, store: RecordStore, support: RacpSupport, *, response_first: bool = False
    ) -> RacpServer:
        """A RACP server over ``store`` on this device's Record Access Control Point, sending a
        record's values in order."""
        return RacpServer(
            store,
            self.send_record_values,
            self.indicate_racp,
            self.emit,
            support,
            is_subscribed=self.racp_subscribed,
            response_first=response_first,
        )

    def stored_records(
        self,
        uuid: str,
        records: list[T],
        encode: Callable[[T], bytes],
        prelude: Callable[[], Awaitable[None]] | None = None,
    ) -> Characteristic:
        """Measurement ``uuid`` (indicated) of a device that sends its stored ``records`` when
        the central subscribes: ``prelude`` first (intermediate or malformed
        values), then each record, dropped once sent unless ``--keep-records``. Then
        ``transfer-complete`` and the device-initiated disconnect, or ``transfer-aborted`` when
        the central went away or stopped confirming (the rest are kept for next time). A
        subscription while a transfer is under way starts none."""
        report = self.on_subscribe(uuid)
        transferring = False

        async def transfer() -> None:
            nonlocal transferring
            sent = 0
            try:
                if prelude is not None:
                    await prelude()
                for record in list(records):
                    await self.send(uuid, encode(record))
                    sent += 1
            except (ConnectionError, TimeoutError) as e:
                self.emit({"event": "transfer-aborted", "error": repr(e)})
                return
            finally:
                if not self.options.keep_records:
                    del records[:sent]
                transferring = False
            self.emit({"event": "transfer-complete", "count": sent})
            await self.disconnect_after_transfer()

        def handler(subscribed: bool) -> None:
            nonlocal transferring
            report(subscribed)
            if subscribed and not transferring:
                transferring = True
                self.spawn(transfer())

        return Characteristic(uuid, [INDICATE], on_subscribe=handler)

    def notified(self, uuid: str) -> Characteristic:
        """A characteristic that notifies (intermediate values), its subscriptions reported."""
        return Characteristic(uuid, [NOTIFY], on_subscribe=self.on_subscribe(uuid))

    async def send_if_subscribed(self, uuid: str, values: Iterable[bytes]) -> None:
        """Send ``values`` on ``uuid`` if the central subscribed to it (else none is made)."""
        assert self.peripheral is not None
        if self.peripheral.is_subscribed(uuid):
            for value in values:
                await self.send(uuid, value)

    async def send_live(
        self, uuid: str, values: AsyncIterator[bytes], details: Event | None = None
    ) -> None:
        """Send each of ``values`` on ``uuid`` as it comes, then a ``live-complete`` event with
        their count, or ``live-aborted`` when the central went away or stopped confirming (both
        with ``details``)."""
        details = details or {}
        sent = 0
        try:
            async for value in values:
                await self.send(uuid, value)
                sent += 1
        except (ConnectionError, TimeoutError) as e:
            self.emit({"event": "live-aborted", **details, "count": sent, "error": repr(e)})
            return
        self.emit({"event": "live-complete", **details, "count": sent})

    async def run(self, stop: asyncio.Event) -> None:
        """Register, print the ready event, serve until ``stop`` is set, unregister."""
        services = self.services()
        self.peripheral = Peripheral(
            self.name,
            services,
            adapter=self.options.adapter,
            advertised_uuids=[services[0].uuid],
            appearance=self.appearance,
        )
        agent = None
        await self.peripheral.start()
        if self.options.pairing is not None:
            assert self.peripheral.bus is not None
            agent = DeviceAgent(self.options.pairing, self.options.passkey, self.emit)
            await agent.start(self.peripheral.bus)
        self.spawn(self._watch_centrals())
        if self.options.readvertise is not None:
            self.spawn(self._readvertise(self.options.readvertise))
        try:
            self.emit(
                {
                    "event": "ready",
                    "name": self.name,
                    "adapter": self.options.adapter,
                    "address": self.peripheral.address,
                    "device_time": self.clock.now().isoformat(),
                    **self.ready_details(),
                }
            )
            await stop.wait()
        finally:
            self._tasks.cancel()
            if agent is not None:
                await agent.stop()
            await self.peripheral.stop()

    async def _watch_centrals(self) -> None:
        """Count connections (``connected`` events) and, for the quirk, drop a central as soon
        as it is bonded. Reads BlueZ's objects at start and whenever BlueZ signals a change to
        a device of the adapter (:mod:`simulators.device_changes`; BlueZoo signals them too)."""
        assert self.peripheral is not None
        quirk = self.options.disconnect_after_bonding
        changes = DeviceChanges(self.peripheral._bus(), self.peripheral.adapter_path)
        try:
            try:
                await changes.start()
            except Exception:  # the bus went away: the run is ending
                return
            await self._follow_centrals(changes, quirk)
        finally:
            await changes.stop()  # also the handler and rules of a start that failed halfway

    async def _follow_centrals(self, changes: DeviceChanges, quirk: bool) -> None:
        assert self.peripheral is not None
        prefix = self.peripheral.adapter_path + "/"
        while True:
            try:
                objects = await bluez.managed_objects(self.peripheral._bus())
            except Exception:  # the bus went away: the run is ending
                return
            now = set()
            for path, interfaces in objects.items():
                device = interfaces.get(bluez.DEVICE) if path.startswith(prefix) else None
                if device is None or not _true(device, "Connected"):
                    continue
                now.add(path)
                if path not in self._connected:
                    self._connections += 1
                    self.emit({"event": "connected", "device": path, "count": self._connections})
                bonded = _true(device, "Bonded") or _true(device, "Paired")
                if quirk and bonded and path not in self._bonded_dropped:
                    self._bonded_dropped.add(path)
                    with contextlib.suppress(Exception):
                        await bluez.call(self.peripheral._bus(), path, bluez.DEVICE, "Disconnect")
                    self.emit({"event": "device-disconnect", "reason": "bonded"})
            self._connected = now
            await changes.wait()
            self._connected -= changes.take_dropped()

    async def _readvertise(self, every: float) -> None:
        """:attr:`SimulatorOptions.readvertise`: advertising switched off and on every
        ``every`` seconds while no central is connected."""
        assert self.peripheral is not None
        while True:
            await asyncio.sleep(every)
            if not self._connected:
                await self.peripheral.advertise_again()


def _true(properties: dict[str, Any], name: str) -> bool:
    value = properties.get(name)
    return bool(value is not None and value.value)


async def _serve(simulator: DeviceSimulator) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    waiter = loop.create_task(simulator.failed.wait())
    waiter.add_done_callback(lambda _: stop.set())
    try:
        await simulator.run(stop)
    finally:
        waiter.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await waiter


def main(cls: type[DeviceSimulator], argv: Sequence[str] | None = None) -> int:
    """Command-line entry of a simulator process (applies the dbus-fast EAGAIN fix)."""
    from simulators.command_line import command_parser, options_from_args  # builds on this one

    args = command_parser(cls).parse_args(argv)
    simulator_options = options_from_args(args)
    simulator_options.device = options.from_args(cls.options_type, args)
    dbus_fast_fix.apply()  # simulator process only
    simulator = cls(simulator_options)
    try:
        asyncio.run(_serve(simulator))
    except Exception as e:  # report, then fail
        print_event({"event": "error", "error": repr(e)})
        print(f"{cls.__name__}: {e!r}", file=sys.stderr)
        return 1
    return 1 if simulator.failed.is_set() else 0
