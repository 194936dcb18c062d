"""Sessions whose RACP response overtakes the records (docs/real-bluez.md, finding 3):
bluetoothd sends a pending indication before queued notifications. With the count asked first,
every record is delivered once, as a stored one, and the mark moves past it; a record the
device counted but never sent is fetched again on the next connection; a device that cannot
count is fetched as before."""

from __future__ import annotations

import asyncio
import collections
from decimal import Decimal

from gateway.ble import uuids
from gateway.ble.events import MeasurementEvent, RecordTransferEvent
from gateway.ble.highwater import MemoryHighWaterStore
from gateway.ble.session import DeviceSession
from profiles import cgm
from profiles.date_time import DateTime, DstOffset
from profiles.racp import RacpOperator, RacpRequest
from tests.ble.fake_record_devices import FakeRecordDevice, StoredRecord
from tests.ble.fakes import FakeConnector, FakeGlucoseMeter, FakeLink, FakeSource
from tests.ble.harness import (
    ADDRESS,
    CONFIG,
    Collector,
    run_session,
    run_transfers,
    transfer_again,
    until,
)


def serve_once(make_link: FakeConnector) -> tuple[Collector, MemoryHighWaterStore]:
    """One connection with one record transfer, into a new sink and mark store."""
    sink, store = Collector(), MemoryHighWaterStore()
    run_transfers(make_link, sink, store)
    return sink, store


def serve_twice(make_link: FakeConnector) -> tuple[Collector, MemoryHighWaterStore]:
    """Two connections, each with one record transfer, into a new sink and mark store."""
    sink, store = Collector(), MemoryHighWaterStore()

    async def scenario() -> None:
        source = FakeSource(ADDRESS)
        session = DeviceSession(ADDRESS, source, make_link, sink, store, CONFIG)

        async def body() -> None:
            await until(lambda: len(sink.of(RecordTransferEvent)) == 1)
            await transfer_again(make_link, source, sink)

        await run_session(session, body)

    asyncio.run(scenario())
    return sink, store


def repeated(events: list[MeasurementEvent]) -> list[int | None]:
    counts = collections.Counter(e.sequence_number for e in events)
    return [s for s, n in counts.items() if n > 1]


def test_records_after_the_response_are_stored_once_and_not_fetched_again() -> None:
    meter = FakeGlucoseMeter([1, 2, 3, 4], response_first=True)
    sink, store = serve_twice(FakeConnector(meter.link))
    delivered = sink.measurements()
    assert repeated(delivered) == []
    assert [(m.sequence_number, m.stored) for m in delivered] == [(s, True) for s in [1, 2, 3, 4]]
    assert [(r.operator, r.minimum) for r in meter.requests] == [
        (RacpOperator.ALL_RECORDS, None),
        (RacpOperator.GREATER_THAN_OR_EQUAL_TO, 5),
    ]
    assert [(r.operator, r.minimum) for r in meter.count_requests] == [
        (RacpOperator.ALL_RECORDS, None),
        (RacpOperator.GREATER_THAN_OR_EQUAL_TO, 5),
    ]
    assert [(t.outcome, t.next_sequence) for t in sink.of(RecordTransferEvent)] == [
        ("complete", 5),
        ("no-records", 5),
    ]
    assert store.marks == {ADDRESS: 5}


class LosingMeter(FakeGlucoseMeter):
    """Counts all its records, but record ``lost`` never reaches the gateway in the first
    report (a device that miscounts, or a value lost on the way)."""

    def __init__(self, sequences: list[int], lost: int) -> None:
        super().__init__(sequences, response_first=True)
        self.lost: int | None = lost

    def _answer(self, link: FakeLink, request: RacpRequest) -> None:
        kept = self.sequences
        if self.lost is not None:
            self.sequences = [s for s in kept if s != self.lost]
            self.lost = None
        try:
            super()._answer(link, request)
        finally:
            self.sequences = kept


def test_a_counted_record_that_never_arrives_is_fetched_again_next_time() -> None:
    meter = LosingMeter([0, 1, 2, 3, 4], lost=2)
    sink, store = serve_twice(FakeConnector(meter.link))
    first, second = sink.of(RecordTransferEvent)
    assert (first.outcome, first.next_sequence) == ("short", 2)  # stops before the gap
    assert (second.requested_from, second.outcome, second.next_sequence) == (2, "complete", 5)
    delivered = [m.sequence_number for m in sink.measurements()]
    assert delivered == [0, 1, 3, 4, 2, 3, 4]  # nothing lost; 3 and 4 repeat
    assert all(m.stored for m in sink.measurements())
    assert store.marks == {ADDRESS: 5}


