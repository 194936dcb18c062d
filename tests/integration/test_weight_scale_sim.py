"""The simulated shared weight scale over the test bus, seen by plain bleak on hci0: weight
measurements of two UDS users, multiple-packet body composition, and the User Control Point."""

from __future__ import annotations

import asyncio

import pytest
from bleak import BleakClient
from bleak.exc import BleakError

from profiles import body_composition as bc
from profiles import user_data as uds
from profiles import weight_scale as ws
from profiles.errors import DecodeError
from simulators.runner import SimulatorProcess
from simulators.weight_scale import BODY_COMPOSITION_FEATURE, WEIGHT_FEATURE

from .central import STEP_TIMEOUT, Values, client, find_device, uuid16
from .conftest import StartSimulator

pytestmark = pytest.mark.integration

MODULE = "simulators.weight_scale"
WSS = uuid16(ws.SERVICE_UUID16)
WM = ws.WEIGHT_MEASUREMENT.uuid
BCM = bc.BODY_COMPOSITION_MEASUREMENT.uuid
UCP = uds.USER_CONTROL_POINT.uuid
RV = uds.UserControlPointResponseValue
OP = uds.UserControlPointOpCode


def _records(sim: SimulatorProcess) -> list[bytes]:
    return [bytes.fromhex(h) for h in sim.ready["records"]]


def _packets(sim: SimulatorProcess) -> list[list[bytes]]:
    return [[bytes.fromhex(h) for h in r] for r in sim.ready["composition_packets"]]


def _consent(sim: SimulatorProcess, index: int) -> int:
    return int(next(u["consent_code"] for u in sim.ready["users"] if u["index"] == index))


def test_two_users_weights_and_multiple_packet_body_composition(
    start_simulator: StartSimulator,
) -> None:
    count = 4
    sim = start_simulator(MODULE, ["--users", "2", "--records", str(count), "--seed", "9"])

    async def scenario() -> tuple[bytes, bytes, list[bytes], list[bytes]]:
        device = await find_device(sim.ready["name"], WSS)
        weights, compositions = Values(), Values()
        async with client(device) as c:
            feature = await c.read_gatt_char(ws.WEIGHT_SCALE_FEATURE.uuid)
            bc_feature = await c.read_gatt_char(bc.BODY_COMPOSITION_FEATURE.uuid)
            await c.start_notify(BCM, compositions)
            await c.start_notify(WM, weights)
            got_w = await weights.wait(count)
            got_c = await compositions.wait(2 * count)
        return bytes(feature), bytes(bc_feature), got_w, got_c

    feature, bc_feature, weights, compositions = asyncio.run(scenario())
    done = {sim.wait_for("transfer-complete")["uuid"] for _ in range(2)}
    assert done == {WM, BCM}
    assert ws.decode_weight_scale_feature(feature) == WEIGHT_FEATURE
    assert bc.decode_body_composition_feature(bc_feature) == BODY_COMPOSITION_FEATURE

    assert weights == _records(sim) == sim.sent(WM)
    decoded = [ws.decode_weight_measurement(w, feature=WEIGHT_FEATURE) for w in weights]
    assert [m.user_id for m in decoded] == [0, 1, 0, 1] == sim.ready["user_ids"]
    assert all(m.bmi is not None and m.height is not None for m in decoded)

    # Every body composition record came as two indications (20-byte payloads), in order.
    packets = _packets(sim)
    assert all(len(p) == 2 for p in packets)
    assert compositions == [p for pair in packets for p in pair] == sim.sent(BCM)
    reassembler = bc.BodyCompositionReassembler()
    merged = [m for m in (reassembler.feed(p) for p in compositions) if m is not None]
    assert len(merged) == count
    assert reassembler.pending == 0
    for composition, weight in zip(merged, decoded, strict=True):
        assert composition.multiple_packet is False
        assert composition.user_id == weight.user_id
        assert composition.timestamp == weight.timestamp
        assert composition.weight == weight.weight
        assert composition.height == weight.height
        # The merged measurement is what the single-value encoding of it says.
        single = bc.encode_body_composition_measurement(composition)
        assert bc.decode_body_composition_measurement(single) == composition


