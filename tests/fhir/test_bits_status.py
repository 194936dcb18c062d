"""BITS numbering (MSB first), the BP status map, values and measurement status."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from gateway.fhir.bits import bits_components, mder_bit_is_set, mder_set_bits
from gateway.fhir.connection import Skipped
from gateway.fhir.mappers.blood_pressure import status_bits
from gateway.fhir.status import MeasurementStatus, apply_measurement_status
from profiles.blood_pressure import (
    BloodPressureMeasurementStatus,
    IntermediateCuffPressure,
    PulseRateRange,
)
from profiles.ieee11073 import SpecialValue
from profiles.units import PressureUnit
from tests.fhir.helpers import bp, mapper, resources

RECEIVED = dt.datetime(2018, 11, 11, 16, 40, tzinfo=dt.UTC)


def test_mder_bit_zero_is_the_most_significant_bit() -> None:
    assert mder_bit_is_set(0x8000, 16, 0)
    assert not mder_bit_is_set(0x8000, 16, 15)
    assert mder_bit_is_set(0x0001, 16, 15)
    assert mder_set_bits(0x8401, 16) == [0, 5, 15]
    with pytest.raises(ValueError, match="outside"):
        mder_bit_is_set(1, 16, 16)


def test_bits_components_code_and_display() -> None:
    assert bits_components("8410608", [(2, True)], {2: "irregular-pulse"}) == [
        {
            "code": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/ASN1ToHL7",
                        "code": "8410608.2",
                        "display": "irregular-pulse",
                    }
                ]
            },
            "valueBoolean": True,
        }
    ]


@pytest.mark.parametrize(
    ("status", "bits"),
    [
        (BloodPressureMeasurementStatus(body_movement_detected=True), [0]),
        (BloodPressureMeasurementStatus(cuff_too_loose=True), [1]),
        (BloodPressureMeasurementStatus(irregular_pulse_detected=True), [2]),
        (BloodPressureMeasurementStatus(pulse_rate_range=PulseRateRange.EXCEEDS_UPPER_LIMIT), [3]),
        (BloodPressureMeasurementStatus(pulse_rate_range=PulseRateRange.BELOW_LOWER_LIMIT), [4]),
        (BloodPressureMeasurementStatus(pulse_rate_range=PulseRateRange.RESERVED), []),
        (BloodPressureMeasurementStatus(improper_measurement_position=True), [5]),
        (BloodPressureMeasurementStatus(), []),
    ],
)
def test_bp_status_bits(status: BloodPressureMeasurementStatus, bits: list[int]) -> None:
    assert status_bits(status) == bits


def test_all_clear_status_makes_no_observation() -> None:
    obs = resources(mapper().map(bp(status=BloodPressureMeasurementStatus()), RECEIVED))
    assert len(obs) == 1


def test_special_values_become_component_data_absent_reasons() -> None:
    m = bp(systolic=SpecialValue.POSITIVE_INFINITY, diastolic=SpecialValue.NRES)
    comps = resources(mapper().map(m, RECEIVED))[0]["component"]
    assert comps[0]["dataAbsentReason"]["coding"][0]["code"] == "positive-infinity"
    assert comps[1]["dataAbsentReason"]["coding"][0]["code"] == "error"
    assert "valueQuantity" not in comps[0]


def test_special_pulse_rate_is_an_observation_data_absent_reason() -> None:
    pulse = resources(mapper().map(bp(pulse_rate=SpecialValue.NAN), RECEIVED))[1]
    assert pulse["dataAbsentReason"]["coding"][0]["code"] == "not-a-number"
    assert "valueQuantity" not in pulse


def test_precision_and_kpa_are_kept() -> None:
    m = bp(systolic=Decimal("15.50"), unit=PressureUnit.KPA)
    value = resources(mapper().map(m, RECEIVED))[0]["component"][0]["valueQuantity"]
    assert value == {
        "value": Decimal("15.50"),
        "unit": "kPa",
        "system": "http://unitsofmeasure.org",
        "code": "kPa",
    }
    assert str(value["value"]) == "15.50"


def test_intermediate_cuff_pressure_is_skipped() -> None:
    result = mapper().map(IntermediateCuffPressure(Decimal(80)), RECEIVED)
    assert isinstance(result, Skipped)


def test_measurement_status_invalid() -> None:
    obs: dict[str, Any] = {"status": "final", "valueQuantity": {"value": 1}}
    apply_measurement_status(obs, MeasurementStatus.INVALID | MeasurementStatus.QUESTIONABLE)
    assert obs["status"] == "entered-in-error"
    assert obs["dataAbsentReason"]["coding"][0]["code"] == "error"
    assert "valueQuantity" not in obs
    assert obs["interpretation"][0]["coding"][0]["code"] == "questionable"


@pytest.mark.parametrize(
    ("flag", "status", "interpretation", "dar"),
    [
        (MeasurementStatus.NOT_AVAILABLE, "final", None, "not-performed"),
        (MeasurementStatus.MSMT_ONGOING, "final", None, "temp-unknown"),
        (MeasurementStatus.CALIBRATION_ONGOING, "final", "calibration-ongoing", None),
        (MeasurementStatus.EARLY_INDICATION, "preliminary", "early-indication", None),
        (MeasurementStatus.THRESHOLD_ERROR, "final", "in-alarm", None),
        (MeasurementStatus.THRESHOLDING_DISABLED, "final", "alarm-inhibited", None),
        (MeasurementStatus.VALIDATED_DATA, "final", "validated-data", None),
    ],
)
def test_measurement_status_table(
    flag: MeasurementStatus, status: str, interpretation: str | None, dar: str | None
) -> None:
    obs: dict[str, Any] = {"status": "final", "valueQuantity": {"value": 1}}
    apply_measurement_status(obs, flag)
    assert obs["status"] == status
    found = obs.get("interpretation")
    assert (found[0]["coding"][0]["code"] if found else None) == interpretation
    absent = obs.get("dataAbsentReason")
    assert (absent["coding"][0]["code"] if absent else None) == dar


def test_measurement_status_test_data_and_manual_entry() -> None:
    obs: dict[str, Any] = {"status": "final", "meta": {"profile": []}}
    apply_measurement_status(obs, MeasurementStatus.TEST_DATA | MeasurementStatus.MANUALLY_ENTERED)
    assert obs["meta"] == {
        "profile": [],
        "security": [
            {"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "HTEST"}
        ],
    }
    assert obs["note"] == [{"text": "manually entered"}]
