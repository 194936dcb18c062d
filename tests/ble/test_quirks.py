import datetime as dt
from decimal import Decimal

from gateway.ble.quirks import beurer_bp_fixup, match
from profiles.blood_pressure import (
    BloodPressureMeasurement,
    BloodPressureMeasurementStatus,
    decode_blood_pressure_measurement,
    encode_blood_pressure_measurement,
)
from profiles.date_time import DateTime
from profiles.device_information import DeviceInformation

STANDARD = BloodPressureMeasurement(
    Decimal(120),
    Decimal(80),
    Decimal(93),
    timestamp=DateTime(2026, 3, 4, 5, 6, 7),
    pulse_rate=Decimal(72),
    user_id=1,
    status=BloodPressureMeasurementStatus(irregular_pulse_detected=True),
)


def _as_bm85_sends(m: BloodPressureMeasurement, flag_user: bool) -> bytes:
    """Standard encoding, then pulse and status byte-swapped and (optionally) user flag clear."""
    raw = bytearray(encode_blood_pressure_measurement(m))
    pulse_at = 1 + 6 + 7
    status_at = pulse_at + 2 + 1
    raw[pulse_at], raw[pulse_at + 1] = raw[pulse_at + 1], raw[pulse_at]
    raw[status_at], raw[status_at + 1] = raw[status_at + 1], raw[status_at]
    if not flag_user:
        raw[0] &= ~0x08
    return bytes(raw)


def test_bm85_fixup_restores_the_standard_measurement() -> None:
    quirky = _as_bm85_sends(STANDARD, flag_user=False)
    assert decode_blood_pressure_measurement(beurer_bp_fixup(quirky)) == STANDARD


def test_bm85_fixup_with_user_flag_set_only_swaps() -> None:
    quirky = _as_bm85_sends(STANDARD, flag_user=True)
    assert decode_blood_pressure_measurement(beurer_bp_fixup(quirky)) == STANDARD


def test_bm85_fixup_leaves_other_shapes_alone() -> None:
    assert beurer_bp_fixup(b"") == b""
    assert beurer_bp_fixup(b"\x00\x01") == b"\x00\x01"


def test_bm85_matches_by_manufacturer_and_model() -> None:
    behaviour = match(DeviceInformation(manufacturer="Beurer GmbH", model="BM 85"))
    assert behaviour.quirks == ("beurer-bm85-byte-order",)
    quirky = _as_bm85_sends(STANDARD, flag_user=False)
    assert decode_blood_pressure_measurement(behaviour.fix_payload(0x2A35, quirky)) == STANDARD
    assert behaviour.fix_payload(0x2A18, quirky) == quirky  # other characteristics untouched


def test_omron_clock_quirk() -> None:
    behaviour = match(DeviceInformation(manufacturer="OMRON HEALTHCARE", model="BP7000"))
    assert behaviour.quirks == ("omron-clock-write",)
    assert behaviour.clock_write_on_first_notification_only
    assert behaviour.clock_write_min_offset == dt.timedelta(minutes=10)


def test_contour_racp_quirk() -> None:
    for info in (
        DeviceInformation(manufacturer="Ascensia Diabetes Care", model="Contour Next One"),
        DeviceInformation(manufacturer="Bayer", model="CONTOUR NEXT LINK"),
    ):
        behaviour = match(info)
        assert behaviour.quirks == ("contour-racp-all-records",)
        assert behaviour.racp_all_records_as_ge_zero


def test_no_quirks_for_standard_devices() -> None:
    behaviour = match(DeviceInformation(manufacturer="ACME Health", model="BP-1"))
    assert behaviour.quirks == ()
    assert not behaviour.racp_all_records_as_ge_zero
    assert behaviour.fix_payload(0x2A35, b"\x00") == b"\x00"
    assert match(DeviceInformation()).quirks == ()