def test_user_control_point_consent_register_and_delete(start_simulator: StartSimulator) -> None:
    sim = start_simulator(MODULE, ["--users", "2", "--records", "0"])
    code1 = _consent(sim, 1)
    wrong = (code1 + 1) % (uds.MAX_CONSENT_CODE + 1)

    async def scenario() -> tuple[list[uds.UserControlPointResponse], list[int], str]:
        device = await find_device(sim.ready["name"], WSS)
        responses = Values()
        indexes: list[int] = []
        async with client(device) as c:

            async def user_index() -> int:
                value = await c.read_gatt_char(uds.USER_INDEX.uuid)
                return uds.decode_user_index(value).index

            async def request(value: uds.UserControlPointRequest) -> None:
                await c.write_gatt_char(UCP, uds.encode_user_control_point(value), response=True)

            # Without indications enabled the control point refuses the write.
            refused = ""
            try:
                await request(uds.ConsentRequest(1, code1))
            except BleakError as e:
                refused = str(e)
            await c.start_notify(UCP, responses)
            indexes.append(await user_index())
            steps: list[uds.UserControlPointRequest] = [
                uds.ConsentRequest(1, wrong),
                uds.ConsentRequest(5, 1234),
                uds.ConsentRequest(1, code1),
                uds.RegisterNewUserRequest(4321),
                uds.DeleteUserDataRequest(),
                uds.ListAllUsersRequest(),
                uds.DeleteUserDataRequest(),
            ]
            for i, step in enumerate(steps):
                await request(step)
                await responses.wait(i + 1)
                indexes.append(await user_index())
            # An undecodable request (consent code above 9999): invalid parameter.
            await c.write_gatt_char(UCP, bytes.fromhex("0201ffff"), response=True)
            await responses.wait(len(steps) + 1)
        decoded = [uds.decode_user_control_point_response(v) for v in responses.values]
        return decoded, indexes, refused

    responses, indexes, refused = asyncio.run(scenario())
    assert refused  # the write failed with an ATT error
    assert responses == [
        uds.UserControlPointResponse(OP.CONSENT, RV.USER_NOT_AUTHORIZED),
        uds.UserControlPointResponse(OP.CONSENT, RV.USER_NOT_AUTHORIZED),
        uds.UserControlPointResponse(OP.CONSENT, RV.SUCCESS),
        uds.UserControlPointResponse(OP.REGISTER_NEW_USER, RV.SUCCESS, user_index=2),
        uds.UserControlPointResponse(OP.DELETE_USER_DATA, RV.SUCCESS),
        uds.UserControlPointResponse(OP.LIST_ALL_USERS, RV.OP_CODE_NOT_SUPPORTED),
        uds.UserControlPointResponse(OP.DELETE_USER_DATA, RV.USER_NOT_AUTHORIZED),
        uds.UserControlPointResponse(OP.CONSENT, RV.INVALID_PARAMETER),
    ]
    # User Index: unknown until the consent, user 1 after it, unknown again once deleted.
    assert indexes == [0xFF, 0xFF, 0xFF, 1, 1, 0xFF, 0xFF, 0xFF]


def test_require_consent_sends_only_the_consented_users_records(
    start_simulator: StartSimulator,
) -> None:
    sim = start_simulator(
        MODULE, ["--users", "2", "--records", "4", "--require-consent", "--no-body-composition"]
    )
    expected = [r for r, u in zip(_records(sim), sim.ready["user_ids"], strict=True) if u == 1]

    async def scenario() -> tuple[list[bytes], int]:
        device = await find_device(sim.ready["name"], WSS)
        weights, responses = Values(), Values()
        async with client(device) as c:
            assert c.services.get_service(uuid16(bc.SERVICE_UUID16)) is None
            await c.start_notify(WM, weights)
            await c.start_notify(UCP, responses)
            await asyncio.sleep(0.3)  # nothing may come before the consent
            before = len(weights.values)
            request = uds.ConsentRequest(1, _consent(sim, 1))
            await c.write_gatt_char(UCP, uds.encode_user_control_point(request), response=True)
            await responses.wait(1)
            return await weights.wait(len(expected)), before

    got, before = asyncio.run(scenario())
    sim.wait_for("transfer-complete")
    assert before == 0
    assert got == expected == sim.sent(WM)
    assert {ws.decode_weight_measurement(v).user_id for v in got} == {1}


def test_malformed_values_then_device_disconnect(start_simulator: StartSimulator) -> None:
    sim = start_simulator(
        MODULE,
        ["--records", "2", "--malformed", "1", "--no-body-composition", "--disconnect-after", "0"],
    )

    async def scenario() -> list[bytes]:
        device = await find_device(sim.ready["name"], WSS)
        weights = Values()
        gone = asyncio.Event()

        def on_disconnect(_c: BleakClient) -> None:
            gone.set()

        c = client(device, disconnected_callback=on_disconnect)
        await c.connect()
        try:
            await c.start_notify(WM, weights)
            values = await weights.wait(3)
            async with asyncio.timeout(STEP_TIMEOUT):
                await gone.wait()
            return values
        finally:
            await c.disconnect()

    values = asyncio.run(scenario())
    sim.wait_for("transfer-complete")
    assert sim.wait_for("device-disconnect")["centrals"] == 1
    malformed = [bytes.fromhex(e["value"]) for e in sim.events if e["event"] == "sent-malformed"]
    assert values == malformed + _records(sim)
    with pytest.raises(DecodeError):
        ws.decode_weight_measurement(values[0])
