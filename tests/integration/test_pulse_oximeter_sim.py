"""The simulated pulse oximeter over the test bus: stored spot-checks through RACP ("all
records" only, as the Pulse Oximeter Service specifies) with bleak on hci0, and the gateway's
session end to end (spot-check indications and continuous notifications decoded as sent)."""

from __future__ import annotations

import asyncio

import pytest

from profiles import pulse_oximeter as plx
from profiles.racp import RECORD_ACCESS_CONTROL_POINT

from .central import Racp, client, find_device, uuid16
from .conftest import StartSimulator
from .gateway_run import Sink, serve

pytestmark = pytest.mark.integration

MODULE = "simulators.pulse_oximeter"
PLXS = uuid16(plx.SERVICE_UUID16)
SPOT = plx.PLX_SPOT_CHECK_MEASUREMENT
CONT = plx.PLX_CONTINUOUS_MEASUREMENT
RACP = RECORD_ACCESS_CONTROL_POINT.uuid


def test_stored_spot_checks_through_racp(start_simulator: StartSimulator) -> None:
    sim = start_simulator(
        MODULE, ["--records", "3", "--seed", "2", "--spot-checks", "0", "--continuous", "0"]
    )
    stored = sim.ready["records"]

    async def scenario() -> dict[str, list[str]]:
        device = await find_device(sim.ready["name"], PLXS)
        async with client(device) as c:
            racp = Racp(c, {"spot": SPOT.uuid})
            await racp.start()
            return await racp.answers(
                {
                    "count": "0401",
                    "all": "0101",
                    "last": "0106",  # operator not supported by PLXS
                    "ge": "0103010000",
                    "delete": "0201",
                    "after": "0101",
                }
            )

    answers = asyncio.run(scenario())
    assert answers["count"] == ["05000300"]
    assert answers["all"] == [*stored, "06000101"]
    assert answers["last"] == ["06000104"]
    assert answers["ge"] == ["06000104"]
    assert answers["delete"] == ["06000201"]
    assert answers["after"] == ["06000106"]  # no records found
    for value in stored:
        m = plx.decode_plx_spot_check_measurement(bytes.fromhex(value))
        assert m.measurement_status is not None
        assert m.measurement_status & plx.PlxMeasurementStatus.DATA_FROM_MEASUREMENT_STORAGE
        assert m.timestamp is not None


def test_gateway_decodes_spot_checks_and_continuous_values_as_sent(
    start_simulator: StartSimulator,
) -> None:
    sim = start_simulator(MODULE, ["--seed", "4", "--spot-checks", "2", "--continuous", "4"])

    def arrived(sink: Sink) -> bool:
        return len(sink.measurements(SPOT.uuid16)) >= 2 and len(sink.measurements(CONT.uuid16)) >= 4

    sink, _ = serve(sim.ready["name"], arrived)
    for _ in range(2):
        sim.wait_for("live-complete")
    spots, continuous = sink.measurements(SPOT.uuid16), sink.measurements(CONT.uuid16)
    assert [m.raw for m in spots] == sim.sent(SPOT.uuid)
    assert [m.raw for m in continuous] == sim.sent(CONT.uuid)
    assert [m.value for m in spots] == [
        plx.decode_plx_spot_check_measurement(v) for v in sim.sent(SPOT.uuid)
    ]
    assert [m.value for m in continuous] == [
        plx.decode_plx_continuous_measurement(v) for v in sim.sent(CONT.uuid)
    ]
    features = spots[0].connection.features[plx.PLX_FEATURES.name]
    assert plx.encode_plx_features(features).hex() == sim.ready["features"]  # type: ignore[arg-type]
