"""Pairing and bonding through real bluetoothd and the kernel's Security Manager."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from gateway.ble.events import SessionState
from tests.realbluez import stack


def test_just_works_pairs_then_reuses_the_bond(tmp_path: Path) -> None:
    """First connection: the gateway's agent pairs (Just Works), readings arrive over the
    encrypted link. Second connection: the stored bond encrypts the link, no pairing."""

    async def scenario() -> None:
        meter = stack.unbonded_meter(3, disconnect_after=stack.LINGER)
        async with stack.scene(meter, tmp_path, pair=True) as scene:
            gateway, logs, device = scene.gateway, scene.logs, scene.device
            started = time.monotonic()
            await stack.until(
                lambda: len(gateway.measurements(stack.GLUCOSE)) >= 3,
                90,
                "3 records",
                scene.detail,
            )
            first_reading = time.monotonic() - started
            first_calls = stack.agent_calls(logs)
            assert first_calls, "the agent was never asked: no pairing happened"
            assert await stack.device_property(stack.GATEWAY, device.address, "Bonded")
            await stack.until(
                lambda: gateway.state_count(SessionState.DISCONNECTED) >= 1,
                60,
                "drop",
                scene.detail,
            )
            before = len(stack.agent_calls(logs))
            # Measurements taken while disconnected (the meter's RACP subscription
            # is kept with the bond, so there is no new "subscribed" to hook on).
            device.simulator.add_records(2)  # type: ignore[attr-defined]
            await stack.until(
                lambda: len(gateway.measurements(stack.GLUCOSE)) >= 5,
                90,
                "2 more",
                scene.detail,
            )
            assert len(stack.agent_calls(logs)) == before, stack.agent_calls(logs)[before:]
            sequences = gateway.glucose_sequences()
            assert sequences == [1, 2, 3, 4, 5], scene.detail()
            print(f"first reading {first_reading:.1f} s after start, agent: {first_calls}")
            stack.record_timing(
                "connect to first reading, Just Works pairing", gateway.connect_to_first_reading()
            )

    asyncio.run(scenario())
