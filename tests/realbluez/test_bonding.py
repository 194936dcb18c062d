"""``bonded_only`` and encrypted characteristics without pairing, on real BlueZ."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

from gateway.ble.events import SessionState
from tests.realbluez import stack


async def pair_outside_the_gateway(address: str) -> None:
    """What an installer does once (``bluetoothctl pair``): Device1.Pair, then disconnect."""
    bus = await stack.system_bus()
    try:
        await stack.pair_by_hand(bus, address)
    finally:
        bus.disconnect()


def test_bonded_only_never_connects_an_unbonded_device_then_connects_once_bonded(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        async with stack.scene(
            stack.unbonded_meter(2), tmp_path, pair=True, bonded_only=True
        ) as scene:
            gw, address = scene.gateway, scene.device.address
            await stack.until(
                lambda: (
                    sum(
                        1
                        for s in gw.states()
                        if s.state is SessionState.FAILED and s.detail == "not bonded"
                    )
                    >= 2
                ),
                60,
                "two refusals",
                scene.detail,
            )
            assert gw.state_count(SessionState.CONNECTING) == 0, scene.detail()
            assert not scene.device.of("connected"), scene.detail()
            assert not await stack.device_property(stack.GATEWAY, address, "Bonded")
            await pair_outside_the_gateway(address)
            assert await stack.device_property(stack.GATEWAY, address, "Bonded")
            await stack.until(
                lambda: len(gw.measurements(stack.GLUCOSE)) >= 2, 90, "records", scene.detail
            )
        assert gw.glucose_sequences() == [1, 2]

    asyncio.run(scenario())


def test_encrypted_device_without_pairing_is_reported_as_needing_pairing(tmp_path: Path) -> None:
    """``pair = false`` and no agent: bluetoothd cannot pair, the encrypted characteristics
    refuse; the session says so in one clear state, not a generic failure."""

    async def scenario() -> None:
        # bluetoothd holds the read until its own security elevation has failed, which can take
        # up to the kernel's 30 s SMP timeout: a shorter step timeout sees only a timeout
        # (docs/real-bluez.md, finding 2).
        session = dataclasses.replace(stack.SESSION, step_timeout=45.0)
        meter = stack.unbonded_meter(2)
        async with stack.scene(meter, tmp_path, pair=False, session=session) as scene:
            await stack.until(
                lambda: any("pairing" in s.detail for s in scene.gateway.states()),
                150,
                "a 'needs pairing' report",
                scene.detail,
            )
            address = scene.device.address
            assert not await stack.device_property(stack.GATEWAY, address, "Paired")
        assert not scene.gateway.measurements(stack.GLUCOSE), scene.detail()

    asyncio.run(scenario())
