"""A bond outlives the gateway process and bluetoothd itself."""

from __future__ import annotations

import asyncio
from pathlib import Path

from gateway.ble.events import RecordTransferEvent
from tests.realbluez import stack


def transferred(gw: stack.Gateway, expected: list[int]) -> bool:
    """The records arrived and their transfer completed (the RACP response came): stopping the
    gateway before that ends the transfer early, and the next gateway rightly asks again for
    the last record."""
    complete = any(
        isinstance(e, RecordTransferEvent) and e.outcome == "complete" for e in gw.events
    )
    return complete and gw.glucose_sequences() == expected


def test_bond_survives_a_gateway_restart(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with stack.unbonded_meter(2, disconnect_after=stack.LINGER) as meter:
            with stack.captured_logs() as logs:
                async with stack.Gateway(meter.address, tmp_path, pair=True) as first:
                    await stack.until(
                        lambda: transferred(first, [1, 2]),
                        90,
                        "2",
                        lambda: stack.dump(first, meter),
                    )
                paired = len(stack.agent_calls(logs))
                assert paired >= 1
                meter.simulator.add_records(2)  # type: ignore[attr-defined]
                async with stack.Gateway(meter.address, tmp_path, pair=True) as second:
                    await stack.until(
                        lambda: second.glucose_sequences() == [3, 4],
                        90,
                        "records 3 and 4",
                        lambda: stack.dump(second, meter, logs),
                    )
                assert len(stack.agent_calls(logs)) == paired, stack.agent_calls(logs)
                stack.record_timing(
                    "connect to first reading, bonded (re-encryption)",
                    second.connect_to_first_reading(),
                )

    asyncio.run(scenario())


def test_bond_survives_a_bluetoothd_restart_bonded_only_without_agent(tmp_path: Path) -> None:
    """Paired once; bluetoothd restarts (keys reloaded from /var/lib/bluetooth); a gateway with
    ``bonded_only`` and no agent at all connects and reads encrypted values."""

    async def scenario() -> None:
        async with stack.unbonded_meter(1, disconnect_after=stack.LINGER) as meter:
            address = meter.address
            async with stack.Gateway(address, tmp_path, pair=True) as first:
                await stack.until(
                    lambda: transferred(first, [1]), 90, "1", lambda: stack.dump(first, meter)
                )
        await stack.restart_bluetoothd()
        assert await stack.device_property(stack.GATEWAY, address, "Bonded")
        meter = stack.encrypted_meter(3, seed=1)
        async with meter:
            async with stack.logged_gateway(address, tmp_path, bonded_only=True) as (second, logs):
                await stack.until(
                    lambda: second.glucose_sequences() == [2, 3],
                    90,
                    "records 2 and 3",
                    lambda: stack.dump(second, meter, logs),
                )
            assert not stack.agent_calls(logs)

    asyncio.run(scenario())
