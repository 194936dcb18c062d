"""PLX spot-check and continuous → PHD IG: codes, supplemental types, status, bits, goldens."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from gateway.fhir.mappers.pulse_oximeter import device_status_bits
from profiles.date_time import DateTime
from profiles.pulse_oximeter import (
    PlxContinuousMeasurement,
    PlxDeviceAndSensorStatus,
    PlxMeasurementStatus,
    PlxSpotCheckMeasurement,
    SpO2PR,
)
from tests.fhir.helpers import assert_only_upload_identifier, errors, golden, mapper, resources

RECEIVED = dt.datetime(2018, 11, 13, 23, 0, tzinfo=dt.UTC)
STAMP = DateTime(2018, 11, 13, 17, 59, 3)


def codings(concept: dict[str, Any]) -> list[tuple[str, str]]:
    return [(c["system"], c["code"]) for c in concept["coding"]]


def spot(**overrides: Any) -> PlxSpotCheckMeasurement:
    values: dict[str, Any] = {
        "spo2": Decimal(97),
        "pulse_rate": Decimal("48.0"),
        "timestamp": STAMP,
    }
    values.update(overrides)
    return PlxSpotCheckMeasurement(**values)


def test_device_status_bit_n_is_asn1_bit_15_minus_n() -> None:
    assert device_status_bits(PlxDeviceAndSensorStatus.SENSOR_DISCONNECTED) == [0]
    assert device_status_bits(PlxDeviceAndSensorStatus.QUESTIONABLE_PULSE_DETECTED) == [7]
    assert device_status_bits(PlxDeviceAndSensorStatus.EXTENDED_DISPLAY_UPDATE_ONGOING) == [15]


def test_spot_check_pulse_rate_matches_ig_example() -> None:
    ig = golden("numeric-spotnumeric.json")
    ours = resources(mapper().map(spot(), RECEIVED))[1]
    for key in ("meta", "status", "effectiveDateTime"):
        assert ours[key] == ig[key]
    assert codings(ours["code"]) == codings(ig["code"])
    assert [codings(c) for c in ours["category"]] == [codings(c) for c in ig["category"]]
    assert [
        (codings(c["code"]), codings(c["valueCodeableConcept"])) for c in ours["component"]
    ] == [(codings(c["code"]), codings(c["valueCodeableConcept"])) for c in ig["component"]]
    assert ours["valueQuantity"]["value"] == Decimal(str(ig["valueQuantity"]["value"]))
    # Example defect: unit "{beat}/min}"; PHG writes unit = code = "/min". v1 identifier.
    assert ours["valueQuantity"]["unit"] == ours["valueQuantity"]["code"] == "/min"
    assert ours["identifier"][0]["value"].endswith("-149530-595447143-150588")


def test_device_status_matches_ig_bits_example() -> None:
    ig = golden("bits-observation.json")
    status = (
        PlxDeviceAndSensorStatus.SENSOR_DISPLACED
        | PlxDeviceAndSensorStatus.QUESTIONABLE_PULSE_DETECTED
        | PlxDeviceAndSensorStatus.LOW_PERFUSION_DETECTED
        | PlxDeviceAndSensorStatus.POOR_SIGNAL_DETECTED
        | PlxDeviceAndSensorStatus.INADEQUATE_SIGNAL_DETECTED
    )
    ours = resources(mapper().map(spot(device_and_sensor_status=status), RECEIVED))[-1]
    assert ours["component"] == ig["component"]
    assert ours["meta"] == ig["meta"]
    assert codings(ours["code"]) == codings(ig["code"])
    assert len(ours["derivedFrom"]) == 1


def test_spo2_codes_and_measurement_status() -> None:
    status = (
        PlxMeasurementStatus.INVALID_MEASUREMENT_DETECTED | PlxMeasurementStatus.DATA_FOR_TESTING
    )
    spo2 = resources(mapper().map(spot(measurement_status=status), RECEIVED))[0]
    assert codings(spo2["code"]) == [
        ("urn:iso:std:iso:11073:10101", "150456"),
        ("http://loinc.org", "2708-6"),
    ]
    assert spo2["status"] == "entered-in-error"
    assert spo2["dataAbsentReason"]["coding"][0]["code"] == "error"
    assert spo2["meta"]["security"][0]["code"] == "HTEST"


def test_clock_not_set_is_noted() -> None:
    out = resources(mapper().map(spot(device_clock_not_set=True), RECEIVED))
    assert all("clock was not set" in r["note"][-1]["text"] for r in out)


def test_continuous_modalities_have_only_an_upload_identifier() -> None:
    m = PlxContinuousMeasurement(
        SpO2PR(Decimal(97), Decimal(60)),
        fast=SpO2PR(Decimal(96), Decimal(61)),
        slow=SpO2PR(Decimal(98), Decimal(59)),
        pulse_amplitude_index=Decimal("2.5"),
    )
    mp = mapper()
    result = mp.map(m, RECEIVED)
    out = resources(result)
    modality = [
        (
            r["code"]["coding"][0]["code"],
            r.get("component", [{}])[0]
            .get("valueCodeableConcept", {})
            .get("coding", [{}])[0]
            .get("code"),
        )
        for r in out
    ]
    assert modality == [
        ("150456", None),
        ("149530", None),
        ("150456", "150580"),
        ("149530", "150580"),
        ("150456", "150584"),
        ("149530", "150584"),
        ("150448", None),
    ]
    for r in out:
        assert_only_upload_identifier(r)
    assert errors(mp.bundle([result])) == []