def test_a_meter_that_cannot_count_is_fetched_as_before() -> None:
    meter = FakeGlucoseMeter([0, 1, 2], counts=False)
    sink, store = serve_once(FakeConnector(meter.link))
    assert [(m.sequence_number, m.stored) for m in sink.measurements()] == [
        (0, True),
        (1, True),
        (2, True),
    ]
    assert len(meter.count_requests) == 1  # asked once, refused
    assert [r.operator for r in meter.requests] == [RacpOperator.ALL_RECORDS]
    assert store.marks == {ADDRESS: 3}


def test_without_a_count_records_after_the_response_are_live_and_fetched_again() -> None:
    # The limit of the fallback: nothing is lost, but the records are delivered live and
    # the next connection asks for them again.
    meter = FakeGlucoseMeter([0, 1], counts=False, response_first=True)
    sink, store = serve_twice(FakeConnector(meter.link))
    assert [(m.sequence_number, m.stored) for m in sink.measurements()] == [
        (0, False),
        (1, False),
        (0, False),
        (1, False),
    ]
    assert [len(meter.count_requests), len(meter.requests)] == [2, 2]
    assert store.marks == {}


# --- CGM: live readings around the transfer ---------------------------------------------------

CGM_M = cgm.CGM_MEASUREMENT.uuid16
START = cgm.CgmSessionStartTime(DateTime(2026, 1, 2, 8, 0, 0), 4, DstOffset.STANDARD_TIME, False)


def _reading(offset: int) -> bytes:
    record = cgm.CgmMeasurementRecord(Decimal(100 + offset), offset)
    return cgm.encode_cgm_measurement(cgm.CgmMeasurement((record,)))


def _cgm(offsets: list[int]) -> FakeRecordDevice:
    reads = {
        cgm.CGM_FEATURE.uuid16: cgm.encode_cgm_feature(
            cgm.CgmFeature(cgm.CgmFeatureBits(0), cgm.CgmType.CAPILLARY_WHOLE_BLOOD, 1)
        ),
        cgm.CGM_SESSION_START_TIME.uuid16: cgm.encode_cgm_session_start_time(START),
    }
    records = [StoredRecord(o, _reading(o)) for o in offsets]
    return FakeRecordDevice(
        {uuids.CONTINUOUS_GLUCOSE_MONITORING}, reads, CGM_M, records, response_first=True
    )


def _cgm_measurements(sink: Collector) -> list[tuple[int | None, bool]]:
    return [(m.sequence_number, m.stored) for m in sink.measurements() if m.uuid16 == CGM_M]


def test_cgm_live_readings_after_the_counted_records_stay_live() -> None:
    device = _cgm([0, 5, 10])
    store = MemoryHighWaterStore()
    sink = Collector()

    async def scenario() -> None:
        connector = FakeConnector(device.link)
        session = DeviceSession(ADDRESS, FakeSource(ADDRESS), connector, sink, store, CONFIG)

        async def body() -> None:
            await until(lambda: len(sink.of(RecordTransferEvent)) == 1)
            device.records.append(StoredRecord(15, _reading(15)))  # it stores it too
            connector.links[-1].notify(CGM_M, _reading(15))
            await until(lambda: len(_cgm_measurements(sink)) == 4)

        await run_session(session, body)

    asyncio.run(scenario())
    assert _cgm_measurements(sink) == [(0, True), (5, True), (10, True), (15, False)]
    (transfer,) = sink.of(RecordTransferEvent)
    assert (transfer.outcome, transfer.next_sequence) == ("complete", 11)
    assert list(store.marks.values()) == [11]


def test_cgm_reading_sent_live_while_counting_and_then_reported_counts_once() -> None:
    device = _cgm([0, 5])
    device.live_before_count.append((CGM_M, _reading(10)))
    device.records.append(StoredRecord(10, _reading(10)))  # the device stored it when taken
    sink, store = serve_once(FakeConnector(device.link))
    assert _cgm_measurements(sink) == [(10, False), (0, True), (5, True)]
    (transfer,) = sink.of(RecordTransferEvent)
    assert transfer.outcome == "complete"  # the repeat was one of the three counted
    assert list(store.marks.values()) == [11]  # the reading kept live is not asked again
