"""BLE throughput and latency on the hardware-free test bus (private dbus-daemon + BlueZoo).

1. Notifications per second, the gateway's session layer (HealthScanner + DeviceSession:
   routing, decoding, the consumer call) against a bare bleak notification callback, in the
   same run, against the same simulated heart rate sensor sending a burst (``--interval 0``).
   Printed: values/s by wall clock (first to last value) and CPU µs per value in this process,
   and the ratios session / bare. The test bus (BlueZoo, D-Bus) bounds the wall-clock rate, so
   the CPU ratio is the gateway's own overhead.
2. Time from the first advertisement the scanner hears to the first decoded measurement
   delivered to the consumer (connect, GATT discovery, Device Information / Battery / Current
   Time reads, feature read, subscription, the indication): median, min and max of several runs
   against the simulated blood pressure monitor.

Numbers only, no assertions; absolute figures vary with load (the ratios are what to compare).
Run: .venv/bin/python bench/ble.py [--values 10000] [--runs 7]   (a few seconds)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog
from bleak import BleakClient, BleakScanner

from gateway.ble.allowlist import Allowlist, Decision
from gateway.ble.events import BleEvent, DeviceSeenEvent, MeasurementEvent
from gateway.ble.highwater import MemoryHighWaterStore
from gateway.ble.link import BleakConnector
from gateway.ble.scanner import HealthScanner
from gateway.ble.session import DeviceSession, SessionConfig
from profiles import heart_rate as hrs
from simulators.runner import SimulatorProcess
from simulators.testbus import TestBus

TIMEOUT = 60.0


@dataclass
class Arrivals:
    """Arrival times (monotonic) and the process CPU time at the first and last arrival."""

    expected: int
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    def arrived(self) -> None:
        self.times.append(time.monotonic())
        if len(self.times) in (1, self.expected):
            self.cpu.append(time.process_time())
        if len(self.times) >= self.expected:
            self.done.set()

    def rate(self) -> float:
        return (len(self.times) - 1) / (self.times[-1] - self.times[0])

    def cpu_us_per_value(self) -> float:
        return (self.cpu[-1] - self.cpu[0]) / (len(self.times) - 1) * 1e6


async def _wait(event: asyncio.Event, what: str) -> None:
    try:
        async with asyncio.timeout(TIMEOUT):
            await event.wait()
    except TimeoutError:
        raise SystemExit(f"bench/ble.py: {what} did not finish within {TIMEOUT} s") from None


async def bare_bleak(name: str, count: int) -> Arrivals:
    device = await BleakScanner.find_device_by_name(name, timeout=10.0, bluez={"adapter": "hci0"})
    if device is None:
        raise SystemExit(f"bench/ble.py: {name} not found on hci0")
    arrivals = Arrivals(count)

    def on_value(_char: object, data: bytearray) -> None:
        hrs.decode_heart_rate_measurement(data)  # a consumer that looks at the value, too
        arrivals.arrived()

    async with BleakClient(device, bluez={"adapter": "hci0"}) as client:
        await client.start_notify(hrs.HEART_RATE_MEASUREMENT.uuid, on_value)
        await _wait(arrivals.done, "the bare bleak burst")
    return arrivals


async def _session(
    name: str, consume: Callable[[BleEvent], None], until: asyncio.Event
) -> float | None:
    """Run a session until ``until``; the monotonic time of the first allowed advertisement."""
    first_seen: list[float] = []

    def seen(event: DeviceSeenEvent) -> None:
        if event.decision is Decision.ALLOWED and not first_seen:
            first_seen.append(time.monotonic())
            found.set()

    async def sink(event: BleEvent) -> None:
        consume(event)

    found = asyncio.Event()
    scanner = HealthScanner(["hci0"], Allowlist.of(names=[name]), seen, watchdog_timeout=0)
    async with scanner:
        await _wait(found, f"discovery of {name}")
        address = next(a.address for a in scanner.seen() if a.name == name)
        session = DeviceSession(
            address,
            scanner,
            BleakConnector(latest_device=scanner.latest_device),
            sink,
            MemoryHighWaterStore(),
            SessionConfig(step_timeout=10.0, connect_timeout=30.0),
        )
        task = asyncio.create_task(session.run())
        try:
            await _wait(until, f"the session with {name}")
        finally:
            session.stop()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, TIMEOUT)
    return first_seen[0] if first_seen else None


async def through_session(name: str, count: int) -> Arrivals:
    arrivals = Arrivals(count)

    def consume(event: BleEvent) -> None:
        if (
            isinstance(event, MeasurementEvent)
            and event.uuid16 == hrs.HEART_RATE_MEASUREMENT.uuid16
        ):
            arrivals.arrived()

    await _session(name, consume, arrivals.done)
    return arrivals


async def advertisement_to_measurement(name: str) -> float:
    first: list[float] = []
    got = asyncio.Event()

    def consume(event: BleEvent) -> None:
        if isinstance(event, MeasurementEvent) and not first:
            first.append(time.monotonic())
            got.set()

    seen_at = await _session(name, consume, got)
    assert seen_at is not None
    return first[0] - seen_at


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--values", type=int, default=10000, help="notifications per burst")
    parser.add_argument("--runs", type=int, default=7, help="latency runs (median)")
    args = parser.parse_args()
    if args.values < 2 or args.runs < 1:
        parser.error("--values must be at least 2 and --runs at least 1")
    logging.disable(logging.WARNING)  # bleak's "cannot determine BlueZ version"
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))

    with TestBus(adapters=2, export_env=True) as bus:
        env = bus.env()
        burst = ["--records", str(args.values), "--interval", "0", "--energy-every", "0"]
        with SimulatorProcess("simulators.heart_rate", [*burst, "--name", "BENCH-HR"], env=env):
            # Alternate so both see the same conditions; bare first, session second, twice.
            bare = [asyncio.run(bare_bleak("BENCH-HR", args.values))]
            session = [asyncio.run(through_session("BENCH-HR", args.values))]
            bare.append(asyncio.run(bare_bleak("BENCH-HR", args.values)))
            session.append(asyncio.run(through_session("BENCH-HR", args.values)))
        with SimulatorProcess(
            "simulators.blood_pressure",
            ["--records", "1", "--keep-records", "--name", "BENCH-BP"],
            env=env,
        ):
            latencies = [
                asyncio.run(advertisement_to_measurement("BENCH-BP")) for _ in range(args.runs)
            ]
        problems = bus.log_problems()

    bare_rate = max(a.rate() for a in bare)
    session_rate = max(a.rate() for a in session)
    bare_cpu = min(a.cpu_us_per_value() for a in bare)
    session_cpu = min(a.cpu_us_per_value() for a in session)
    print(f"notifications: {args.values} per burst, best of 2 bursts each (test bus)")
    print(f"  bare bleak callback   {bare_rate:9.0f} values/s   {bare_cpu:7.1f} CPU µs/value")
    print(f"  gateway session layer {session_rate:9.0f} values/s   {session_cpu:7.1f} CPU µs/value")
    print(
        f"  ratio session/bare    {session_rate / bare_rate:9.2f} (rate)     "
        f"{session_cpu / bare_cpu:7.2f} (CPU per value)"
    )
    ms = [x * 1000 for x in latencies]
    print(f"advertisement -> first decoded measurement, {args.runs} runs (blood pressure)")
    print(
        f"  median {statistics.median(ms):7.1f} ms   min {min(ms):7.1f} ms   max {max(ms):7.1f} ms"
    )
    if problems:
        print(f"BlueZoo log problems: {len(problems)} (see {bus.log_path})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
