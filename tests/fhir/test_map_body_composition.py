"""Body Composition Measurement → PHD IG Observations (gateway.fhir.mappers.body_composition).

Expected codes and units are written out by hand from the mapping table (PHD IG notes §7 and
IEEE 11073-10101 SCADA term codes); the IG has no body composition example.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given

from gateway import exact_json
from gateway.fhir.mapper_types import IncompleteMeasurementError
from profiles.body_composition import (
    BodyCompositionMeasurement,
    BodyCompositionReassembler,
    encode_body_composition_packets,
)
from profiles.units import MassUnit
from profiles.weight_scale import WeightMeasurement
from tests.fhir import helpers
from tests.fhir.helpers import mapper, resources
from tests.strategies.body_composition import STRATEGIES

RECEIVED = dt.datetime(2018, 11, 11, 16, 40, tzinfo=dt.UTC)

FULL = BodyCompositionMeasurement(
    body_fat_percentage=Decimal("21.5"),
    timestamp=helpers.STAMP,
    basal_metabolism=6500,
    muscle_percentage=Decimal("40.2"),
    muscle_mass=Decimal("28.150"),
    fat_free_mass=Decimal("55.000"),
    soft_lean_mass=Decimal("52.005"),
    body_water_mass=Decimal("40.100"),
    impedance=Decimal("512.3"),
    weight=Decimal("70.050"),
    height=Decimal("1.750"),
)

# (MDC code, LOINC or None, JSON value text, UCUM) for FULL, in the mapper's order.
EXPECTED = [
    ("188748", None, "21.5", "%"),
    ("188768", None, "6500", "kJ"),
    ("188772", None, "40.2", "%"),
    ("188776", None, "28.150", "kg"),
    ("188756", None, "55.000", "kg"),
    ("188760", None, "52.005", "kg"),
    ("188764", None, "40.100", "kg"),
    ("188780", None, "512.3", "Ohm"),
    ("188736", "29463-7", "70.050", "kg"),
    ("188740", "8302-2", "175.0", "cm"),
]
COMPUTED = {"188748", "188768", "188772", "188776", "188756", "188760", "188764"}


def summary(resource: dict[str, Any]) -> tuple[str, str | None, str, str]:
    codings = resource["code"]["coding"]
    loinc = codings[1]["code"] if len(codings) > 1 else None
    value = resource["valueQuantity"]
    return (codings[0]["code"], loinc, exact_json.dumps(value["value"]), value["code"])


def test_every_field_maps_to_its_code_and_unit() -> None:
    ours = resources(mapper().map(FULL, RECEIVED))
    assert [summary(r) for r in ours] == EXPECTED
    for resource in ours:
        categories = [c["coding"][0]["code"] for c in resource["category"]]
        has_loinc = len(resource["code"]["coding"]) > 1
        assert categories == (["vital-signs", "phd"] if has_loinc else ["phd"])


def test_computed_values_are_derived_from_impedance_weight_and_height() -> None:
    entries = helpers.mapped(mapper().map(FULL, RECEIVED)).entries
    by_code = {e.resource["code"]["coding"][0]["code"]: e for e in entries}
    sources = [{"reference": by_code[code].full_url} for code in ("188780", "188736", "188740")]
    for code, entry in by_code.items():
        if code in COMPUTED:
            assert entry.resource["derivedFrom"] == sources, code
        else:
            assert "derivedFrom" not in entry.resource, code


def test_minimal_measurement_is_body_fat_alone_without_derived_from() -> None:
    (fat,) = resources(mapper().map(BodyCompositionMeasurement(Decimal("18.0")), RECEIVED))
    assert summary(fat) == ("188748", None, "18.0", "%")
    assert "derivedFrom" not in fat
    helpers.assert_only_upload_identifier(fat)  # no time stamp: reception time


def test_imperial_masses_and_height() -> None:
    m = BodyCompositionMeasurement(
        Decimal("20.0"),
        MassUnit.POUND,
        fat_free_mass=Decimal("121.25"),
        weight=Decimal("154.32"),
        height=Decimal("68.9"),
    )
    ours = [summary(r) for r in resources(mapper().map(m, RECEIVED))]
    assert ours == [
        ("188748", None, "20.0", "%"),
        ("188756", None, "121.25", "[lb_av]"),
        ("188736", "29463-7", "154.32", "[lb_av]"),
        ("188740", "8302-2", "68.9", "[in_i]"),
    ]


def test_unsuccessful_body_fat_has_data_absent_reason_and_other_fields_stay() -> None:
    m = BodyCompositionMeasurement(None, impedance=Decimal("500.0"))
    fat, impedance = resources(mapper().map(m, RECEIVED))
    assert fat["dataAbsentReason"]["coding"][0]["code"] == "error"
    assert "valueQuantity" not in fat
    assert summary(impedance) == ("188780", None, "500.0", "Ohm")


def test_one_packet_of_a_multiple_packet_measurement_is_refused() -> None:
    with pytest.raises(IncompleteMeasurementError, match="Reassembler"):
        mapper().map(BodyCompositionMeasurement(Decimal("20.0"), multiple_packet=True), RECEIVED)


def test_reassembled_packets_map_like_the_whole_measurement() -> None:
    packets = encode_body_composition_packets(FULL)
    assert len(packets) == 2
    reassembler = BodyCompositionReassembler()
    assert reassembler.feed(packets[0]) is None
    whole = reassembler.feed(packets[1])
    assert whole is not None
    assert [summary(r) for r in resources(mapper().map(whole, RECEIVED))] == EXPECTED


def test_weight_is_the_same_observation_as_the_weight_scale_reading() -> None:
    m = mapper()
    scale_result = m.map(WeightMeasurement(Decimal("70.050"), timestamp=helpers.STAMP), RECEIVED)
    composition_result = m.map(FULL, RECEIVED)
    composition = resources(composition_result)
    weight = next(r for r in composition if r["code"]["coding"][0]["code"] == "188736")
    assert weight["identifier"] == resources(scale_result)[0]["identifier"]
    # Both in one upload: the bundle carries that weight Observation once.
    bundle = m.bundle([scale_result, composition_result])
    codes = [
        e["resource"].get("code", {}).get("coding", [{}])[0].get("code") for e in bundle["entry"]
    ]
    assert codes.count("188736") == 1
    assert helpers.errors(bundle) == []


def test_bca_specialization_and_bundle_validate() -> None:
    values = [FULL, BodyCompositionMeasurement(None)]
    assert helpers.specializations(mapper(), values, RECEIVED) == ["528404"]


@helpers.GENERATED
@given(STRATEGIES["body-composition-measurement"])
def test_every_generated_body_composition_measurement_gives_one_entry_per_value(
    measurement: Any,
) -> None:
    """(That what maps validates: tests/contract/test_mapping.py.)"""
    assert isinstance(measurement, BodyCompositionMeasurement)
    if measurement.multiple_packet and measurement.user_id != 0xFF:
        with pytest.raises(IncompleteMeasurementError):
            helpers.mapped_for_any_user(measurement, RECEIVED)
        return
    # An unknown user's reading is held back before anything else, fragment or not.
    result = helpers.mapped_for_any_user(measurement, RECEIVED)
    if result is None:
        return
    fields = (
        measurement.basal_metabolism,
        measurement.muscle_percentage,
        measurement.muscle_mass,
        measurement.fat_free_mass,
        measurement.soft_lean_mass,
        measurement.body_water_mass,
        measurement.impedance,
        measurement.weight,
        measurement.height,
    )
    assert len(result.entries) == 1 + sum(v is not None for v in fields)
