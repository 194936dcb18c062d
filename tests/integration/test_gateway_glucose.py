"""The gateway's incremental RACP fetch end to end over the test bus: HealthScanner +
DeviceSession on hci0 against the simulated glucose meter on hci1.

What must hold whatever the meter does: every stored record reaches the consumer exactly once,
byte for byte what the meter sent, and the high-water mark advances only past acknowledged
records; a dropped link, a killed meter, a malformed value or an RACP error response stops
neither the session nor the process."""

from __future__ import annotations

import asyncio
import collections
from pathlib import Path

import pytest

from gateway.ble.events import MeasurementEvent
from gateway.ble.highwater import MemoryHighWaterStore
from profiles import glucose as gl
from simulators.runner import Event, SimulatorProcess

from .conftest import StartSimulator
from .gateway_run import Gateway, Sink, serve, until

pytestmark = pytest.mark.integration

MODULE = "simulators.glucose"
NAME = "PHG-GLUCOSE"
GM = gl.GLUCOSE_MEASUREMENT
GMC = gl.GLUCOSE_MEASUREMENT_CONTEXT


def values_of(records: list[Event], uuid16: int) -> dict[int, bytes]:
    """Sequence number -> the value of ``uuid16`` the simulator stores for it."""
    uuid = f"0000{uuid16:04x}-0000-1000-8000-00805f9b34fb"
    return {
        r["sequence"]: bytes.fromhex(value)
        for r in records
        for u, value in r["values"]
        if u == uuid
    }


def measured(sink: Sink, max_connection: int | None = None) -> list[MeasurementEvent]:
    return [
        m
        for m in sink.measurements(GM.uuid16)
        if max_connection is None or m.connection.connection_number <= max_connection
    ]


def assert_exactly_once(events: list[MeasurementEvent], expected: dict[int, bytes]) -> None:
    sequences = [m.sequence_number for m in events]
    duplicates = [s for s, n in collections.Counter(sequences).items() if n > 1]
    assert duplicates == []
    assert sorted(s for s in sequences if s is not None) == sorted(expected)
    for m in events:
        assert m.sequence_number is not None
        assert m.raw == expected[m.sequence_number]
        assert m.value == gl.decode_glucose_measurement(expected[m.sequence_number])
        assert m.stored


def test_three_connections_fetch_every_record_exactly_once(
    start_simulator: StartSimulator,
) -> None:
    sim = start_simulator(
        MODULE,
        [
            *("--records", "4", "--seed", "21"),
            *("--add-records-per-connection", "2", "--disconnect-after", "0.2"),
        ],
    )
    store = MemoryHighWaterStore()

    sink, _ = serve(NAME, lambda s: len(s.transfers()) >= 3, store=store)
    added = [sim.wait_for("records-added") for _ in range(2)]
    records = sim.ready["records"] + added[0]["records"] + added[1]["records"]
    assert len(records) == 8

    got = measured(sink, max_connection=3)
    assert_exactly_once(got, values_of(records, GM.uuid16))
    assert [m.connection.connection_number for m in got] == [1] * 4 + [2] * 2 + [3] * 2
    contexts = [m for m in sink.measurements(GMC.uuid16) if m.connection.connection_number <= 3]
    expected_contexts = values_of(records, GMC.uuid16)
    assert expected_contexts  # the seed gives some records a context
    assert {m.sequence_number: m.raw for m in contexts} == expected_contexts
    assert len(contexts) == len(expected_contexts)

    # Transfer record counts include the contexts: compare outcomes and marks.
    transfers = sink.transfers()[:3]
    assert [t.outcome for t in transfers] == ["complete"] * 3
    assert [(t.requested_from, t.next_sequence) for t in transfers] == [
        (None, 5),
        (5, 7),
        (7, 9),
    ]
    assert store.marks[sim.ready["address"]] >= 9


