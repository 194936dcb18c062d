"""Glucose Measurement + Context → PHD IG: codes, exact unit conversion, status bits, the
context join (after, before, without its measurement), golden examples, validation."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import given

from gateway.fhir.connection import HeldBack, Mapped, Skipped
from gateway.fhir.mappers.glucose import status_bits
from profiles import glucose as gl
from profiles.date_time import DateTime
from profiles.ieee11073 import SpecialValue
from tests.fhir.helpers import GENERATED, errors, golden, mapped, mapper, resources
from tests.strategies.glucose import STRATEGIES

RECEIVED = dt.datetime(2018, 11, 11, 16, 40, tzinfo=dt.UTC)
MDC = "urn:iso:std:iso:11073:10101"


def glucose(**overrides: Any) -> gl.GlucoseMeasurement:
    values: dict[str, Any] = {
        "sequence_number": 7,
        "base_time": DateTime(2018, 11, 11, 11, 30, 0),
        "time_offset_minutes": 5,
        "concentration": gl.GlucoseConcentration(
            Decimal("0.00099"), type=gl.GlucoseType.UNDETERMINED_PLASMA
        ),
    }
    values.update(overrides)
    return gl.GlucoseMeasurement(**values)


def code_of(resource: dict[str, Any]) -> str:
    return str(resource["code"]["coding"][0]["code"])


def test_kg_per_l_becomes_mg_per_dl_exactly_with_precision() -> None:
    obs = resources(mapper().map(glucose(), RECEIVED))[0]
    assert code_of(obs) == "160368"
    assert obs["valueQuantity"]["code"] == "mg/dL"
    assert str(obs["valueQuantity"]["value"]) == "99"
    c = gl.GlucoseConcentration(Decimal("0.001230"), type=gl.GlucoseType.CAPILLARY_WHOLE_BLOOD)
    obs = resources(mapper().map(glucose(concentration=c), RECEIVED))[0]
    assert code_of(obs) == "160184"
    assert str(obs["valueQuantity"]["value"]) == "123.0"


def test_mol_per_l_becomes_mmol_per_l_exactly() -> None:
    c = gl.GlucoseConcentration(
        Decimal("0.00550"), gl.GlucoseConcentrationUnit.MOLE_PER_LITRE, gl.GlucoseType.VENOUS_PLASMA
    )
    obs = resources(mapper().map(glucose(concentration=c), RECEIVED))[0]
    assert (code_of(obs), obs["valueQuantity"]["code"]) == ("160196", "mmol/L")
    assert str(obs["valueQuantity"]["value"]) == "5.50"


def test_time_is_base_time_plus_offset_with_identifier() -> None:
    obs = resources(mapper().map(glucose(), RECEIVED))[0]
    assert obs["effectiveDateTime"] == "2018-11-11T11:35:00-05:00"
    # 2000-01-01 → 2018-11-11: 18 × 365 + 5 leap days + 314 = 6889 days = 595209600 s;
    # + 11:35:00 (41700 s) = 595251300
    assert obs["identifier"][0]["value"].endswith("-160368-595251300")


def test_sample_location_is_a_component() -> None:
    obs = resources(mapper().map(glucose(), RECEIVED))[0]
    assert obs["component"] == [
        {
            "code": {
                "coding": [
                    {"system": MDC, "code": "8417844", "display": "MDC_CTXT_GLU_SAMPLELOCATION"}
                ]
            },
            "valueCodeableConcept": {
                "coding": [
                    {
                        "system": MDC,
                        "code": "8417848",
                        "display": "MDC_CTXT_GLU_SAMPLELOCATION_FINGER",
                    }
                ]
            },
        }
    ]
    c = gl.GlucoseConcentration(Decimal("0.001"), sample_location=gl.SampleLocation.NOT_AVAILABLE)
    assert "component" not in resources(mapper().map(glucose(concentration=c), RECEIVED))[0]


def test_status_bits_keep_bluetooth_numbering_by_meaning() -> None:
    assert status_bits(gl.SensorStatusAnnunciation.DEVICE_BATTERY_LOW) == [0]
    assert status_bits(gl.SensorStatusAnnunciation.GENERAL_DEVICE_FAULT) == [10]
    assert status_bits(gl.SensorStatusAnnunciation.TIME_FAULT) == []
    status = (
        gl.SensorStatusAnnunciation.SENSOR_TEMPERATURE_TOO_LOW
        | gl.SensorStatusAnnunciation.TIME_FAULT
    )
    obs = resources(mapper().map(glucose(sensor_status=status), RECEIVED))
    assert len(obs) == 2
    assert [c["code"]["coding"][0]["code"] for c in obs[1]["component"]] == ["8417752.8"]
    assert obs[1]["derivedFrom"] == [
        {"reference": mapped(mapper().map(glucose(), RECEIVED)).entries[0].full_url}
    ]
    assert "time fault" in obs[0]["note"][0]["text"]


def test_control_solution_is_skipped() -> None:
    c = gl.GlucoseConcentration(Decimal("0.001"), type=gl.GlucoseType.CONTROL_SOLUTION)
    assert isinstance(mapper().map(glucose(concentration=c), RECEIVED), Skipped)
    c = gl.GlucoseConcentration(
        Decimal("0.001"), sample_location=gl.SampleLocation.CONTROL_SOLUTION
    )
    assert isinstance(mapper().map(glucose(concentration=c), RECEIVED), Skipped)


def test_special_value_is_a_data_absent_reason() -> None:
    c = gl.GlucoseConcentration(SpecialValue.POSITIVE_INFINITY)
    obs = resources(mapper().map(glucose(concentration=c), RECEIVED))[0]
    assert obs["dataAbsentReason"]["coding"][0]["code"] == "positive-infinity"


FULL_CONTEXT = gl.GlucoseMeasurementContext(
    7,
    carbohydrate=gl.Carbohydrate(gl.CarbohydrateId.LUNCH, Decimal("0.050")),
    meal=gl.Meal.POSTPRANDIAL,
    tester_health=gl.TesterHealth(gl.Tester.SELF, gl.Health.NO_HEALTH_ISSUES),
    exercise=gl.Exercise(0xFFFF, 80),
    medication=gl.Medication(
        gl.MedicationId.RAPID_ACTING_INSULIN, Decimal("0.0050"), gl.MedicationUnit.LITRE
    ),
    hba1c_percent=Decimal("6.5"),
)


def test_context_after_measurement_derives_from_it() -> None:
    m = mapper()
    first = mapped(m.map(glucose(), RECEIVED))
    later = mapped(m.map(FULL_CONTEXT, RECEIVED + dt.timedelta(seconds=1)))
    glucose_url = first.entries[0].full_url
    assert later.entries[0].full_url == glucose_url  # re-sent so derivedFrom always resolves
    context = [e.resource for e in later.entries[1:]]
    by_code = {code_of(r): r for r in context}
    assert set(by_code) == {
        "8417864",
        "8417884",
        "8417820",
        "8417772",
        "8417760",
        "8417800",
        "160220",
    }
    for r in context:
        assert r["derivedFrom"] == [{"reference": glucose_url}]
        assert r["effectiveDateTime"] == "2018-11-11T11:35:00-05:00"
    assert by_code["8417864"]["valueCodeableConcept"]["coding"][0]["code"] == "8417872"
    assert by_code["8417884"]["valueCodeableConcept"]["coding"][0]["code"] == "8417888"
    assert by_code["8417820"]["valueCodeableConcept"]["coding"][0]["code"] == "8417840"
    assert (
        str(by_code["8417772"]["valueQuantity"]["value"]),
        by_code["8417772"]["valueQuantity"]["code"],
    ) == ("50", "g")
    assert (
        str(by_code["8417800"]["valueQuantity"]["value"]),
        by_code["8417800"]["valueQuantity"]["code"],
    ) == ("5.0", "mL")
    duration = by_code["8417760"]["component"][0]["valueQuantity"]
    assert (duration["comparator"], duration["value"], duration["code"]) == (">", 65534, "s")
    bundle = m.bundle([first, later])
    assert errors(bundle) == []
    urls = [e["fullUrl"] for e in bundle["entry"]]
    assert len(urls) == len(set(urls))


def test_context_before_measurement_waits_and_joins_when_mapped_again() -> None:
    m = mapper()
    context = gl.GlucoseMeasurementContext(7, meal=gl.Meal.FASTING)
    held = m.map(context, RECEIVED)
    assert isinstance(held, HeldBack)
    assert held.waiting
    # The mapper keeps nothing of a waiting context: its holder maps it again later.
    assert [code_of(r) for r in resources(m.map(glucose(), RECEIVED))] == ["160368"]
    out = resources(m.map(context, RECEIVED))
    assert [code_of(r) for r in out] == ["160368", "8417864"]
    assert out[1]["valueCodeableConcept"]["coding"][0]["code"] == "8417876"


def test_context_without_measurement_stays_held_back() -> None:
    m = mapper()
    m.map(glucose(sequence_number=1), RECEIVED)
    result = m.map(gl.GlucoseMeasurementContext(2, meal=gl.Meal.FASTING), RECEIVED)
    assert isinstance(result, HeldBack)
    assert "2" in result.reason
    # a new connection knows nothing of the earlier one
    assert isinstance(mapper().map(gl.GlucoseMeasurementContext(1), RECEIVED), HeldBack)


def test_glucose_matches_ig_example() -> None:
    ig = golden("glucose-observation.json")
    c = gl.GlucoseConcentration(Decimal("0.00099"), type=gl.GlucoseType.UNDETERMINED_PLASMA)
    m = glucose(
        base_time=DateTime(2018, 11, 11, 11, 38, 15), time_offset_minutes=None, concentration=c
    )
    ours = resources(mapper().map(m, RECEIVED))[0]
    for key in ("meta", "status", "category", "valueQuantity"):
        assert ours[key] == ig[key]
    assert ours["code"]["coding"] == ig["code"]["coding"]
    # Not compared: the example's Confidence95 extension (Bluetooth sends none) and its time.


def test_meal_context_matches_ig_example() -> None:
    ig = golden("meal-context-observation.json")
    m = mapper()
    m.map(glucose(), RECEIVED)
    ours = resources(m.map(gl.GlucoseMeasurementContext(7, meal=gl.Meal.POSTPRANDIAL), RECEIVED))[1]
    for key in ("meta", "status", "category"):
        assert ours[key] == ig[key]
    assert ours["code"]["coding"] == ig["code"]["coding"]
    assert ours["valueCodeableConcept"]["coding"] == ig["valueCodeableConcept"]["coding"]
    # The example has no derivedFrom (the notes' rule adds it) and a v1 identifier.


@GENERATED
@given(STRATEGIES["glucose-measurement"], STRATEGIES["glucose-measurement-context"])
def test_every_generated_context_joins_its_measurement_into_valid_resources(
    measurement: Any, context: Any
) -> None:
    """A context with the sequence number of a measurement before it (what the contract test,
    tests/contract/test_mapping.py, cannot generate)."""
    m = mapper()
    result = m.map(measurement, RECEIVED)
    if isinstance(result, Skipped):  # control solution, deliberately not uploaded
        return
    ctx = gl.GlucoseMeasurementContext(
        measurement.sequence_number,
        *[
            getattr(context, f)
            for f in (
                "extended_flags",
                "carbohydrate",
                "meal",
                "tester_health",
                "exercise",
                "medication",
                "hba1c_percent",
            )
        ],
    )
    joined = m.map(ctx, RECEIVED)
    assert isinstance(joined, Mapped)
    for entry in joined.entries:
        assert errors(entry.resource) == [], entry.resource
