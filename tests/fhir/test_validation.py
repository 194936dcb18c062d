"""Every resource kind gateway.fhir produces validates against the PHD IG profiles with no
errors (offline validator gateway.validation), including every generated BP measurement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given

from gateway.fhir.coincident import coincident_time_stamp
from gateway.fhir.device_info import PhdDeviceInfo
from gateway.fhir.patient import PatientBinding
from gateway.fhir.phd_device import phd_device
from gateway.fhir.phg_device import phg_device
from gateway.fhir.timeline import DeviceClock
from profiles.battery import BatteryLevel
from profiles.blood_pressure import BloodPressureMeasurement, BloodPressureMeasurementStatus
from profiles.ieee11073 import SpecialValue
from tests.fhir.helpers import (
    CLOCK,
    GENERATED,
    NEW_YORK,
    OMRON,
    PATIENT,
    PHG,
    bp,
    errors,
    mapped_for_any_user,
    mapper,
)
from tests.strategies.blood_pressure import STRATEGIES

RECEIVED = dt.datetime(2018, 11, 11, 16, 40, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "resource",
    [
        pytest.param(phd_device(OMRON, ["528391"]), id="PhdDevice"),
        pytest.param(
            phd_device(
                PhdDeviceInfo(
                    manufacturer="m",
                    model="x",
                    software_version="1",
                    bluetooth_address=bytes(6),
                    regulated=True,
                    continua_version="6.0",
                    real_time_clock=True,
                    set_clock=False,
                )
            ),
            id="PhdDevice-all-properties",
        ),
        pytest.param(phg_device(PHG), id="PhgDevice"),
        pytest.param(PATIENT.resource(), id="PhdPatient"),
        pytest.param(coincident_time_stamp(CLOCK, "Device/1", "Device/2", NEW_YORK), id="coin"),
        pytest.param(
            coincident_time_stamp(DeviceClock(RECEIVED), "Device/1", "Device/2", NEW_YORK),
            id="coin-time-fault",
        ),
    ],
)
def test_participants_validate(resource: dict[str, Any]) -> None:
    assert errors(resource) == []


@pytest.mark.parametrize(
    "measurement",
    [
        pytest.param(bp(), id="bp"),
        pytest.param(bp(mean_arterial_pressure=SpecialValue.NAN), id="bp-no-mean"),
        pytest.param(
            bp(
                pulse_rate=Decimal("72.5"),
                status=BloodPressureMeasurementStatus(True, True, True),
            ),
            id="bp-pulse-status",
        ),
        pytest.param(bp(timestamp=None, pulse_rate=SpecialValue.NRES), id="bp-unstamped"),
        pytest.param(BatteryLevel(80), id="battery"),
    ],
)
def test_mapped_bundle_validates(measurement: object) -> None:
    m = mapper()
    bundle = m.bundle([m.map(measurement, RECEIVED)])
    assert len(bundle["entry"]) >= 4
    assert errors(bundle) == []


def test_battery_with_device_subject_validates() -> None:
    m = mapper(patients=PatientBinding())
    assert errors(m.bundle([m.map(BatteryLevel(0), RECEIVED)])) == []


@GENERATED
@given(STRATEGIES["blood-pressure-measurement"])
def test_every_generated_bp_measurement_maps_unless_its_user_is_unknown(measurement: Any) -> None:
    """(That what maps validates: tests/contract/test_mapping.py.)"""
    assert isinstance(measurement, BloodPressureMeasurement)
    result = mapped_for_any_user(measurement, RECEIVED)
    assert (result is not None) == (measurement.user_id != 0xFF)
