"""Weight Measurement → PHD IG Observations (gateway.fhir.mappers.weight_scale).

Expected codes and units are the IG's (PHD IG 2.0.0 Bluetooth mapping, R4 vital signs), written
out here by hand; the IG has no weight example to compare with.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from hypothesis import given

from gateway import exact_json
from gateway.fhir.connection import HeldBack
from gateway.fhir.patient import PatientBinding, PatientIdentifier
from profiles.units import MassUnit
from profiles.weight_scale import WeightMeasurement, WeightScaleFeature, decode_weight_measurement
from tests.fhir import helpers
from tests.fhir.helpers import PATIENT, mapper, resources
from tests.strategies.weight_scale import STRATEGIES

RECEIVED = dt.datetime(2018, 11, 11, 16, 40, tzinfo=dt.UTC)
MDC = "urn:iso:std:iso:11073:10101"
LOINC = "http://loinc.org"
OTHER = PatientIdentifier("urn:oid:2.999.1.2.3.4.5.6.7.8.10", "otherId")


def codings(resource: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["system"], c["code"]) for c in resource["code"]["coding"]]


def wire(resource: dict[str, Any]) -> dict[str, Any]:
    """The resource as the server receives it (exact numbers kept as JSON text)."""
    parsed: dict[str, Any] = json.loads(exact_json.dumps(resource), parse_float=Decimal)
    return parsed


def weighing(**overrides: Any) -> WeightMeasurement:
    values: dict[str, Any] = {
        "weight": Decimal("70.050"),
        "timestamp": helpers.STAMP,
        "bmi": Decimal("22.9"),
        "height": Decimal("1.750"),
    }
    values.update(overrides)
    return WeightMeasurement(**values)


def test_weight_height_bmi_in_si_units() -> None:
    weight, height, bmi = resources(mapper().map(weighing(), RECEIVED))
    assert codings(weight) == [(MDC, "188736"), (LOINC, "29463-7")]
    assert codings(height) == [(MDC, "188740"), (LOINC, "8302-2")]
    assert codings(bmi) == [(MDC, "188752"), (LOINC, "39156-5")]
    for resource in (weight, height, bmi):
        assert resource["meta"]["profile"] == [
            "http://hl7.org/fhir/uv/phd/StructureDefinition/PhdNumericObservation"
        ]
        assert [c["coding"][0]["code"] for c in resource["category"]] == ["vital-signs", "phd"]
        assert resource["effectiveDateTime"] == "2018-11-11T11:38:15-05:00"
    assert exact_json.dumps(weight["valueQuantity"]) == (
        '{"value":70.050,"unit":"kg","system":"http://unitsofmeasure.org","code":"kg"}'
    )
    # 1.750 m is sent as 175.0 cm: metres x 100 exactly, the precision kept.
    assert exact_json.dumps(height["valueQuantity"]["value"]) == "175.0"
    assert height["valueQuantity"]["code"] == "cm"
    assert wire(bmi)["valueQuantity"]["value"] == Decimal("22.9")
    assert bmi["valueQuantity"]["code"] == "kg/m2"


def test_bmi_is_derived_from_the_weight_and_height_of_the_same_measurement() -> None:
    entries = helpers.mapped(mapper().map(weighing(), RECEIVED)).entries
    weight, height, bmi = entries
    assert bmi.resource["derivedFrom"] == [
        {"reference": weight.full_url},
        {"reference": height.full_url},
    ]
    assert "derivedFrom" not in weight.resource
    assert "derivedFrom" not in height.resource
    assert len({e.full_url for e in entries}) == 3
    idents = [e.resource["identifier"][0]["value"] for e in entries]
    assert [i.split("-")[-2] for i in idents] == ["188736", "188740", "188752"]


def test_imperial_units_are_sent_as_measured() -> None:
    m = weighing(
        weight=Decimal("154.32"),
        mass_unit=MassUnit.POUND,
        bmi=Decimal("22.8"),
        height=Decimal("68.9"),
    )
    weight, height, _bmi = resources(mapper().map(m, RECEIVED))
    assert weight["valueQuantity"]["code"] == "[lb_av]"
    assert exact_json.dumps(weight["valueQuantity"]["value"]) == "154.32"
    assert height["valueQuantity"]["code"] == "[in_i]"
    assert exact_json.dumps(height["valueQuantity"]["value"]) == "68.9"


def test_declared_resolution_sets_the_decimals() -> None:
    raw = bytes.fromhex("00") + (14000).to_bytes(2, "little")  # 14000 x 0.005 kg = 70 kg
    feature = WeightScaleFeature(weight_resolution=3)  # 0.1 kg
    m = decode_weight_measurement(raw, feature=feature)
    (weight,) = resources(mapper().map(m, RECEIVED))
    assert exact_json.dumps(weight["valueQuantity"]["value"]) == "70.0"


def test_weight_alone_gives_one_observation() -> None:
    result = mapper().map(weighing(bmi=None, height=None), RECEIVED)
    assert [codings(r)[0][1] for r in resources(result)] == ["188736"]


def test_unsuccessful_weighing_is_recorded_with_data_absent_reason() -> None:
    weight, height, bmi = resources(mapper().map(weighing(weight=None), RECEIVED))
    for resource in (weight, bmi):
        assert "valueQuantity" not in resource
        assert resource["dataAbsentReason"]["coding"][0]["code"] == "error"
    assert exact_json.dumps(height["valueQuantity"]["value"]) == "175.0"
    assert helpers.errors(weight) == []
    assert helpers.errors(bmi) == []


def test_user_index_selects_the_bound_patient() -> None:
    m = mapper(patients=PatientBinding(PATIENT, {1: PATIENT, 2: OTHER}))
    result = helpers.mapped(m.map(weighing(user_id=2), RECEIVED))
    (patient,) = [
        p for p in result.participants if p.entry and p.entry.resource["resourceType"] == "Patient"
    ]
    assert patient.entry is not None
    assert patient.entry.resource["identifier"][0]["value"] == "otherId"
    for entry in result.entries:
        assert entry.resource["subject"] == {"reference": patient.reference}
        assert "otherId" in entry.resource["identifier"][0]["value"]


def test_unbound_and_unknown_users_are_held_back() -> None:
    m = mapper(patients=PatientBinding(PATIENT, {1: PATIENT}))
    for user in (2, 0xFF):
        result = m.map(weighing(user_id=user), RECEIVED)
        assert isinstance(result, HeldBack)
        assert result.user_index == user


def test_scale_specialization_and_bundle_validate() -> None:
    values = [weighing(), weighing(weight=None)]
    assert helpers.specializations(mapper(), values, RECEIVED) == ["528399"]


@helpers.GENERATED
@given(STRATEGIES["weight-measurement"])
def test_every_generated_weight_measurement_gives_weight_and_bmi_entries(measurement: Any) -> None:
    """(That what maps validates: tests/contract/test_mapping.py.)"""
    assert isinstance(measurement, WeightMeasurement)
    result = helpers.mapped_for_any_user(measurement, RECEIVED)
    if result is None:
        return
    assert len(result.entries) == (1 if measurement.bmi is None else 3)
