"""The pipeline with in-memory stores: what goes to the outbox, what is kept, when it returns."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import structlog.testing

from gateway.ble.events import DecodeFailureEvent, MeasurementEvent, SessionState, SessionStateEvent
from gateway.daemon.pipeline import Pipeline
from gateway.fhir.patient import PatientBinding, PatientId, PatientIdentifier
from gateway.outbox import OutboxFullError
from profiles.date_time import DateTime
from tests.daemon.fakes import ADDRESS, CLOCK, CONNECTED, PHG, FakeKept, FakeOutbox, bp_event, facts

UTC = dt.UTC
BOUND = {
    ADDRESS: PatientBinding(
        PatientId("pat-default"), {1: PatientId("pat-one"), 2: PatientIdentifier("urn:x:y", "7")}
    )
}


def pipeline(
    outbox: FakeOutbox | None = None,
    kept: FakeKept | None = None,
    bindings: dict[str, PatientBinding] | None = None,
) -> Pipeline:
    return Pipeline(
        outbox or FakeOutbox(),
        kept or FakeKept(),
        PHG,
        UTC,
        BOUND if bindings is None else bindings,
    )


def observations(outbox: FakeOutbox) -> list[dict[str, Any]]:
    return [r for r in outbox.resources() if r["resourceType"] == "Observation"]


def has_code(element: dict[str, Any], code: str) -> bool:
    return any(c["code"] == code for c in element["code"]["coding"])


def test_a_bound_reading_goes_to_the_outbox_for_its_patient() -> None:
    outbox, kept = FakeOutbox(), FakeKept()
    asyncio.run(pipeline(outbox, kept)(bp_event(131)))
    assert kept.kept == []
    [(device, _)] = outbox.puts
    assert device == ADDRESS
    [obs] = [o for o in observations(outbox) if has_code(o, "85354-9")]
    assert obs["subject"] == {"reference": "Patient/pat-default"}
    assert obs["effectiveDateTime"] == "2026-03-01T08:30:00+00:00"
    systolic = [c for c in obs["component"] if has_code(c, "8480-6")]
    assert systolic[0]["valueQuantity"]["value"] == Decimal(131)


def test_user_indexes_go_to_their_own_patients() -> None:
    outbox = FakeOutbox()
    run = pipeline(outbox)

    async def both() -> None:
        await run(bp_event(121, user_id=1))
        await run(bp_event(122, user_id=2))

    asyncio.run(both())
    subjects = [o["subject"]["reference"] for o in observations(outbox)]
    assert subjects[0] == "Patient/pat-one"
    patient_entries = [r for r in outbox.resources() if r["resourceType"] == "Patient"]
    assert patient_entries == []  # the Patient rides along as a participant, not an entry
    second = outbox.puts[1][1]
    created = [p.entry.resource for p in second.participants if p.entry is not None]
    assert {"system": "urn:x:y", "value": "7"}.items() <= created[0]["identifier"][0].items()


@pytest.mark.parametrize("user_id", [3, 255])
def test_unbound_user_indexes_are_kept_and_never_attributed(user_id: int) -> None:
    outbox, kept = FakeOutbox(), FakeKept()
    event = bp_event(140, user_id=user_id)
    asyncio.run(pipeline(outbox, kept)(event))
    assert outbox.started == 0
    [reading] = kept.kept
    assert reading.kind == "held-back"
    assert reading.user_index == user_id
    assert reading.raw == event.raw
    assert reading.facts.address == ADDRESS


def test_a_device_without_binding_keeps_readings_without_user_index() -> None:
    outbox, kept = FakeOutbox(), FakeKept()
    asyncio.run(pipeline(outbox, kept, bindings={})(bp_event(118)))
    assert outbox.puts == []
    assert kept.kinds() == ["held-back"]
    assert "no default patient" in kept.kept[0].reason


@dataclasses.dataclass(frozen=True)
class FutureMeasurement:
    """A decoded type no FHIR mapper knows."""

    value: int


def test_measurements_without_a_mapping_are_kept_with_their_bytes() -> None:
    event = MeasurementEvent(
        "future-measurement", 0x2BFF, FutureMeasurement(5), b"\x05", CONNECTED, True, 3, facts()
    )
    outbox, kept = FakeOutbox(), FakeKept()
    asyncio.run(pipeline(outbox, kept)(event))
    assert outbox.started == 0
    assert kept.kinds() == ["unmapped"]
    assert "FutureMeasurement" in kept.kept[0].reason
    assert kept.kept[0].raw == b"\x05"
    assert kept.kept[0].sequence_number == 3
    assert kept.kept[0].stored is True


def test_decode_failures_are_kept() -> None:
    kept = FakeKept()
    failure = DecodeFailureEvent(
        "blood-pressure-measurement", 0x2A35, b"\x1e", "short", CONNECTED, facts()
    )
    asyncio.run(pipeline(kept=kept)(failure))
    assert kept.kinds() == ["decode-failed"]
    assert kept.kept[0].raw == b"\x1e"


def test_a_refused_put_is_kept_and_not_acknowledged() -> None:
    outbox, kept = FakeOutbox(fail=OutboxFullError("outbox full")), FakeKept()
    with pytest.raises(OutboxFullError):
        asyncio.run(pipeline(outbox, kept)(bp_event(150)))
    assert kept.kinds() == ["outbox-failed"]
    assert kept.kept[0].reason == "outbox full"


def test_the_call_returns_only_after_the_put_returned() -> None:
    outbox = FakeOutbox()

    async def scenario() -> None:
        outbox.gate = asyncio.Event()
        call = asyncio.create_task(pipeline(outbox)(bp_event()))
        for _ in range(20):
            await asyncio.sleep(0)
        assert outbox.started == 1
        assert not call.done()  # not acknowledged while the commit is pending
        outbox.gate.set()
        await asyncio.wait_for(call, 2)
        assert len(outbox.puts) == 1

    asyncio.run(scenario())


def test_held_back_readings_are_acknowledged_only_after_they_are_kept() -> None:
    kept = FakeKept()

    async def scenario() -> None:
        kept.gate = asyncio.Event()
        call = asyncio.create_task(pipeline(kept=kept)(bp_event(user_id=9)))
        for _ in range(20):
            await asyncio.sleep(0)
        assert not call.done()
        kept.gate.set()
        await asyncio.wait_for(call, 2)
        assert kept.kinds() == ["held-back"]

    asyncio.run(scenario())


def test_one_mapper_per_connection_dropped_when_it_ends() -> None:
    run = pipeline()

    async def scenario() -> None:
        await run(bp_event(connection=facts(connection=1)))
        await run(bp_event(connection=facts(connection=2)))
        assert run.connections() == 2
        await run(SessionStateEvent(ADDRESS, SessionState.DISCONNECTED))
        assert run.connections() == 0

    asyncio.run(scenario())


def test_clock_offset_is_corrected_with_the_connection_clock_reading() -> None:
    # The device clock runs 10 minutes fast: its 08:40 is the gateway's 08:30.
    fast = dataclasses.replace(
        facts(),
        clock=dataclasses.replace(
            CLOCK,
            device_time=dt.datetime(2026, 3, 1, 9, 10, 0),
            offset=dt.timedelta(minutes=10),
        ),
    )
    outbox = FakeOutbox()
    asyncio.run(pipeline(outbox)(bp_event(stamp=DateTime(2026, 3, 1, 8, 40, 0), connection=fast)))
    assert observations(outbox)[0]["effectiveDateTime"] == "2026-03-01T08:30:00+00:00"


def test_after_a_clock_write_live_values_use_the_new_clock_and_stored_ones_the_old() -> None:
    set_at = CONNECTED + dt.timedelta(seconds=2)
    clock = dataclasses.replace(
        CLOCK,
        device_time=dt.datetime(2026, 3, 1, 9, 10, 0),
        offset=dt.timedelta(minutes=10),
        set_to=set_at,
    )
    connection = dataclasses.replace(facts(), clock=clock)
    outbox = FakeOutbox()
    run = pipeline(outbox)

    async def scenario() -> None:
        # A stored record taken on the old (fast) clock at its 08:40.
        await run(
            bp_event(stamp=DateTime(2026, 3, 1, 8, 40, 0), connection=connection, stored=True)
        )
        # A live reading taken after the write, stamped 09:00:04 on the corrected clock.
        await run(
            bp_event(
                stamp=DateTime(2026, 3, 1, 9, 0, 4),
                connection=connection,
                received_at=CONNECTED + dt.timedelta(seconds=5),
            )
        )

    asyncio.run(scenario())
    times = [o["effectiveDateTime"] for o in observations(outbox) if "component" in o]
    assert times == ["2026-03-01T08:30:00+00:00", "2026-03-01T09:00:04+00:00"]


def _glucose_events() -> tuple[MeasurementEvent, MeasurementEvent]:
    from profiles import glucose as gl

    stamp = DateTime(2026, 3, 1, 8, 30, 0)
    measurement = gl.GlucoseMeasurement(
        7,
        stamp,
        0,
        gl.GlucoseConcentration(Decimal("0.00095")),
        context_information_follows=True,
    )
    context = gl.GlucoseMeasurementContext(7, meal=gl.Meal.PREPRANDIAL)
    received = CONNECTED + dt.timedelta(seconds=5)

    def event(characteristic: Any, value: Any, encode: Any) -> MeasurementEvent:
        return MeasurementEvent(
            characteristic.name,
            characteristic.uuid16,
            value,
            encode(value),
            received,
            True,
            7,
            facts(),
        )

    return (
        event(gl.GLUCOSE_MEASUREMENT, measurement, gl.encode_glucose_measurement),
        event(gl.GLUCOSE_MEASUREMENT_CONTEXT, context, gl.encode_glucose_measurement_context),
    )


def test_a_context_before_its_measurement_waits_then_goes_with_it() -> None:
    outbox, kept = FakeOutbox(), FakeKept()
    measurement, context = _glucose_events()
    p = pipeline(outbox, kept)

    async def scenario() -> None:
        await p(context)  # overtook its measurement
        assert kept.kinds() == ["awaiting-join"]
        assert outbox.puts == []
        await p(measurement)

    asyncio.run(scenario())
    assert kept.kept == []  # stored with its measurement: no longer waiting
    meals = [o for o in observations(outbox) if has_code(o, "8417864")]
    assert len(meals) == 1
    assert [o for o in observations(outbox) if has_code(o, "160184")]


def test_a_waiting_value_stored_with_its_measurement_is_logged_as_itself() -> None:
    """One ``reading_stored`` line per characteristic stored (what the backlog bench counts):
    the context that waited is not counted as a second glucose measurement."""
    measurement, context = _glucose_events()
    p = pipeline()

    async def scenario() -> None:
        await p(context)
        await p(measurement)

    with structlog.testing.capture_logs() as logs:
        asyncio.run(scenario())
    stored = [e["characteristic"] for e in logs if e["event"] == "reading_stored"]
    assert sorted(stored) == sorted([measurement.characteristic, context.characteristic])
