"""Devices that drop the link right after bonding, and the gateway on two controllers."""

from __future__ import annotations

import asyncio
from pathlib import Path

from gateway.ble.events import SessionState
from simulators.glucose import GlucoseMeterSimulator
from tests.realbluez import stack


def test_device_that_disconnects_right_after_bonding(tmp_path: Path) -> None:
    """The meter drops the link as soon as it is bonded (several Omron and A&D models do): the
    gateway reconnects on the bond, without pairing again, and gets every record once."""

    async def scenario() -> None:
        meter = stack.unbonded_meter(3, disconnect_after_bonding=True)
        async with stack.scene(meter, tmp_path, pair=True) as scene:
            gw, detail = scene.gateway, scene.detail
            drops = scene.device.of
            await stack.until(
                lambda: any(e.get("reason") == "bonded" for e in drops("device-disconnect")),
                60,
                "the device's drop after bonding",
                detail,
            )
            await stack.until(lambda: gw.glucose_sequences() == [1, 2, 3], 120, "3 records", detail)
            await stack.until(
                lambda: gw.state_count(SessionState.CONNECTED) >= 2, 60, "reconnect", detail
            )
            pairings = [c for c in stack.agent_calls(scene.logs) if c != "agent_authorize_service"]
            assert len(pairings) == 1, detail()

    asyncio.run(scenario())


def test_gateway_on_two_controllers(tmp_path: Path) -> None:
    """Scanning on hci0 and hci2, the session connects through the adapter that heard the
    device best and gets the records."""

    async def scenario() -> None:
        await stack.forget_all()
        meter = stack.Device(GlucoseMeterSimulator, device=stack.IN_ORDER, records=2)
        async with meter, stack.Gateway(meter.address, tmp_path, adapters=("hci0", "hci2")) as gw:
            await stack.until(
                lambda: gw.glucose_sequences() == [1, 2],
                60,
                "2 records",
                lambda: stack.dump(gw, meter),
            )
            connected = [s for s in gw.states() if s.state is SessionState.CONNECTED]
            assert connected
            assert connected[0].adapter in ("hci0", "hci2")
            print(f"connected through {connected[0].adapter}")

    asyncio.run(scenario())
