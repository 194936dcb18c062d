"""A stored record whose bytes do not decode (G8): it never blocks the device's later records.
Once the consumer has durably kept its raw bytes (the DecodeFailureEvent returned), it counts
as acknowledged, so the high-water mark may pass it even after an interrupted transfer; if
keeping it failed, the mark does not pass it."""

from __future__ import annotations

from gateway.ble import uuids
from gateway.ble.events import BleEvent, DecodeFailureEvent
from gateway.ble.highwater import MemoryHighWaterStore
from profiles.racp import (
    RacpOperator,
    RacpRequest,
    RacpResponseCode,
    RacpResponseCodeValue,
    encode_record_access_control_point,
)
from tests.ble.fakes import (
    GLUCOSE_MEASUREMENT,
    FakeConnector,
    FakeGlucoseMeter,
    FakeLink,
    glucose_record,
)
from tests.ble.harness import ADDRESS, Collector, run_transfers


class CorruptingMeter(FakeGlucoseMeter):
    """Sends record ``corrupt`` cut short (its sequence number still readable, as a meter's
    damaged flash gives it); ``complete=False``: the link drops after the last record,
    before the RACP response (an interrupted transfer)."""

    def __init__(self, sequences: list[int], corrupt: int, *, complete: bool) -> None:
        super().__init__(sequences)
        self.corrupt = corrupt
        self.complete = complete

    def _answer(self, link: FakeLink, request: RacpRequest) -> None:
        minimum = (
            request.minimum if request.operator == RacpOperator.GREATER_THAN_OR_EQUAL_TO else 0
        )
        assert isinstance(minimum, int)
        for sequence in [s for s in self.sequences if s >= minimum]:
            value = glucose_record(sequence)
            link.notify(GLUCOSE_MEASUREMENT, value[:6] if sequence == self.corrupt else value)
        if not self.complete:
            link.drop()
            return
        response = RacpResponseCode(1, RacpResponseCodeValue.SUCCESS)
        link.notify(uuids.RECORD_ACCESS_CONTROL_POINT, encode_record_access_control_point(response))


class FailingToKeep(Collector):
    """A consumer whose store refuses undecodable values (a full disk)."""

    async def __call__(self, event: BleEvent) -> None:
        if isinstance(event, DecodeFailureEvent):
            raise OSError("disk full")
        await super().__call__(event)


def fetch(meter: CorruptingMeter, sink: Collector, store: MemoryHighWaterStore) -> None:
    run_transfers(FakeConnector(meter.link), sink, store)


def test_kept_corrupt_record_lets_the_mark_pass_after_an_interrupted_transfer() -> None:
    store = MemoryHighWaterStore({ADDRESS: 0})
    sink = Collector()
    fetch(CorruptingMeter([0, 1, 2, 3, 4], corrupt=2, complete=False), sink, store)
    [failure] = sink.of(DecodeFailureEvent)
    assert failure.raw == glucose_record(2)[:6]
    assert [m.sequence_number for m in sink.measurements()] == [0, 1, 3, 4]
    assert store.marks == {ADDRESS: 5}  # not stuck at 2: the next fetch starts after it


def test_corrupt_record_that_could_not_be_kept_holds_the_mark() -> None:
    store = MemoryHighWaterStore({ADDRESS: 0})
    sink = FailingToKeep()
    fetch(CorruptingMeter([0, 1, 2, 3, 4], corrupt=2, complete=True), sink, store)
    assert [m.sequence_number for m in sink.measurements()] == [0, 1, 3, 4]
    assert store.marks == {ADDRESS: 0}  # record 2 was not kept anywhere: fetch it again
