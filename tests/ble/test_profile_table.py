"""profile_table: every advertised health service has a spec; stored-record rules."""

from __future__ import annotations

from decimal import Decimal

import pytest

from gateway.ble import uuids
from gateway.ble.profile_table import BY_SERVICE, ProfileSpec, StoredRecords
from profiles import cgm, glucose, pulse_oximeter
from profiles.date_time import DateTime, DstOffset
from profiles.errors import DecodeError


def test_every_health_service_has_a_profile_spec() -> None:
    assert set(BY_SERVICE) == set(uuids.HEALTH_SERVICES)
    assert {s: BY_SERVICE[s].name for s in BY_SERVICE} == dict(uuids.HEALTH_SERVICES)


def test_stored_records_per_profile() -> None:
    glucose_spec = BY_SERVICE[uuids.GLUCOSE].stored
    cgm_spec = BY_SERVICE[uuids.CONTINUOUS_GLUCOSE_MONITORING].stored
    plx_spec = BY_SERVICE[uuids.PULSE_OXIMETER].stored
    assert glucose_spec is not None
    assert cgm_spec is not None
    assert plx_spec is not None
    assert glucose_spec.mark_key("dev", {}) == "dev"  # the key used before CGM existed
    assert plx_spec.mark_key("dev", {}) is None
    assert plx_spec.records == (pulse_oximeter.PLX_SPOT_CHECK_MEASUREMENT,)
    assert cgm_spec.mark_key("dev", {}) is None  # no session start: fetch all
    start = cgm.CgmSessionStartTime(DateTime(2026, 3, 1, 7, 30, 0), -20, DstOffset.DAYLIGHT_TIME)
    key = cgm_spec.mark_key("dev", {"cgm-session-start-time": start})
    assert key == "dev#cgm-session=2026-03-01T07:30:00;tz=-20;dst=4"
    unknown = cgm.CgmSessionStartTime(DateTime(0, 0, 0, 0, 0, 0), 0, DstOffset.STANDARD_TIME)
    assert cgm_spec.mark_key("dev", {"cgm-session-start-time": unknown}) is None
    for absent in (uuids.BLOOD_PRESSURE, uuids.WEIGHT_SCALE, uuids.BODY_COMPOSITION):
        assert not BY_SERVICE[absent].uses_racp


def test_cgm_key_is_the_highest_time_offset_of_a_value() -> None:
    cgm_spec = BY_SERVICE[uuids.CONTINUOUS_GLUCOSE_MONITORING].stored
    assert cgm_spec is not None
    value = cgm.CgmMeasurement(
        tuple(cgm.CgmMeasurementRecord(Decimal(100), o) for o in (20, 25, 15))
    )
    assert cgm_spec.key_of(value) == 25


def test_cgm_session_start_decoded_with_the_feature_crc() -> None:
    spec = BY_SERVICE[uuids.CONTINUOUS_GLUCOSE_MONITORING]
    start = cgm.CgmSessionStartTime(DateTime(2026, 3, 1, 7, 30, 0), 4, DstOffset.STANDARD_TIME)
    raw = cgm.encode_cgm_session_start_time(start)  # without E2E-CRC
    crc_feature = cgm.CgmFeature(cgm.CgmFeatureBits.E2E_CRC, 1, 1)
    decode = spec.decoder(cgm.CGM_SESSION_START_TIME, {"cgm-feature": crc_feature})
    with pytest.raises(DecodeError):
        decode(raw)
    assert spec.decoder(cgm.CGM_SESSION_START_TIME, {})(raw) == start


def test_sequence_of_still_builds_stored_records() -> None:
    def key(_: object) -> int | None:
        return 7

    spec = ProfileSpec(0x1808, "x", (glucose.GLUCOSE_MEASUREMENT,), sequence_of=key)
    assert spec.uses_racp
    assert spec.stored == StoredRecords((glucose.GLUCOSE_MEASUREMENT,), key)
