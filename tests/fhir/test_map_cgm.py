"""CGM Measurement → PHD IG: session start time join, per-record time, trend/quality, status."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from hypothesis import given

from gateway.fhir.codes import MDC
from gateway.fhir.connection import HeldBack, Mapped, Skipped
from gateway.fhir.mappers.cgm import status_bits
from profiles.cgm import (
    CgmMeasurement,
    CgmMeasurementRecord,
    CgmSensorStatus,
    CgmSessionStartTime,
)
from profiles.date_time import DateTime, DstOffset
from tests.fhir.helpers import GENERATED, errors, mapper, resources
from tests.strategies.cgm import STRATEGIES

RECEIVED = dt.datetime(2018, 11, 11, 16, 40, tzinfo=dt.UTC)
START = CgmSessionStartTime(DateTime(2018, 11, 11, 10, 0, 0), -20, DstOffset.STANDARD_TIME)


def test_records_wait_for_the_session_start_time() -> None:
    m = mapper()
    record = CgmMeasurementRecord(Decimal(100), 5)
    assert isinstance(m.map(CgmMeasurement((record,)), RECEIVED), HeldBack)
    assert isinstance(m.map(START, RECEIVED), Skipped)
    assert isinstance(m.map(CgmMeasurement((record,)), RECEIVED), Mapped)


def test_each_record_gets_its_own_time_and_identifier() -> None:
    m = mapper()
    m.map(START, RECEIVED)
    records = (
        CgmMeasurementRecord(Decimal(100), 5, trend_mg_per_dl_per_min=Decimal("-1.5")),
        CgmMeasurementRecord(Decimal("101.5"), 10, quality_percent=Decimal(90)),
    )
    out = resources(m.map(CgmMeasurement(records), RECEIVED))
    assert [r["code"]["coding"][0]["code"] for r in out] == ["160212", "160212"]
    assert [r["effectiveDateTime"] for r in out] == [
        "2018-11-11T10:05:00-05:00",
        "2018-11-11T10:10:00-05:00",
    ]
    ids = [r["identifier"][0]["value"] for r in out]
    assert ids[0].endswith("-160212-595245900-20")
    assert ids[1].endswith("-160212-595246200-20")
    assert out[0]["valueQuantity"]["code"] == "mg/dL"
    assert str(out[1]["valueQuantity"]["value"]) == "101.5"
    trend = out[0]["component"][0]
    assert trend["code"]["coding"][0]["code"] == "8418008"
    assert (str(trend["valueQuantity"]["value"]), trend["valueQuantity"]["code"]) == (
        "-1.5",
        "mg/dL/min",
    )
    quality = out[1]["component"][0]["code"]
    assert quality["text"] == "CGM quality"
    # A coding, not only text: PHG's private MDC term (partition 128, first private term).
    assert quality["coding"] == [
        {"system": MDC, "code": "8450048", "display": "MDC_PHG_PRIV_CGM_QUALITY"}
    ]
    for r in out:
        assert errors(r) == []


def test_status_bits_by_meaning() -> None:
    assert status_bits(CgmSensorStatus.SESSION_STOPPED) == [0]
    assert status_bits(CgmSensorStatus.CALIBRATION_NOT_ALLOWED) == [7]
    assert status_bits(CgmSensorStatus.SENSOR_TEMPERATURE_TOO_LOW) == [11]
    assert status_bits(CgmSensorStatus.RESULT_LOWER_THAN_PATIENT_LOW_LEVEL) == [12]
    assert status_bits(CgmSensorStatus.RESULT_HIGHER_THAN_DEVICE_CAN_PROCESS) == [19]
    assert (
        status_bits(CgmSensorStatus.DEVICE_BATTERY_LOW | CgmSensorStatus.CALIBRATION_PENDING) == []
    )
    m = mapper()
    m.map(START, RECEIVED)
    record = CgmMeasurementRecord(Decimal(100), 5, CgmSensorStatus.SENSOR_MALFUNCTION)
    out = resources(m.map(CgmMeasurement((record,)), RECEIVED))
    assert out[1]["component"][0]["code"]["coding"][0]["code"] == "8418060.3"
    assert errors(out[1]) == []


@GENERATED
@given(STRATEGIES["cgm-measurement"], STRATEGIES["cgm-session-start-time"])
def test_every_generated_cgm_measurement_gives_one_glucose_entry_per_record(
    measurement: Any, start: Any
) -> None:
    """(That what maps validates: tests/contract/test_mapping.py.)"""
    m = mapper()
    m.map(start, RECEIVED)
    result = m.map(measurement, RECEIVED)
    if start.start_time.to_datetime() is None:
        assert isinstance(result, HeldBack)  # no usable session start: kept, not guessed
        return
    assert isinstance(result, Mapped), result
    assert sum(e.resource["code"]["coding"][0]["code"] == "160212" for e in result.entries) == len(
        measurement.records
    )
