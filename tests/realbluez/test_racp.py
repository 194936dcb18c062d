"""A glucose meter's stored records over RACP and indications, through real bluetoothd."""

from __future__ import annotations

import asyncio
import collections
from pathlib import Path

from gateway.ble.events import RecordTransferEvent
from simulators.glucose import GlucoseMeterOptions, GlucoseMeterSimulator
from tests.realbluez import stack


def transfers(gw: stack.Gateway) -> list[RecordTransferEvent]:
    return [e for e in gw.events if isinstance(e, RecordTransferEvent)]


RECORDS = 12


def test_racp_transfer_over_indications_survives_a_link_loss_exactly_once(
    tmp_path: Path,
) -> None:
    """Records are indicated one by one; after 4 the meter's controller is powered off (the
    link is lost without a disconnect exchange); after power on the gateway asks for the rest
    (">= high-water mark") and every record arrives exactly once."""

    async def scenario() -> None:
        await stack.forget_all()
        meter = stack.Device(
            GlucoseMeterSimulator,
            records=RECORDS,
            device=GlucoseMeterOptions(indicate=True, pace=0.4),
        )
        async with stack.scene(meter, tmp_path) as scene:
            gw, detail = scene.gateway, scene.detail
            await stack.until(lambda: len(gw.measurements(stack.GLUCOSE)) >= 4, 90, "4", detail)
            await stack.set_powered(stack.DEVICE, False)
            await asyncio.sleep(2)
            await stack.set_powered(stack.DEVICE, True)
            await stack.until(
                lambda: len({m.sequence_number for m in gw.measurements(stack.GLUCOSE)}) >= RECORDS,
                120,
                "all records",
                detail,
            )
            await stack.until(
                lambda: any(t.outcome == "complete" for t in transfers(gw)),
                60,
                "a complete transfer",
                detail,
            )
        counts = collections.Counter(m.sequence_number for m in gw.measurements(stack.GLUCOSE))
        assert counts == dict.fromkeys(range(1, RECORDS + 1), 1), detail()
        stack.record_timing("connect to first reading, no pairing", gw.connect_to_first_reading())
        done = transfers(gw)
        assert done[0].outcome == "disconnected", detail()
        assert done[-1].outcome == "complete", detail()
        assert done[-1].requested_from not in (None, 1), detail()

    asyncio.run(scenario())