def test_records_the_racp_response_overtook_are_fetched_exactly_once(
    start_simulator: StartSimulator,
) -> None:
    # bluetoothd sends a pending indication before queued notifications: the RACP response
    # can overtake the records (docs/real-bluez.md, finding 3). They must still count as
    # stored ones, or the next connection asks for all of them again.
    sim = start_simulator(
        MODULE,
        [
            *("--records", "4", "--seed", "21", "--response-first"),
            *("--add-records-per-connection", "2", "--disconnect-after", "0.2"),
        ],
    )
    store = MemoryHighWaterStore()

    async def scenario() -> Sink:
        async with Gateway([NAME], store=store) as gw:
            await until(lambda: len(gw.sink.transfers()) >= 2)
        return gw.sink

    sink = asyncio.run(scenario())
    added = sim.wait_for("records-added")
    records = sim.ready["records"] + added["records"]

    got = measured(sink, max_connection=2)
    assert_exactly_once(got, values_of(records, GM.uuid16))
    assert [m.connection.connection_number for m in got] == [1] * 4 + [2] * 2
    contexts = [m for m in sink.measurements(GMC.uuid16) if m.connection.connection_number <= 2]
    assert {m.sequence_number: m.raw for m in contexts} == values_of(records, GMC.uuid16)
    assert len(contexts) == len(values_of(records, GMC.uuid16))
    assert all(m.stored for m in contexts)
    transfers = sink.transfers()[:2]
    assert [(t.outcome, t.requested_from, t.next_sequence) for t in transfers] == [
        ("complete", None, 5),
        ("complete", 5, 7),
    ]
    assert store.marks[sim.ready["address"]] >= 7


def test_link_dropped_mid_transfer_resumes_without_loss_or_duplicates(
    start_simulator: StartSimulator,
) -> None:
    sim = start_simulator(MODULE, ["--records", "6", "--seed", "4", "--drop-after", "3"])
    store = MemoryHighWaterStore()

    async def scenario() -> Sink:
        async with Gateway([NAME], store=store) as gw:
            await until(lambda: any(t.outcome == "complete" for t in gw.sink.transfers()))
        return gw.sink

    sink = asyncio.run(scenario())
    sim.wait_for("device-disconnect")
    assert_exactly_once(measured(sink), values_of(sim.ready["records"], GM.uuid16))
    first, second = sink.transfers()[:2]
    assert (first.outcome, first.next_sequence) == ("disconnected", 4)
    assert (second.outcome, second.requested_from) == ("complete", 4)
    assert [m.connection.connection_number for m in measured(sink)] == [1] * 3 + [2] * 3
    assert store.marks[sim.ready["address"]] == 7


def test_meter_killed_mid_transfer_is_resumed_after_restart(
    start_simulator: StartSimulator, tmp_path: Path
) -> None:
    args = ["--records", "30", "--seed", "8", "--pace", "0.03", "--memory", str(tmp_path / "m")]
    first = start_simulator(MODULE, args)
    expected = values_of(first.ready["records"], GM.uuid16)
    store = MemoryHighWaterStore()
    restarted: list[SimulatorProcess] = []

    async def scenario() -> Sink:
        async with Gateway([NAME], store=store) as gw:
            await until(lambda: len(measured(gw.sink)) >= 5)
            first.kill()  # SIGKILL: no unregistration, the link just dies
            await until(lambda: any(t.outcome == "disconnected" for t in gw.sink.transfers()))
            restarted.append(await asyncio.to_thread(start_simulator, MODULE, args))
            # The gateway may first reach the killed meter's stale object on the bus: its steps
            # time out one by one (step_timeout each) before it reconnects to the restarted
            # meter. The bound only stops a hang.
            await until(
                lambda: any(t.outcome == "complete" for t in gw.sink.transfers()), timeout=90
            )
        return gw.sink

    sink = asyncio.run(scenario())
    # The restarted meter kept its memory: the same records, byte for byte.
    assert values_of(restarted[0].ready["records"], GM.uuid16) == expected
    assert_exactly_once(measured(sink), expected)
    interrupted = sink.transfers()[0]
    assert interrupted.outcome == "disconnected"
    before_kill = [m for m in measured(sink) if m.connection.connection_number == 1]
    assert 5 <= len(before_kill) < 30
    assert interrupted.next_sequence == len(before_kill) + 1
    assert store.marks[first.ready["address"]] == 31


