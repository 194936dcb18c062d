"""Blood Pressure Service vectors, built by hand from the GATT Specification Supplement layout."""

from __future__ import annotations

from decimal import Decimal

import pytest

from profiles.blood_pressure import (
    BloodPressureFeature,
    BloodPressureMeasurement,
    BloodPressureMeasurementStatus,
    IntermediateCuffPressure,
    PulseRateRange,
    decode_blood_pressure_feature,
    decode_blood_pressure_measurement,
    decode_intermediate_cuff_pressure,
    encode_blood_pressure_measurement,
    encode_intermediate_cuff_pressure,
)
from profiles.date_time import DateTime
from profiles.errors import DecodeError
from profiles.ieee11073 import SpecialValue
from profiles.units import PressureUnit
from tests.profiles.assertions import assert_decode_error

# flags 0x1E: time stamp, pulse rate, user id, status; mmHg.
FULL = bytes.fromhex(
    "1e"  # flags
    "7800"  # systolic 120
    "5000"  # diastolic 80
    "5d00"  # MAP 93
    "ea07"
    "0b"
    "16"
    "08"
    "1e"
    "2d"  # 2026-11-22 08:30:45
    "4800"  # pulse 72
    "02"  # user 2
    "2d00"  # status: body movement, irregular pulse, pulse range 1 (over), position
)


def test_all_fields() -> None:
    m = decode_blood_pressure_measurement(FULL)
    assert m == BloodPressureMeasurement(
        systolic=Decimal(120),
        diastolic=Decimal(80),
        mean_arterial_pressure=Decimal(93),
        unit=PressureUnit.MMHG,
        timestamp=DateTime(2026, 11, 22, 8, 30, 45),
        pulse_rate=Decimal(72),
        user_id=2,
        status=BloodPressureMeasurementStatus(
            body_movement_detected=True,
            cuff_too_loose=False,
            irregular_pulse_detected=True,
            pulse_rate_range=PulseRateRange.EXCEEDS_UPPER_LIMIT,
            improper_measurement_position=True,
        ),
    )
    assert encode_blood_pressure_measurement(m) == FULL


def test_minimal_kpa_with_precision() -> None:
    # flags 0x01 (kPa); 16.0 kPa = mantissa 160 exp -1 -> 0xF0A0; 10.7 -> 0xF06B; MAP NaN.
    m = decode_blood_pressure_measurement(bytes.fromhex("01a0f06bf0ff07"))
    assert m.unit is PressureUnit.KPA
    assert str(m.systolic) == "16.0"
    assert str(m.diastolic) == "10.7"
    assert m.mean_arterial_pressure is SpecialValue.NAN
    assert (m.timestamp, m.pulse_rate, m.user_id, m.status) == (None, None, None, None)


@pytest.mark.parametrize(
    ("bits", "expected"),
    [
        (0x0008, PulseRateRange.EXCEEDS_UPPER_LIMIT),
        (0x0010, PulseRateRange.BELOW_LOWER_LIMIT),
        (0x0018, PulseRateRange.RESERVED),
        (0x0000, PulseRateRange.WITHIN_RANGE),
    ],
)
def test_pulse_rate_range_bits(bits: int, expected: PulseRateRange) -> None:
    data = bytes.fromhex("10780050005d00") + bits.to_bytes(2, "little")
    status = decode_blood_pressure_measurement(data).status
    assert status is not None
    assert status.pulse_rate_range is expected


def test_each_status_bit() -> None:
    names = [
        "body_movement_detected",
        "cuff_too_loose",
        "irregular_pulse_detected",
        None,
        None,
        "improper_measurement_position",
    ]
    for bit, name in enumerate(names):
        if name is None:
            continue
        data = bytes.fromhex("10780050005d00") + (1 << bit).to_bytes(2, "little")
        status = decode_blood_pressure_measurement(data).status
        assert status is not None
        assert getattr(status, name) is True
        others = [n for n in names if n and n != name]
        assert all(getattr(status, n) is False for n in others)


def test_reserved_flag_and_status_bits_are_ignored() -> None:
    plain = decode_blood_pressure_measurement(bytes.fromhex("10780050005d000000"))
    noisy = decode_blood_pressure_measurement(bytes.fromhex("f0780050005d0000ff"))
    assert plain == noisy


@pytest.mark.parametrize(
    ("hex_value", "offset"),
    [
        ("", 0),
        ("00", 1),
        ("0078005000", 5),  # MAP missing
        ("02780050005d00ea07", 7),  # time stamp cut short
        ("04780050005d00", 7),  # pulse rate flagged but absent
        ("08780050005d00", 7),  # user id flagged but absent
        ("10780050005d0000", 7),  # status cut short
        ("00780050005d0000", 7),  # overlong
        ("02780050005d00ea070d01000000", 7),  # month 13
        ("02780050005d00ea07021e000000", 7),  # 30 February
    ],
)
def test_malformed(hex_value: str, offset: int) -> None:
    assert_decode_error(
        decode_blood_pressure_measurement, hex_value, "blood-pressure-measurement", offset
    )


def test_intermediate_cuff_pressure_ignores_unused_fields() -> None:
    m = decode_intermediate_cuff_pressure(bytes.fromhex("04a000ff07ff074800"))
    assert m == IntermediateCuffPressure(
        cuff_pressure=Decimal(160), unit=PressureUnit.MMHG, pulse_rate=Decimal(72)
    )
    assert encode_intermediate_cuff_pressure(m) == bytes.fromhex("04a000ff07ff074800")
    other = decode_intermediate_cuff_pressure(bytes.fromhex("04a000500051004800"))
    assert other == m


def test_feature() -> None:
    assert decode_blood_pressure_feature(bytes.fromhex("0300")) == (
        BloodPressureFeature.BODY_MOVEMENT_DETECTION | BloodPressureFeature.CUFF_FIT_DETECTION
    )
    assert (
        decode_blood_pressure_feature(bytes.fromhex("00ff"))
        == BloodPressureFeature.USER_FACING_TIME
    )
    with pytest.raises(DecodeError):
        decode_blood_pressure_feature(b"\x03")
