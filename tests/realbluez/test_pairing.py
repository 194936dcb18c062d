"""Pairing and bonding through real bluetoothd and the kernel's Security Manager."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from gateway.ble.events import SessionState
from simulators.glucose import GlucoseMeterSimulator
from tests.realbluez.stack import (
    GATEWAY,
    IN_ORDER,
    LINGER,
    Device,
    Gateway,
    agent_calls,
    captured_logs,
    device_property,
    dump,
    forget_all,
    record_timing,
    until,
)

GLUCOSE = "glucose-measurement"


def test_just_works_pairs_then_reuses_the_bond(tmp_path: Path) -> None:
    """First connection: the gateway's agent pairs (Just Works), readings arrive over the
    encrypted link. Second connection: the stored bond encrypts the link, no pairing."""

    async def scenario() -> None:
        await forget_all()
        meter = Device(
            GlucoseMeterSimulator,
            device=IN_ORDER,
            records=3,
            security="encrypt",
            disconnect_after=LINGER,
        )
        async with meter:
            with captured_logs() as logs:
                async with Gateway(meter.address, tmp_path, pair=True) as gateway:
                    started = time.monotonic()
                    await until(
                        lambda: len(gateway.measurements(GLUCOSE)) >= 3,
                        90,
                        "3 records",
                        lambda: dump(gateway, meter, logs),
                    )
                    first_reading = time.monotonic() - started
                    first_calls = agent_calls(logs)
                    assert first_calls, "the agent was never asked: no pairing happened"
                    assert await device_property(GATEWAY, meter.address, "Bonded")
                    await until(
                        lambda: gateway.state_count(SessionState.DISCONNECTED) >= 1,
                        60,
                        "drop",
                        lambda: dump(gateway, meter, logs),
                    )
                    before = len(agent_calls(logs))
                    # Measurements taken while disconnected (the meter's RACP subscription
                    # is kept with the bond, so there is no new "subscribed" to hook on).
                    meter.simulator.add_records(2)  # type: ignore[attr-defined]
                    await until(
                        lambda: len(gateway.measurements(GLUCOSE)) >= 5,
                        90,
                        "2 more",
                        lambda: dump(gateway, meter, logs),
                    )
                    assert len(agent_calls(logs)) == before, agent_calls(logs)[before:]
            sequences = sorted(m.sequence_number or 0 for m in gateway.measurements(GLUCOSE))
            assert sequences == [1, 2, 3, 4, 5], dump(gateway, meter, logs)
            print(f"first reading {first_reading:.1f} s after start, agent: {first_calls}")
            record_timing(
                "connect to first reading, Just Works pairing", gateway.connect_to_first_reading()
            )

    asyncio.run(scenario())
