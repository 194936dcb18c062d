"""The simulated CGM over the test bus: RACP by time offset with bleak on hci0, and the
gateway's session end to end (live CGM Measurements decoded with the E2E-CRC the feature
announces, identical to what the simulator sent)."""

from __future__ import annotations

import asyncio

import pytest

from gateway.ble.events import MeasurementEvent
from profiles import cgm
from profiles.racp import RECORD_ACCESS_CONTROL_POINT

from .central import Racp, client, find_device, uuid16
from .conftest import StartSimulator
from .gateway_run import Sink, serve

pytestmark = pytest.mark.integration

MODULE = "simulators.cgm"
CGMS = uuid16(cgm.SERVICE_UUID16)
CM = cgm.CGM_MEASUREMENT
RACP = RECORD_ACCESS_CONTROL_POINT.uuid


def test_racp_by_time_offset_and_session_characteristics(start_simulator: StartSimulator) -> None:
    sim = start_simulator(MODULE, ["--records", "6", "--seed", "3", "--live", "0", "--e2e-crc"])
    stored = {r["time_offset"]: r["value"] for r in sim.ready["records"]}
    assert sorted(stored) == [0, 5, 10, 15, 20, 25]

    async def scenario() -> tuple[dict[str, bytes], dict[str, list[str]]]:
        device = await find_device(sim.ready["name"], CGMS)
        async with client(device) as c:
            racp = Racp(c, {"cm": CM.uuid})
            await racp.start()
            reads = {
                "feature": bytes(await c.read_gatt_char(cgm.CGM_FEATURE.uuid)),
                "start": bytes(await c.read_gatt_char(cgm.CGM_SESSION_START_TIME.uuid)),
                "run": bytes(await c.read_gatt_char(cgm.CGM_SESSION_RUN_TIME.uuid)),
            }
            answers = await racp.answers(
                {
                    "range": "0104010a001400",  # time offsets 10..20
                    "ge": "0103011900",  # >= 25
                    "utc": "010302e80705010900" + "00",  # user facing time: not for CGM
                    "count": "0403010f00",  # number >= 15
                }
            )
            return reads, answers

    reads, answers = asyncio.run(scenario())
    feature = cgm.decode_cgm_feature(reads["feature"])
    assert feature.features & cgm.CgmFeatureBits.E2E_CRC
    assert reads["feature"].hex() == sim.ready["features"]
    assert reads["start"].hex() == sim.ready["session_start"]
    assert cgm.decode_cgm_session_start_time(reads["start"], e2e_crc=True).e2e_crc
    assert cgm.decode_cgm_session_run_time(reads["run"], e2e_crc=True).hours == 336
    assert answers["range"] == [stored[10], stored[15], stored[20], "06000101"]
    assert answers["ge"] == [stored[25], "06000101"]
    assert answers["utc"] == ["06000109"]  # operand not supported
    assert answers["count"] == ["05000300"]
    for value in answers["range"][:-1]:
        (record,) = cgm.decode_cgm_measurement(bytes.fromhex(value), e2e_crc=True).records
        assert record.e2e_crc


def test_gateway_decodes_stored_then_live_cgm_measurements_as_sent(
    start_simulator: StartSimulator,
) -> None:
    sim = start_simulator(MODULE, ["--records", "4", "--seed", "5", "--live", "3", "--e2e-crc"])

    def live(sink: Sink) -> list[MeasurementEvent]:
        return [m for m in sink.measurements(CM.uuid16) if not m.stored]

    sink, _ = serve(sim.ready["name"], lambda s: len(live(s)) >= 3)
    sim.wait_for("live-complete")
    sent = sim.sent(CM.uuid)
    got = sink.measurements(CM.uuid16)
    # The stored records come through RACP first, then the live readings.
    assert [m.raw for m in got] == sent
    assert [m.stored for m in got] == [True] * 4 + [False] * 3
    assert [m.value for m in got] == [cgm.decode_cgm_measurement(v, e2e_crc=True) for v in sent]
    offsets = [m.value.records[0].time_offset_minutes for m in got]  # type: ignore[attr-defined]
    assert offsets == [0, 5, 10, 15, 20, 25, 30]  # the live readings continue the stored ones
    feature = got[0].connection.features[cgm.CGM_FEATURE.name]
    assert cgm.encode_cgm_feature(feature).hex() == sim.ready["features"]  # type: ignore[arg-type]


def test_stored_readings_the_racp_response_overtook_stay_stored_and_live_ones_live(
    start_simulator: StartSimulator,
) -> None:
    # bluetoothd sends a pending indication before queued notifications (docs/real-bluez.md,
    # finding 3): the readings after the response are the ones the CGM counted, then live ones.
    sim = start_simulator(
        MODULE,
        [
            *("--records", "4", "--seed", "5", "--live", "2", "--live-interval", "0.5"),
            "--response-first",
        ],
    )

    def live(sink: Sink) -> list[MeasurementEvent]:
        return [m for m in sink.measurements(CM.uuid16) if not m.stored]

    sink, _ = serve(sim.ready["name"], lambda s: len(live(s)) >= 2)
    sim.wait_for("live-complete")
    got = sink.measurements(CM.uuid16)
    assert [m.raw for m in got] == sim.sent(CM.uuid)
    assert [m.stored for m in got] == [True] * 4 + [False] * 2
    (transfer,) = sink.transfers()
    assert (transfer.outcome, transfer.records, transfer.next_sequence) == ("complete", 4, 16)
