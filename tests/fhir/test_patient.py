"""Bluetooth user index → Patient binding; unmapped users are held back."""

from __future__ import annotations

import datetime as dt

from gateway.fhir.connection import HeldBack, Mapped
from gateway.fhir.patient import PatientBinding, PatientId
from profiles.battery import BatteryLevel
from profiles.blood_pressure import UNKNOWN_USER
from tests.fhir.helpers import PATIENT, assert_only_upload_identifier, bp, mapper, resources

RECEIVED = dt.datetime(2018, 11, 11, 16, 40, tzinfo=dt.UTC)


def test_reading_without_user_goes_to_the_default_patient() -> None:
    obs = resources(mapper().map(bp(), RECEIVED))[0]
    assert obs["subject"] == obs["performer"][0]


def test_unbound_user_index_is_held_back_even_with_a_default_patient() -> None:
    result = mapper().map(bp(user_id=2), RECEIVED)
    assert isinstance(result, HeldBack)
    assert result.user_index == 2


def test_unknown_user_is_held_back() -> None:
    m = mapper(patients=PatientBinding(PATIENT, {1: PATIENT}))
    assert isinstance(m.map(bp(user_id=UNKNOWN_USER), RECEIVED), HeldBack)


def test_bound_user_index_is_attributed() -> None:
    m = mapper(patients=PatientBinding(None, {3: PatientId("p3")}))
    obs = resources(m.map(bp(user_id=3), RECEIVED))[0]
    assert obs["subject"] == {"reference": "Patient/p3"}


def test_no_default_patient_holds_back_userless_readings() -> None:
    assert isinstance(mapper(patients=PatientBinding()).map(bp(), RECEIVED), HeldBack)


def test_battery_without_a_patient_has_the_device_as_subject() -> None:
    m = mapper(patients=PatientBinding())
    result = m.map(BatteryLevel(55), RECEIVED)
    assert isinstance(result, Mapped)
    obs = result.entries[0].resource
    assert obs["subject"] == obs["device"]
    assert "performer" not in obs
    assert obs["valueQuantity"]["value"] == 55
    assert obs["code"]["coding"][0]["code"] == "67996"
    assert_only_upload_identifier(obs)
