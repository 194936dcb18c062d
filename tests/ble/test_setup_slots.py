"""Set-up slots: how many connections one adapter sets up at once, shared by a gateway's
sessions (gateway/ble/setup_slots.py)."""

from __future__ import annotations

import asyncio
import time

import pytest

from gateway.ble.events import RecordTransferEvent
from gateway.ble.highwater import MemoryHighWaterStore
from gateway.ble.link import LinkError
from gateway.ble.session import DeviceSession
from gateway.ble.setup_slots import SetupSlots
from tests.ble.fakes import FakeConnector, FakeGlucoseMeter, FakeLink, FakeSource
from tests.ble.harness import CONFIG, Collector, until

METERS = 6
STEP = 0.01  # seconds a GATT step takes on the busy adapter


def _peak_overlap(intervals: list[tuple[float, float]]) -> int:
    edges = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    peak = current = 0
    for _, change in edges:
        current += change
        peak = max(peak, current)
    return peak


def _serve_meters(slots: SetupSlots | None) -> tuple[int, Collector, MemoryHighWaterStore]:
    """Six meters advertising at once on one adapter; returns how many were being set up at
    the same time at the most (from connect to the end of their record transfer)."""
    sink = Collector()
    store = MemoryHighWaterStore()
    connected_at: dict[str, float] = {}
    done_at: dict[str, float] = {}

    async def scenario() -> None:
        sessions = []
        for i in range(METERS):
            address = f"AA:BB:CC:DD:EE:{i:02X}"
            meter = FakeGlucoseMeter([0, 1, 2])

            def slow_link(meter: FakeGlucoseMeter = meter, address: str = address) -> FakeLink:
                connected_at[address] = time.monotonic()
                link = meter.link()
                link.step_delay = STEP
                return link

            async def consumer(event: object, address: str = address) -> None:
                if isinstance(event, RecordTransferEvent):
                    done_at[address] = time.monotonic()
                await sink(event)  # type: ignore[arg-type]

            source = FakeSource(address)
            connector = FakeConnector(slow_link)
            sessions.append(
                DeviceSession(
                    address, source, connector, consumer, store, CONFIG, setup_slots=slots
                )
            )
        tasks = [asyncio.create_task(s.run()) for s in sessions]
        try:
            await until(lambda: len(done_at) == METERS, timeout=10)
        finally:
            for s in sessions:
                s.stop()
            await asyncio.wait_for(asyncio.gather(*tasks), 5)

    asyncio.run(scenario())
    peak = _peak_overlap([(connected_at[a], done_at[a]) for a in done_at])
    return peak, sink, store


def test_a_gateways_sessions_set_up_at_most_the_slots_of_an_adapter_at_once() -> None:
    peak, sink, store = _serve_meters(SetupSlots(per_adapter=2))
    assert peak <= 2
    # Every meter was still served, each record once.
    assert len(sink.measurements()) == METERS * 3
    assert set(store.marks.values()) == {3}


def test_without_shared_slots_every_session_sets_up_at_once() -> None:
    # What the limit prevents (and what the test above would see without it).
    peak, _, _ = _serve_meters(None)
    assert peak > 2


def _one_session(
    slots: SetupSlots, connector: FakeConnector, sink: Collector | None = None
) -> DeviceSession:
    address = "AA:BB:CC:DD:EE:01"
    return DeviceSession(
        address,
        FakeSource(address),
        connector,
        sink or Collector(),
        MemoryHighWaterStore(),
        CONFIG,
        setup_slots=slots,
    )


def test_a_failed_connect_gives_its_slot_back() -> None:
    slots = SetupSlots(per_adapter=1)
    meter = FakeGlucoseMeter([0, 1])
    sink = Collector()

    async def scenario() -> None:
        connector = FakeConnector(meter.link, failures=2, error=LinkError)
        session = _one_session(slots, connector, sink)
        task = asyncio.create_task(session.run())
        try:
            await until(lambda: len(sink.of(RecordTransferEvent)) == 1)
        finally:
            session.stop()
            await asyncio.wait_for(task, 3)
        assert connector.attempts == 3
        # And the slot is free again once the set-up is over.
        slot = await asyncio.wait_for(slots.acquire("hci0"), 1)
        slot.release()

    asyncio.run(scenario())
    assert [m.sequence_number for m in sink.measurements()] == [0, 1]


def test_a_session_waiting_for_a_slot_stops_when_asked() -> None:
    slots = SetupSlots(per_adapter=1)

    async def scenario() -> None:
        held = await slots.acquire("hci0")
        connector = FakeConnector(FakeGlucoseMeter([0]).link)
        session = _one_session(slots, connector)
        task = asyncio.create_task(session.run())
        await asyncio.sleep(0.05)
        assert connector.attempts == 0  # waiting for the slot
        session.stop()
        await asyncio.wait_for(task, 1)
        held.release()
        # The stopped waiter took nothing: the slot is free.
        again = await asyncio.wait_for(slots.acquire("hci0"), 1)
        again.release()

    asyncio.run(scenario())


def test_a_slot_held_too_long_is_given_back_and_adapters_are_separate() -> None:
    slots = SetupSlots(per_adapter=1, hold_limit=0.05)

    async def scenario() -> None:
        first = await slots.acquire("hci0")
        other_adapter = await asyncio.wait_for(slots.acquire("hci1"), 0.01)
        waiting = asyncio.ensure_future(slots.acquire("hci0"))
        await asyncio.sleep(0)
        assert not waiting.done()  # the slot is held
        second = await asyncio.wait_for(waiting, 1)  # until the hold limit gives it back
        first.release()  # late: a no-op, it was given back already
        second.release()
        other_adapter.release()
        third = await asyncio.wait_for(slots.acquire("hci0"), 0.01)
        third.release()

    asyncio.run(scenario())


@pytest.mark.parametrize(("per_adapter", "hold_limit"), [(0, 1.0), (1, 0.0)])
def test_setup_slots_refuse_nonsense(per_adapter: int, hold_limit: float) -> None:
    with pytest.raises(ValueError, match="must be"):
        SetupSlots(per_adapter=per_adapter, hold_limit=hold_limit)