def test_malformed_values_stop_neither_the_session_nor_the_fetch(
    start_simulator: StartSimulator,
) -> None:
    sim = start_simulator(
        MODULE,
        ["--records", "6", "--seed", "5", "--malformed-every", "3", "--disconnect-after", "0.2"],
    )
    store = MemoryHighWaterStore()

    sink, session = serve(NAME, lambda s: len(s.transfers()) >= 2, store=store)
    malformed = [sim.wait_for("malformed")["sequence"] for _ in range(2)]
    assert malformed == [3, 6]
    failures = sink.decode_failures()
    assert [f.characteristic for f in failures] == [GM.name, GM.name]
    assert all(len(f.raw) == 6 for f in failures)
    assert session.stats.decode_errors == 2
    expected = values_of(sim.ready["records"], GM.uuid16)
    first = [m for m in measured(sink) if m.connection.connection_number == 1]
    assert [m.raw for m in first] == [expected[s] for s in (1, 2, 4, 5)]
    # The session went on: a second connection asked from the mark the first one left. (The
    # corrupted measurements are not fetched again: records after them, and record 6's own
    # context, were acknowledged; the decode failure events are their trace.)
    first_transfer, second = sink.transfers()[:2]
    assert first_transfer.outcome == "complete"
    assert second.requested_from == first_transfer.next_sequence
    assert second.outcome in ("complete", "no-records")


def test_no_records_found_leaves_the_mark_alone(start_simulator: StartSimulator) -> None:
    sim = start_simulator(MODULE, ["--records", "3", "--seed", "6"])
    address = sim.ready["address"]
    store = MemoryHighWaterStore({address: 4})  # everything fetched before

    sink, _ = serve(NAME, lambda s: len(s.transfers()) >= 1, store=store)
    transfer = sink.transfers()[0]
    assert (transfer.outcome, transfer.records, transfer.requested_from) == ("no-records", 0, 4)
    assert measured(sink) == []
    assert store.marks[address] == 4
    count = sim.wait_for("racp-response")
    assert count["value"] == "05000000"  # number of stored records (>= 4): none
    response = sim.wait_for("racp-response")
    assert response["value"] == "06000106"  # response code: report stored records, no records


def test_procedure_not_completed_keeps_what_was_acknowledged(
    start_simulator: StartSimulator,
) -> None:
    sim = start_simulator(MODULE, ["--records", "5", "--seed", "7", "--fail-after", "2"])
    store = MemoryHighWaterStore()

    sink, session = serve(NAME, lambda s: len(s.transfers()) >= 1, store=store)
    assert sim.wait_for("racp-response")["value"] == "05000500"  # the count: 5 records
    assert sim.wait_for("racp-response")["value"] == "06000108"  # procedure not completed
    transfer = sink.transfers()[0]
    assert (transfer.outcome, transfer.next_sequence) == ("failed", 3)
    expected = values_of(sim.ready["records"], GM.uuid16)
    assert [m.raw for m in measured(sink)] == [expected[1], expected[2]]
    assert store.marks[sim.ready["address"]] == 3
    assert session.stats.decode_errors == 0


def test_contour_quirk_asks_from_zero_instead_of_all_records(
    start_simulator: StartSimulator,
) -> None:
    sim = start_simulator(MODULE, ["--records", "3", "--seed", "9", "--contour"])

    sink, _ = serve(NAME, lambda s: len(s.transfers()) >= 1)
    transfer = sink.transfers()[0]
    assert transfer.outcome == "complete"
    got = measured(sink)
    assert_exactly_once(got, values_of(sim.ready["records"], GM.uuid16))
    assert "contour-racp-all-records" in got[0].connection.quirks
    # ">= sequence 0" (op 1, operator 3, filter type 1, 0x0000), never "all records"; its
    # count first (op 4) with the same filter.
    assert sim.wait_for("racp-request")["value"] == "0403010000"
    assert sim.wait_for("racp-request")["value"] == "0103010000"
    assert not [e for e in sim.drain() + sim.events if e["event"] == "quirk-disconnect"]
