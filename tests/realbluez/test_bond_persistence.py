"""A bond outlives the gateway process and bluetoothd itself."""

from __future__ import annotations

import asyncio
from pathlib import Path

from gateway.ble.events import RecordTransferEvent
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
    restart_bluetoothd,
    until,
)

GLUCOSE = "glucose-measurement"


def sequences(gw: Gateway) -> list[int]:
    return sorted(m.sequence_number or 0 for m in gw.measurements(GLUCOSE))


def transferred(gw: Gateway, expected: list[int]) -> bool:
    """The records arrived and their transfer completed (the RACP response came): stopping the
    gateway before that ends the transfer early, and the next gateway rightly asks again for
    the last record."""
    complete = any(
        isinstance(e, RecordTransferEvent) and e.outcome == "complete" for e in gw.events
    )
    return complete and sequences(gw) == expected


def test_bond_survives_a_gateway_restart(tmp_path: Path) -> None:
    async def scenario() -> None:
        await forget_all()
        meter = Device(
            GlucoseMeterSimulator,
            device=IN_ORDER,
            records=2,
            security="encrypt",
            disconnect_after=LINGER,
        )
        async with meter:
            with captured_logs() as logs:
                async with Gateway(meter.address, tmp_path, pair=True) as first:
                    await until(
                        lambda: transferred(first, [1, 2]), 90, "2", lambda: dump(first, meter)
                    )
                paired = len(agent_calls(logs))
                assert paired >= 1
                meter.simulator.add_records(2)  # type: ignore[attr-defined]
                async with Gateway(meter.address, tmp_path, pair=True) as second:
                    await until(
                        lambda: sequences(second) == [3, 4],
                        90,
                        "records 3 and 4",
                        lambda: dump(second, meter, logs),
                    )
                assert len(agent_calls(logs)) == paired, agent_calls(logs)
                record_timing(
                    "connect to first reading, bonded (re-encryption)",
                    second.connect_to_first_reading(),
                )

    asyncio.run(scenario())


def test_bond_survives_a_bluetoothd_restart_bonded_only_without_agent(tmp_path: Path) -> None:
    """Paired once; bluetoothd restarts (keys reloaded from /var/lib/bluetooth); a gateway with
    ``bonded_only`` and no agent at all connects and reads encrypted values."""

    async def scenario() -> None:
        await forget_all()
        async with Device(
            GlucoseMeterSimulator,
            device=IN_ORDER,
            records=1,
            security="encrypt",
            disconnect_after=LINGER,
        ) as meter:
            address = meter.address
            async with Gateway(address, tmp_path, pair=True) as first:
                await until(lambda: transferred(first, [1]), 90, "1", lambda: dump(first, meter))
        await restart_bluetoothd()
        assert await device_property(GATEWAY, address, "Bonded")
        meter = Device(
            GlucoseMeterSimulator, device=IN_ORDER, records=3, security="encrypt", seed=1
        )
        async with meter:
            with captured_logs() as logs:
                async with Gateway(address, tmp_path, bonded_only=True) as second:
                    await until(
                        lambda: sequences(second) == [2, 3],
                        90,
                        "records 2 and 3",
                        lambda: dump(second, meter, logs),
                    )
            assert not agent_calls(logs)

    asyncio.run(scenario())
