"""End to end over the test bus: bleak (real BlueZ backend) on hci0 against the simulated blood
pressure monitor on hci1, through BlueZoo with PHG's fixes."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from collections.abc import Awaitable, Callable
from decimal import Decimal

import pytest
from bleak import BleakClient

from profiles import battery, date_time
from profiles import blood_pressure as bp
from profiles import device_information as dis
from simulators.blood_pressure import FEATURES, generate_measurements
from simulators.runner import SimulatorProcess

from .central import STEP_TIMEOUT, client, find_device, newest_record_time, uuid16
from .conftest import StartSimulator

pytestmark = pytest.mark.integration

MODULE = "simulators.blood_pressure"
BPS = uuid16(bp.SERVICE_UUID16)
BPM = bp.BLOOD_PRESSURE_MEASUREMENT.uuid
ICP = bp.INTERMEDIATE_CUFF_PRESSURE.uuid


class Collector:
    """Collects notification values and signals when ``expected`` have arrived."""

    def __init__(self, expected: int) -> None:
        self.expected = expected
        self.values: list[bytes] = []
        self.complete = asyncio.Event()

    def __call__(self, _char: object, data: bytearray) -> None:
        self.values.append(bytes(data))
        if len(self.values) >= self.expected:
            self.complete.set()

    async def wait(self) -> list[bytes]:
        async with asyncio.timeout(STEP_TIMEOUT):
            await self.complete.wait()
        return self.values


class Disconnects:
    def __init__(self) -> None:
        self.event = asyncio.Event()
        self.count = 0

    def __call__(self, _client: BleakClient) -> None:
        self.count += 1
        self.event.set()

    async def wait(self) -> None:
        async with asyncio.timeout(STEP_TIMEOUT):
            await self.event.wait()


def stored_records(sim: SimulatorProcess) -> list[bytes]:
    return [bytes.fromhex(h) for h in sim.ready["records"]]


def test_reads_device_information_and_receives_exactly_the_stored_measurements(
    start_simulator: StartSimulator,
) -> None:
    seed, count = 7, 3
    sim = start_simulator(MODULE, ["--seed", str(seed), "--records", str(count)])

    async def scenario() -> tuple[dict[str, bytes], list[bytes]]:
        device = await find_device(sim.ready["name"], BPS)
        measurements = Collector(count)
        async with client(device) as c:
            reads = {
                "manufacturer": await c.read_gatt_char(uuid16(dis.MANUFACTURER_NAME.uuid16)),
                "model": await c.read_gatt_char(uuid16(dis.MODEL_NUMBER.uuid16)),
                "serial": await c.read_gatt_char(uuid16(dis.SERIAL_NUMBER.uuid16)),
                "firmware": await c.read_gatt_char(uuid16(dis.FIRMWARE_REVISION.uuid16)),
                "system_id": await c.read_gatt_char(uuid16(dis.SYSTEM_ID.uuid16)),
                "feature": await c.read_gatt_char(bp.BLOOD_PRESSURE_FEATURE.uuid),
                "battery": await c.read_gatt_char(battery.BATTERY_LEVEL.uuid),
            }
            await c.start_notify(BPM, measurements)
            received = await measurements.wait()
        return {k: bytes(v) for k, v in reads.items()}, received

    reads, received = asyncio.run(scenario())
    sim.wait_for("transfer-complete")

    assert reads["manufacturer"] == b"PHG Simulators"
    assert reads["model"] == b"BP-SIM-1"
    assert reads["serial"] == b"00000007"
    assert reads["firmware"] == b"1.0.0"
    assert len(reads["system_id"]) == 8
    assert bp.decode_blood_pressure_feature(reads["feature"]) == FEATURES
    assert battery.decode_battery_level(reads["battery"]) == battery.BatteryLevel(90)

    # Exactly what the simulator encoded and reported as delivered, in order, no duplicates.
    assert received == stored_records(sim) == sim.sent(BPM)
    decoded = [bp.decode_blood_pressure_measurement(v) for v in received]
    newest = newest_record_time(decoded[-1].timestamp, sim.ready["device_time"])
    assert decoded == generate_measurements(random.Random(seed), count, newest)


def test_reconnect_and_rescan_reach_the_same_device(start_simulator: StartSimulator) -> None:
    sim = start_simulator(MODULE, ["--records", "2", "--keep-records", "--seed", "3"])

    async def session(device_name: str) -> list[bytes]:
        device = await find_device(device_name, BPS)  # a fresh scan every time
        collector = Collector(2)
        disconnects = Disconnects()
        async with client(device, disconnected_callback=disconnects) as c:
            await c.read_gatt_char(uuid16(dis.MANUFACTURER_NAME.uuid16))
            await c.start_notify(BPM, collector)
            values = await collector.wait()
        await disconnects.wait()
        return values

    async def scenario() -> list[list[bytes]]:
        return [await session(sim.ready["name"]) for _ in range(3)]

    sessions = asyncio.run(scenario())
    assert sessions == [stored_records(sim)] * 3


def test_reconnect_with_the_same_bledevice(start_simulator: StartSimulator) -> None:
    sim = start_simulator(MODULE, ["--records", "1", "--keep-records"])

    async def scenario() -> list[list[bytes]]:
        device = await find_device(sim.ready["name"], BPS)
        results = []
        for _ in range(2):
            collector = Collector(1)
            async with client(device) as c:
                await c.start_notify(BPM, collector)
                results.append(await collector.wait())
        return results

    assert asyncio.run(scenario()) == [stored_records(sim)] * 2


async def _received_until_disconnected(
    name: str, count: int, then: Callable[[], Awaitable[None]] | None = None
) -> tuple[list[bytes], bool, int]:
    """Connect to ``name``, receive ``count`` measurements, ``then`` (if given), and wait until
    the link is lost: (the values, whether still connected, how many disconnects were seen)."""
    device = await find_device(name, BPS)
    collector = Collector(count)
    disconnects = Disconnects()
    c = client(device, disconnected_callback=disconnects)
    await c.connect()
    try:
        await c.start_notify(BPM, collector)
        values = await collector.wait()
        if then is not None:
            await then()
        await disconnects.wait()
        return values, c.is_connected, disconnects.count
    finally:
        await c.disconnect()


def test_device_initiated_disconnect_reaches_the_central(
    start_simulator: StartSimulator,
) -> None:
    sim = start_simulator(MODULE, ["--records", "2", "--disconnect-after", "0.05"])

    # Nobody on the central side disconnects.
    values, connected, count = asyncio.run(_received_until_disconnected(sim.ready["name"], 2))
    assert values == stored_records(sim)
    assert sim.wait_for("device-disconnect")["centrals"] == 1
    assert not connected
    assert count == 1


def test_killed_simulator_is_seen_as_a_disconnect(start_simulator: StartSimulator) -> None:
    sim = start_simulator(MODULE, ["--records", "1"])

    async def kill() -> None:
        await asyncio.to_thread(sim.kill)  # SIGKILL: nothing is unregistered

    values, connected, _ = asyncio.run(_received_until_disconnected(sim.ready["name"], 1, kill))
    assert values == stored_records(sim)
    assert not connected


def test_restarted_simulator_is_found_and_delivers_again(start_simulator: StartSimulator) -> None:
    first = start_simulator(MODULE, ["--records", "1", "--seed", "11"])
    first.kill()
    second = start_simulator(MODULE, ["--records", "2", "--seed", "12"])

    async def scenario() -> list[bytes]:
        device = await find_device(second.ready["name"], BPS)
        collector = Collector(2)
        async with client(device) as c:
            # Only the new application's services exist (no duplicate characteristics).
            service = c.services.get_service(BPS)
            assert service is not None
            assert len(service.characteristics) == 3
            await c.start_notify(BPM, collector)
            return await collector.wait()

    assert asyncio.run(scenario()) == stored_records(second)


def test_cuff_pressure_notifications_and_measurements(
    start_simulator: StartSimulator,
) -> None:
    steps = 5
    sim = start_simulator(MODULE, ["--records", "2", "--cuff-steps", str(steps)])

    async def scenario() -> tuple[list[bytes], list[bytes], list[str]]:
        device = await find_device(sim.ready["name"], BPS)
        order: list[str] = []
        cuff = Collector(steps)
        measurements = Collector(2)

        def on_cuff(char: object, data: bytearray) -> None:
            order.append("cuff")
            cuff(char, data)

        def on_measurement(char: object, data: bytearray) -> None:
            order.append("measurement")
            measurements(char, data)

        async with client(device) as c:
            await c.start_notify(ICP, on_cuff)
            await c.start_notify(BPM, on_measurement)
            await measurements.wait()
        return cuff.values, measurements.values, order

    cuff, measurements, order = asyncio.run(scenario())
    sim.wait_for("transfer-complete")
    assert cuff == sim.sent(ICP)
    assert len(cuff) == steps
    pressures = [bp.decode_intermediate_cuff_pressure(v).cuff_pressure for v in cuff]
    decimals = [p for p in pressures if isinstance(p, Decimal)]
    assert decimals == pressures
    assert decimals == sorted(decimals, reverse=True)  # the cuff deflates
    assert measurements == stored_records(sim)
    # The simulator sent the ramp first (its events say so); BlueZoo does not keep the order
    # *across* characteristics (one event task per characteristic), so only count here.
    assert [e["uuid"] for e in sim.events if e["event"] == "sent"] == [ICP] * steps + [BPM] * 2
    assert sorted(order) == sorted(["cuff"] * steps + ["measurement"] * 2)


def test_current_time_is_readable_and_writable(start_simulator: StartSimulator) -> None:
    offset = dt.timedelta(hours=-5)
    sim = start_simulator(MODULE, ["--records", "0", "--clock-offset", str(offset.total_seconds())])
    target = dt.datetime(2030, 1, 2, 3, 4, 5)

    async def scenario() -> tuple[date_time.CurrentTime, date_time.CurrentTime]:
        device = await find_device(sim.ready["name"], BPS)
        async with client(device) as c:
            before = date_time.decode_current_time(
                await c.read_gatt_char(date_time.CURRENT_TIME.uuid)
            )
            value = date_time.CurrentTime(
                date_time.DateTime.from_datetime(target),
                date_time.DayOfWeek(target.isoweekday()),
                0,
                date_time.AdjustReason.MANUAL_TIME_UPDATE,
            )
            await c.write_gatt_char(
                date_time.CURRENT_TIME.uuid, date_time.encode_current_time(value), response=True
            )
            after = date_time.decode_current_time(
                await c.read_gatt_char(date_time.CURRENT_TIME.uuid)
            )
        return before, after

    before, after = asyncio.run(scenario())
    device_before = before.date_time.to_datetime()
    device_after = after.date_time.to_datetime()
    assert device_before is not None
    assert device_after is not None
    # The device clock is about five hours behind local time (minutes of slack, not timing).
    assert abs(device_before - (dt.datetime.now() + offset)) < dt.timedelta(minutes=2)
    # After the write it runs from the written time.
    assert dt.timedelta(0) <= device_after - target < dt.timedelta(minutes=2)


def test_notification_burst_arrives_complete_and_in_order(start_simulator: StartSimulator) -> None:
    """A burst fills the simulator's socket buffer (the dbus-fast EAGAIN case) and would flood
    BlueZoo with Confirm() calls without its fixes; every value must still arrive once, in
    order."""
    steps = 2000
    sim = start_simulator(MODULE, ["--records", "1", "--cuff-steps", str(steps)])

    async def scenario() -> list[bytes]:
        device = await find_device(sim.ready["name"], BPS)
        cuff = Collector(steps)
        measurement = Collector(1)
        async with client(device) as c:
            await c.start_notify(ICP, cuff)
            await c.start_notify(BPM, measurement)
            await measurement.wait()
            await cuff.wait()
        return cuff.values

    values = asyncio.run(scenario())
    sim.wait_for("transfer-complete")
    assert values == sim.sent(ICP)
    assert len(values) == steps
