"""The frame every device simulator shares: options, the standard services, stored records,
events on stdout and the command line.

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
import argparse
import asyncio
import contextlib
import datetime as dt
import json
import random
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

from profiles import battery
from simulators import common, dbus_fast_fix
from simulators.peripheral import Peripheral, Service

Event = dict[str, Any]
UNSET_CLOCK_START = dt.datetime(2000, 1, 1)
"""Where the clock of a device that was never set starts (many reset to 2000-01-01)."""
EventSink = Callable[[Event], None]


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
    extra: dict[str, Any] = field(default_factory=dict)


class DeviceSimulator(abc.ABC):
    """A simulated health device: a :class:`Peripheral` with DIS, Battery and Current Time plus
    the device's own services, which sends its stored records after the central subscribes."""

    default_name: ClassVar[str] = "PHG-SIM"
    model: ClassVar[str] = "SIM-1"
    appearance: ClassVar[int] = 0

    def __init__(self, options: SimulatorOptions, emit: EventSink = print_event) -> None:
        self.options = options
        self.emit = emit
        self.name = options.name or self.default_name
        self.clock = common.DeviceClock(options.clock_offset)
        self.rng = random.Random(options.seed)
        self.info = common.DeviceInformation(
            model=self.model,
            serial=options.serial or f"{options.seed:08d}",
            system_id=common.system_id_for(self.model, options.seed, self.name),
        )
        self.peripheral: Peripheral | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self.failed = asyncio.Event()

    # -- what a device type provides -------------------------------------------------------

    @abc.abstractmethod
    def device_services(self) -> list[Service]:
        """The device's own GATT services (the first one is advertised)."""

    def ready_details(self) -> Event:
        """Extra fields for the ready event (for example the stored records)."""
        return {}

    # -- shared behaviour ------------------------------------------------------------------

    def services(self) -> list[Service]:
        return [
            *self.device_services(),
            common.device_information_service(self.info),
            common.battery_service(battery.BatteryLevel(self.options.battery_percent)),
            common.current_time_service(self.clock),
        ]

    def spawn(self, coro: Coroutine[Any, Any, None]) -> None:
        """Run ``coro`` in the background; a failure is reported as an ``error`` event."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)

        def done(t: asyncio.Task[None]) -> None:
            self._tasks.discard(t)
            if not t.cancelled() and t.exception() is not None:
                self.emit({"event": "error", "error": repr(t.exception())})
                self.failed.set()

        task.add_done_callback(done)

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
        await self.peripheral.start()
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
            for task in list(self._tasks):
                task.cancel()
            await self.peripheral.stop()


def argument_parser(cls: type[DeviceSimulator]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=f"Simulated {cls.default_name} on the BlueZ D-Bus API (BlueZoo or bluetoothd)"
    )
    parser.add_argument("--adapter", default="hci1", help="adapter to register on (hci1)")
    parser.add_argument("--name", help=f"advertised local name ({cls.default_name})")
    parser.add_argument("--seed", type=int, default=1, help="random seed for the records")
    parser.add_argument("--records", type=int, default=3, help="stored records to send")
    parser.add_argument(
        "--clock-offset", type=float, default=0.0, help="device clock minus real time, seconds"
    )
    parser.add_argument(
        "--disconnect-after",
        type=float,
        default=None,
        metavar="SECONDS",
        help="disconnect from the device side this long after the transfer",
    )
    parser.add_argument(
        "--keep-records",
        action="store_true",
        help="send the stored records on every connection (default: once)",
    )
    parser.add_argument("--battery", type=int, default=90, help="battery level, percent")
    parser.add_argument("--serial", help="serial number (default: from the seed)")
    return parser


def add_fault_arguments(parser: argparse.ArgumentParser) -> None:
    """``--clock-unset`` and ``--malformed N``, for simulators that support them (their
    :class:`DeviceSimulator` calls :meth:`DeviceSimulator.send_malformed`)."""
    parser.add_argument(
        "--clock-unset",
        action="store_true",
        help=f"device clock never set: it started at {UNSET_CLOCK_START.isoformat()} when "
        "the simulator started (overrides --clock-offset)",
    )
    parser.add_argument(
        "--malformed",
        type=int,
        default=0,
        metavar="N",
        help="send N undecodable (truncated) measurement values before the records",
    )


def options_from_args(args: argparse.Namespace) -> SimulatorOptions:
    offset = dt.timedelta(seconds=args.clock_offset)
    if getattr(args, "clock_unset", False):
        offset = UNSET_CLOCK_START - dt.datetime.now().replace(microsecond=0)
    if args.records < 0 or getattr(args, "malformed", 0) < 0:
        raise SystemExit("--records and --malformed must not be negative")
    return SimulatorOptions(
        adapter=args.adapter,
        name=args.name,
        seed=args.seed,
        records=args.records,
        clock_offset=offset,
        disconnect_after=args.disconnect_after,
        keep_records=args.keep_records,
        battery_percent=args.battery,
        serial=args.serial,
        malformed=getattr(args, "malformed", 0),
    )


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


def main(
    cls: type[DeviceSimulator],
    argv: Sequence[str] | None = None,
    parser: argparse.ArgumentParser | None = None,
    extra: Callable[[argparse.Namespace], dict[str, Any]] | None = None,
) -> int:
    """Command-line entry of a simulator process (applies the dbus-fast EAGAIN fix)."""
    parser = parser or argument_parser(cls)
    args = parser.parse_args(argv)
    options = options_from_args(args)
    if extra is not None:
        options.extra = extra(args)
    dbus_fast_fix.apply()  # simulator process only
    simulator = cls(options)
    try:
        asyncio.run(_serve(simulator))
    except Exception as e:  # report, then fail
        print_event({"event": "error", "error": repr(e)})
        print(f"{cls.__name__}: {e!r}", file=sys.stderr)
        return 1
    return 1 if simulator.failed.is_set() else 0
