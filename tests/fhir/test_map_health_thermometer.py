"""Temperature Measurement → PHD IG Observation (gateway.fhir.mappers.health_thermometer).

Golden comparison with the IG's ``temperature-observation.json`` (tests/fixtures/phd-ig-golden,
copied unchanged from HL7/phd input/examples). Differences that are not PHG defects, so not
compared: the example's Confidence95 and Accuracy extensions (a Bluetooth thermometer sends
neither), its ``unit`` display text "C" (PHG repeats the UCUM code "Cel"), its ``code.text``
and resource/reference ids.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings

from gateway import exact_json
from gateway.fhir.connection import Mapped, Skipped
from gateway.fhir.mappers.health_thermometer import with_static_type
from gateway.fhir.timeline import DeviceClock, WallClockStamp
from profiles.date_time import DateTime
from profiles.health_thermometer import (
    IntermediateTemperature,
    TemperatureMeasurement,
    TemperatureType,
    TemperatureTypeValue,
)
from profiles.ieee11073 import SpecialValue
from profiles.units import TemperatureUnit
from tests.fhir.helpers import GENERATED, errors, golden, mapper, resources, specializations
from tests.fhir.test_golden import frame
from tests.strategies.health_thermometer import STRATEGIES

# The example's moment: 2025-01-08 19:07:48 New York time, PHD and gateway clocks agreeing.
EXAMPLE_CLOCK = DeviceClock(
    read_at=dt.datetime(2025, 1, 9, 0, 7, 48, tzinfo=dt.UTC),
    device_now=WallClockStamp(dt.datetime(2025, 1, 8, 19, 7, 48)),
)
EXAMPLE_STAMP = DateTime(2025, 1, 8, 19, 7, 48)
RECEIVED = dt.datetime(2025, 1, 9, 0, 10, tzinfo=dt.UTC)
IG_ONLY_EXTENSIONS = {
    "http://hl7.org/fhir/uv/phd/StructureDefinition/Confidence95",
    "http://hl7.org/fhir/uv/phd/StructureDefinition/Accuracy",
}


def temperature(**overrides: Any) -> TemperatureMeasurement:
    values: dict[str, Any] = {"temperature": Decimal("36.5"), "timestamp": EXAMPLE_STAMP}
    values.update(overrides)
    return TemperatureMeasurement(**values)


def one(measurement: object) -> dict[str, Any]:
    (resource,) = resources(mapper(clock=EXAMPLE_CLOCK).map(measurement, RECEIVED))
    return resource


def test_matches_ig_temperature_example() -> None:
    ours = one(temperature())
    ig = golden("temperature-observation.json")
    ours_frame, ig_frame = frame(ours), frame(ig)
    assert set(ig_frame.pop("extensions")) - set(ours_frame.pop("extensions")) == (
        IG_ONLY_EXTENSIONS
    )
    assert ours_frame == ig_frame
    value, ig_value = ours["valueQuantity"], ig["valueQuantity"]
    assert (value["system"], value["code"]) == (ig_value["system"], ig_value["code"])
    assert Decimal(exact_json.dumps(value["value"])) == Decimal(str(ig_value["value"]))
    assert [(c["code"], c.get("display")) for c in ours["code"]["coding"]] == [
        (c["code"], c.get("display")) for c in ig["code"]["coding"]
    ]


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        (TemperatureType.ARMPIT, "188452"),
        (TemperatureType.BODY, "150364"),
        (TemperatureType.EAR, "188428"),
        (TemperatureType.FINGER, "188432"),
        (TemperatureType.GASTROINTESTINAL_TRACT, "188456"),
        (TemperatureType.MOUTH, "188424"),
        (TemperatureType.RECTUM, "188420"),
        (TemperatureType.TOE, "188448"),
        (TemperatureType.TYMPANUM, "150392"),
        (None, "150364"),
        (0, "150364"),
        (10, "150364"),
        (255, "150364"),
    ],
)
def test_site_selects_the_code_and_loinc_is_always_body_temperature(
    kind: TemperatureType | int | None, code: str
) -> None:
    resource = one(temperature(temperature_type=kind))
    assert [(c["system"], c["code"]) for c in resource["code"]["coding"]] == [
        ("urn:iso:std:iso:11073:10101", code),
        ("http://loinc.org", "8310-5"),
    ]
    assert resource["identifier"][0]["value"].split("-")[-2] == code
    assert errors(resource) == []


def test_fahrenheit_is_sent_as_measured() -> None:
    resource = one(temperature(temperature=Decimal("97.70"), unit=TemperatureUnit.FAHRENHEIT))
    assert exact_json.dumps(resource["valueQuantity"]) == (
        '{"value":97.70,"unit":"[degF]","system":"http://unitsofmeasure.org","code":"[degF]"}'
    )


@pytest.mark.parametrize(
    ("special", "reason"),
    [
        (SpecialValue.NAN, "not-a-number"),
        (SpecialValue.NRES, "error"),
        (SpecialValue.POSITIVE_INFINITY, "positive-infinity"),
        (SpecialValue.NEGATIVE_INFINITY, "negative-infinity"),
        (SpecialValue.RESERVED, "error"),
    ],
)
def test_special_values_become_data_absent_reasons(special: SpecialValue, reason: str) -> None:
    resource = one(temperature(temperature=special))
    assert "valueQuantity" not in resource
    assert resource["dataAbsentReason"]["coding"][0]["code"] == reason
    assert errors(resource) == []


def test_intermediate_temperature_is_skipped() -> None:
    result = mapper().map(IntermediateTemperature(Decimal("35.1")), RECEIVED)
    assert isinstance(result, Skipped)
    assert "transient" in result.reason


def test_static_temperature_type_fills_a_missing_site_only() -> None:
    static = TemperatureTypeValue(TemperatureType.RECTUM)
    filled = with_static_type(temperature(), static)
    assert filled.temperature_type is TemperatureType.RECTUM
    assert one(filled)["code"]["coding"][0]["code"] == "188420"
    own = temperature(temperature_type=TemperatureType.MOUTH)
    assert with_static_type(own, static) is own
    assert with_static_type(temperature(), None).temperature_type is None


def test_temp_specialization_and_bundle_validate() -> None:
    assert specializations(mapper(clock=EXAMPLE_CLOCK), [temperature()], RECEIVED) == ["528392"]


@GENERATED
@given(STRATEGIES["temperature-measurement"])
def test_every_generated_temperature_measurement_has_a_value_or_says_why_not(
    measurement: Any,
) -> None:
    """(That what maps validates: tests/contract/test_mapping.py.)"""
    assert isinstance(measurement, TemperatureMeasurement)
    result = mapper(clock=EXAMPLE_CLOCK).map(measurement, RECEIVED)
    assert isinstance(result, Mapped)
    (entry,) = result.entries
    assert ("valueQuantity" in entry.resource) != ("dataAbsentReason" in entry.resource)


@settings(max_examples=50, deadline=None)
@given(STRATEGIES["intermediate-temperature"])
def test_every_generated_intermediate_temperature_is_skipped(measurement: Any) -> None:
    assert isinstance(mapper().map(measurement, RECEIVED), Skipped)
