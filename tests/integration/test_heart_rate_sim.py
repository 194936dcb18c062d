"""The simulated heart rate sensor over the test bus, seen by plain bleak on hci0."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from bleak.exc import BleakError

from profiles import heart_rate as hrs
from simulators.heart_rate import CONTROL_POINT_UUID16

from .central import Values, client, find_device, uuid16
from .conftest import StartSimulator

pytestmark = pytest.mark.integration

MODULE = "simulators.heart_rate"
HRS = uuid16(hrs.SERVICE_UUID16)
HRM = hrs.HEART_RATE_MEASUREMENT.uuid
HRCP = uuid16(CONTROL_POINT_UUID16)


def test_burst_of_measurements_with_rr_intervals_and_energy(
    start_simulator: StartSimulator,
) -> None:
    count = 200
    sim = start_simulator(
        MODULE,
        ["--records", str(count), "--interval", "0", "--energy-every", "10", "--location", "wrist"],
    )

    async def scenario() -> tuple[bytes, list[bytes]]:
        device = await find_device(sim.ready["name"], HRS)
        values = Values()
        async with client(device) as c:
            location = await c.read_gatt_char(hrs.BODY_SENSOR_LOCATION.uuid)
            await c.start_notify(HRM, values)
            return bytes(location), await values.wait(count)

    location, values = asyncio.run(scenario())
    sim.wait_for("transfer-complete")
    assert hrs.decode_body_sensor_location(location).location is hrs.BodySensorLocation.WRIST
    assert values == sim.sent(HRM)  # all of them, once, in order
    decoded = [hrs.decode_heart_rate_measurement(v) for v in values]
    assert all(m.sensor_contact is hrs.SensorContact.DETECTED for m in decoded)
    assert all(1 <= len(m.rr_intervals) <= 2 for m in decoded)
    for m in decoded:
        # Each RR-interval is close to one beat at the reported rate.
        for rr in m.rr_intervals:
            assert abs(rr - Decimal(60) / m.heart_rate) < Decimal("0.05")
    energy = [i for i, m in enumerate(decoded) if m.energy_expended is not None]
    assert energy == list(range(0, count, 10))
    values_kj = [decoded[i].energy_expended for i in energy]
    assert values_kj == sorted(values_kj)  # type: ignore[type-var]


def test_control_point_resets_energy_and_refuses_other_values(
    start_simulator: StartSimulator,
) -> None:
    sim = start_simulator(MODULE, ["--records", "0"])

    async def scenario() -> str:
        device = await find_device(sim.ready["name"], HRS)
        async with client(device) as c:
            await c.write_gatt_char(HRCP, b"\x01", response=True)
            try:
                await c.write_gatt_char(HRCP, b"\x02", response=True)
            except BleakError as e:
                return str(e)
        return ""

    refused = asyncio.run(scenario())
    assert sim.wait_for("energy-reset") == {"event": "energy-reset"}
    assert refused
