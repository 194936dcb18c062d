"""The simulated glucose meter over the test bus, driven by unmodified bleak on hci0: RACP
operations and error responses on the wire, a clock that was never set, the feature value."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from profiles import date_time
from profiles import glucose as gl

from .central import RACP, Racp, client, find_device, uuid16
from .conftest import StartSimulator

pytestmark = pytest.mark.integration

MODULE = "simulators.glucose"
GLS = uuid16(gl.SERVICE_UUID16)
GM = gl.GLUCOSE_MEASUREMENT.uuid
GMC = gl.GLUCOSE_MEASUREMENT_CONTEXT.uuid


def by_characteristic(values: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Values grouped by characteristic (order kept within each), the RACP response last."""
    order = {"gm": 0, "gmc": 1, "racp": 2}
    return sorted(values, key=lambda item: order[item[0]])


def test_racp_operations_and_error_responses_on_the_wire(start_simulator: StartSimulator) -> None:
    sim = start_simulator(MODULE, ["--records", "5", "--seed", "12", "--first-sequence", "10"])
    stored = {r["sequence"]: [(u[4:8], v) for u, v in r["values"]] for r in sim.ready["records"]}
    assert sorted(stored) == [10, 11, 12, 13, 14]

    def sent(*sequences: int) -> list[tuple[str, str]]:
        names = {"2a18": "gm", "2a34": "gmc"}
        return by_characteristic([(names[u], v) for s in sequences for u, v in stored[s]])

    async def scenario() -> dict[str, list[tuple[str, str]]]:
        device = await find_device(sim.ready["name"], GLS)
        async with client(device) as c:
            racp = Racp(c, {"gm": GM, "gmc": GMC})
            await racp.start()
            return {
                "count": await racp.ask("0401"),
                "all": await racp.ask("0101"),
                "ge": await racp.ask("0103010d00"),
                "le": await racp.ask("0102010b00"),
                "range": await racp.ask("0104010b000c00"),
                "first": await racp.ask("0105"),
                "last": await racp.ask("0106"),
                "delete": await racp.ask("0202010b00"),
                "count_after": await racp.ask("0401"),
                "none": await racp.ask("0102010b00"),
                "bad_op": await racp.ask("0901"),
                "bad_operator": await racp.ask("0100"),
                "bad_operand": await racp.ask("010301"),
                "bad_filter": await racp.ask("0103090000"),
                "abort_idle": await racp.ask("0300"),
            }

    # The test bus keeps the order within a characteristic, not across characteristics (a real
    # ATT bearer keeps both): compare each characteristic's values in order, the response last.
    got = {k: by_characteristic(v) for k, v in asyncio.run(scenario()).items()}
    assert got["count"] == [("racp", "05000500")]
    assert got["all"] == [*sent(10, 11, 12, 13, 14), ("racp", "06000101")]
    assert got["ge"] == [*sent(13, 14), ("racp", "06000101")]
    assert got["le"] == [*sent(10, 11), ("racp", "06000101")]
    assert got["range"] == [*sent(11, 12), ("racp", "06000101")]
    assert got["first"] == [*sent(10), ("racp", "06000101")]
    assert got["last"] == [*sent(14), ("racp", "06000101")]
    assert got["delete"] == [("racp", "06000201")]
    assert got["count_after"] == [("racp", "05000300")]
    assert got["none"] == [("racp", "06000106")]
    assert got["bad_op"] == [("racp", "06000902")]
    assert got["bad_operator"] == [("racp", "06000103")]
    assert got["bad_operand"] == [("racp", "06000105")]
    assert got["bad_filter"] == [("racp", "06000109")]
    assert got["abort_idle"] == [("racp", "06000301")]


def test_abort_stops_a_paced_report(start_simulator: StartSimulator) -> None:
    sim = start_simulator(MODULE, ["--records", "40", "--pace", "0.05"])

    async def scenario() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        device = await find_device(sim.ready["name"], GLS)
        async with client(device) as c:
            racp = Racp(c, {"gm": GM, "gmc": GMC})
            await racp.start()
            await c.write_gatt_char(RACP, bytes.fromhex("0101"), response=True)
            while not any(name == "gm" for name, _ in racp.values):
                await asyncio.sleep(0.01)
            aborted = await racp.ask("0300")
            count = await racp.ask("0401")
            return aborted, count

    aborted, count = asyncio.run(scenario())
    assert aborted[-1] == ("racp", "06000301")
    assert [v for name, v in aborted if name == "racp"] == ["06000301"]  # no report response
    assert count == [("racp", "05002800")]  # aborting a report deletes nothing
    stopped = sim.wait_for("transfer-stopped")
    assert stopped["count"] < 40


def test_unset_clock_and_features(start_simulator: StartSimulator) -> None:
    sim = start_simulator(MODULE, ["--records", "2", "--clock-unset"])

    async def scenario() -> tuple[bytes, bytes, list[tuple[str, str]]]:
        device = await find_device(sim.ready["name"], GLS)
        async with client(device) as c:
            clock = bytes(await c.read_gatt_char(date_time.CURRENT_TIME.uuid))
            feature = bytes(await c.read_gatt_char(gl.GLUCOSE_FEATURE.uuid))
            racp = Racp(c, {"gm": GM, "gmc": GMC})
            await racp.start()
            return clock, feature, await racp.ask("0101")

    clock, feature, records = asyncio.run(scenario())
    now = date_time.decode_current_time(clock).date_time.to_datetime()
    assert now is not None
    assert dt.datetime(2000, 1, 1) <= now < dt.datetime(2000, 1, 1, 0, 5)
    assert gl.decode_glucose_feature(feature) == gl.GlucoseFeature(sim.ready["features"])
    measured = [gl.decode_glucose_measurement(bytes.fromhex(v)) for n, v in records if n == "gm"]
    newest = measured[-1].base_time.to_datetime()
    assert newest is not None
    assert newest.year == 2000  # stamped by the unset clock
