"""Values received before the link dropped still count for the record transfer: a meter that
sends its records and the RACP response and disconnects at once (on real BlueZ under load the
gateway's worker was still behind; docs/real-bluez.md, the bond tests)."""

from __future__ import annotations

import asyncio

from gateway.ble.events import BleEvent, MeasurementEvent, RecordTransferEvent
from gateway.ble.highwater import MemoryHighWaterStore
from gateway.ble.racp_fetch import FetchOutcome
from profiles.racp import RacpRequest
from tests.ble.fakes import FakeConnector, FakeGlucoseMeter, FakeLink
from tests.ble.harness import ADDRESS, Collector, run_transfers


class MeterThatLeavesAtOnce(FakeGlucoseMeter):
    """Sends the records and the response, then drops the link in the same instant."""

    def _answer(self, link: FakeLink, request: RacpRequest) -> None:
        super()._answer(link, request)
        link.drop()


class SlowConsumer(Collector):
    """Takes a while per measurement, so values are still queued when the link drops."""

    async def __call__(self, event: BleEvent) -> None:
        if isinstance(event, MeasurementEvent):
            await asyncio.sleep(0.02)
        await super().__call__(event)


def test_a_response_received_before_the_drop_completes_the_transfer() -> None:
    meter = MeterThatLeavesAtOnce([0, 1, 2])
    store = MemoryHighWaterStore()
    sink = SlowConsumer()
    run_transfers(FakeConnector(meter.link), sink, store)
    assert [m.sequence_number for m in sink.measurements()] == [0, 1, 2]
    assert all(m.stored for m in sink.measurements())
    assert [t.outcome for t in sink.of(RecordTransferEvent)] == [FetchOutcome.COMPLETE.value]
    assert store.marks == {ADDRESS: 3}  # the next connection asks for records from 3 on
