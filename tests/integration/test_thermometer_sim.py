"""The simulated health thermometer over the test bus, seen by plain bleak on hci0."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from decimal import Decimal

import pytest

from profiles import date_time
from profiles import health_thermometer as hts
from profiles.units import TemperatureUnit
from simulators.thermometer import generate_measurements

from .central import Values, client, find_device, newest_record_time, uuid16
from .conftest import StartSimulator

pytestmark = pytest.mark.integration

MODULE = "simulators.thermometer"
HTS = uuid16(hts.SERVICE_UUID16)
TM = hts.TEMPERATURE_MEASUREMENT.uuid
IT = hts.INTERMEDIATE_TEMPERATURE.uuid


def test_site_intermediate_readings_and_stored_measurements(
    start_simulator: StartSimulator,
) -> None:
    seed, count, steps = 4, 3, 5
    sim = start_simulator(
        MODULE,
        [
            *("--seed", str(seed), "--records", str(count)),
            *("--site", "mouth", "--fahrenheit", "--intermediate-steps", str(steps)),
        ],
    )

    async def scenario() -> tuple[bytes, list[bytes], list[bytes]]:
        device = await find_device(sim.ready["name"], HTS)
        final, intermediate = Values(), Values()
        async with client(device) as c:
            site = await c.read_gatt_char(hts.TEMPERATURE_TYPE.uuid)
            await c.start_notify(IT, intermediate)
            await c.start_notify(TM, final)
            measurements = await final.wait(count)
            ramp = await intermediate.wait(steps)
        return bytes(site), measurements, ramp

    site, measurements, ramp = asyncio.run(scenario())
    sim.wait_for("transfer-complete")
    assert hts.decode_temperature_type(site).temperature_type is hts.TemperatureType.MOUTH
    assert measurements == [bytes.fromhex(h) for h in sim.ready["records"]] == sim.sent(TM)
    decoded = [hts.decode_temperature_measurement(v) for v in measurements]
    newest = newest_record_time(decoded[-1].timestamp, sim.ready["device_time"])
    assert decoded == generate_measurements(
        random.Random(seed), count, newest, TemperatureUnit.FAHRENHEIT
    )
    # The site is in Temperature Type, so no measurement repeats it (HTS).
    assert all(m.temperature_type is None and m.unit is TemperatureUnit.FAHRENHEIT for m in decoded)
    assert all(m.timestamp is not None for m in decoded)
    assert ramp == sim.sent(IT)
    readings = [hts.decode_intermediate_temperature(v).temperature for v in ramp]
    assert all(isinstance(r, Decimal) for r in readings)
    assert readings == sorted(readings)  # type: ignore[type-var]
    assert readings[-1] == decoded[-1].temperature


def test_clock_unset_device_time_and_time_stamps(start_simulator: StartSimulator) -> None:
    sim = start_simulator(MODULE, ["--records", "1", "--clock-unset"])

    async def scenario() -> tuple[date_time.CurrentTime, list[bytes]]:
        device = await find_device(sim.ready["name"], HTS)
        final = Values()
        async with client(device) as c:
            now = date_time.decode_current_time(await c.read_gatt_char(date_time.CURRENT_TIME.uuid))
            await c.start_notify(TM, final)
            return now, await final.wait(1)

    now, measurements = asyncio.run(scenario())
    device_now = now.date_time.to_datetime()
    assert device_now is not None
    # The clock started at 2000-01-01 when the simulator started (minutes of slack).
    assert dt.datetime(2000, 1, 1) <= device_now < dt.datetime(2000, 1, 1, 0, 10)
    stamp = hts.decode_temperature_measurement(measurements[0]).timestamp
    assert stamp is not None
    assert stamp.year == 2000
