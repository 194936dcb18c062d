"""Pulse Oximeter Service vectors, built by hand from the GATT Specification Supplement."""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import Final

import pytest

from profiles import pulse_oximeter as plx
from profiles.date_time import DateTime
from profiles.errors import EncodeError
from profiles.ieee11073 import SpecialValue
from tests.profiles.assertions import assert_decode_error, assert_vector

NORMAL = "62004800"  # SpO2 98 %, PR 72 bpm
FAST = "61004b00"  # 97 %, 75 bpm
SLOW = "60004600"  # 96 %, 70 bpm
STAMP = "ea070b16081e2d"  # 2026-11-22 08:30:45
STATUS = "8001"  # bits 7, 8: validated data, fully qualified data
DEVICE = "218000"  # bits 0, 5, 15: extended display update, low perfusion, sensor disconnected
PAI = "19f0"  # 2.5 %: mantissa 25, exponent -1

STAMP_VALUE = DateTime(2026, 11, 22, 8, 30, 45)
STATUS_VALUE = (
    plx.PlxMeasurementStatus.VALIDATED_DATA | plx.PlxMeasurementStatus.FULLY_QUALIFIED_DATA
)
DEVICE_VALUE = (
    plx.PlxDeviceAndSensorStatus.EXTENDED_DISPLAY_UPDATE_ONGOING
    | plx.PlxDeviceAndSensorStatus.LOW_PERFUSION_DETECTED
    | plx.PlxDeviceAndSensorStatus.SENSOR_DISCONNECTED
)
D98, D72, PAI_VALUE = Decimal(98), Decimal(72), Decimal("2.5")

# The bit tables of the specification, in bit order.
MEASUREMENT_STATUS_BITS = [
    *[None] * 5,
    "MEASUREMENT_ONGOING",
    "EARLY_ESTIMATED_DATA",
    "VALIDATED_DATA",
    "FULLY_QUALIFIED_DATA",
    "DATA_FROM_MEASUREMENT_STORAGE",
    "DATA_FOR_DEMONSTRATION",
    "DATA_FOR_TESTING",
    "CALIBRATION_ONGOING",
    "MEASUREMENT_UNAVAILABLE",
    "QUESTIONABLE_MEASUREMENT_DETECTED",
    "INVALID_MEASUREMENT_DETECTED",
]
DEVICE_STATUS_BITS = [
    "EXTENDED_DISPLAY_UPDATE_ONGOING",
    "EQUIPMENT_MALFUNCTION_DETECTED",
    "SIGNAL_PROCESSING_IRREGULARITY_DETECTED",
    "INADEQUATE_SIGNAL_DETECTED",
    "POOR_SIGNAL_DETECTED",
    "LOW_PERFUSION_DETECTED",
    "ERRATIC_SIGNAL_DETECTED",
    "NONPULSATILE_SIGNAL_DETECTED",
    "QUESTIONABLE_PULSE_DETECTED",
    "SIGNAL_ANALYSIS_ONGOING",
    "SENSOR_INTERFERENCE_DETECTED",
    "SENSOR_UNCONNECTED_TO_USER",
    "UNKNOWN_SENSOR_CONNECTED",
    "SENSOR_DISPLACED",
    "SENSOR_MALFUNCTIONING",
    "SENSOR_DISCONNECTED",
    *[None] * 8,
]
FEATURE_BITS = [
    "MEASUREMENT_STATUS_SUPPORT_PRESENT",
    "DEVICE_AND_SENSOR_STATUS_SUPPORT_PRESENT",
    "SPOT_CHECK_MEASUREMENT_STORAGE",
    "SPOT_CHECK_TIMESTAMP",
    "SPO2PR_FAST",
    "SPO2PR_SLOW",
    "PULSE_AMPLITUDE_INDEX",
    "MULTIPLE_BONDS",
    *[None] * 8,
]


# ---- PLX Spot-check Measurement --------------------------------------------------------------


@pytest.mark.parametrize(
    ("hex_value", "expected"),
    [
        ("00" + NORMAL, plx.PlxSpotCheckMeasurement(D98, D72)),
        ("01" + NORMAL + STAMP, plx.PlxSpotCheckMeasurement(D98, D72, timestamp=STAMP_VALUE)),
        (
            "02" + NORMAL + STATUS,
            plx.PlxSpotCheckMeasurement(D98, D72, measurement_status=STATUS_VALUE),
        ),
        (
            "04" + NORMAL + DEVICE,
            plx.PlxSpotCheckMeasurement(D98, D72, device_and_sensor_status=DEVICE_VALUE),
        ),
        (
            "08" + NORMAL + PAI,
            plx.PlxSpotCheckMeasurement(D98, D72, pulse_amplitude_index=PAI_VALUE),
        ),
        ("10" + NORMAL, plx.PlxSpotCheckMeasurement(D98, D72, device_clock_not_set=True)),
        (
            "0c" + NORMAL + DEVICE + PAI,
            plx.PlxSpotCheckMeasurement(
                D98, D72, device_and_sensor_status=DEVICE_VALUE, pulse_amplitude_index=PAI_VALUE
            ),
        ),
        (
            "1f" + NORMAL + STAMP + STATUS + DEVICE + PAI,
            plx.PlxSpotCheckMeasurement(
                D98, D72, STAMP_VALUE, STATUS_VALUE, DEVICE_VALUE, PAI_VALUE, True
            ),
        ),
    ],
)
def test_spot_check_layouts(hex_value: str, expected: plx.PlxSpotCheckMeasurement) -> None:
    assert_vector(
        plx.decode_plx_spot_check_measurement,
        plx.encode_plx_spot_check_measurement,
        hex_value,
        expected,
    )


def test_spot_check_special_values_and_precision() -> None:
    data = bytes.fromhex("08ff070008c5f3")  # NaN, NRes, PAI 965e-1
    m = plx.decode_plx_spot_check_measurement(data)
    assert m.spo2 is SpecialValue.NAN
    assert m.pulse_rate is SpecialValue.NRES
    assert str(m.pulse_amplitude_index) == "96.5"
    assert plx.encode_plx_spot_check_measurement(m) == data


def test_spot_check_reserved_bits_are_ignored() -> None:
    plain = plx.decode_plx_spot_check_measurement(bytes.fromhex("06" + NORMAL + "0000000000"))
    noisy = plx.decode_plx_spot_check_measurement(bytes.fromhex("e6" + NORMAL + "1f000000ff"))
    assert plain == noisy
    assert plain.measurement_status == plx.PlxMeasurementStatus(0)
    assert plain.device_and_sensor_status == plx.PlxDeviceAndSensorStatus(0)


@pytest.mark.parametrize(
    ("hex_value", "offset"),
    [
        ("", 0),
        ("00", 1),  # SpO2 missing
        ("006200", 3),  # PR missing
        ("00620048", 3),  # PR cut short
        ("01" + NORMAL, 5),  # time stamp flagged but absent
        ("01" + NORMAL + "ea070b", 5),  # time stamp cut short
        ("02" + NORMAL + "80", 5),  # measurement status cut short
        ("04" + NORMAL + "2180", 5),  # device and sensor status cut short
        ("08" + NORMAL + "19", 5),  # pulse amplitude index cut short
        ("03" + NORMAL + STAMP, 12),  # status missing after the time stamp
        ("07" + NORMAL + STAMP + STATUS, 14),  # device status missing
        ("0f" + NORMAL + STAMP + STATUS + DEVICE, 17),  # pulse amplitude index missing
        ("00" + NORMAL + "00", 5),  # overlong
        ("1f" + NORMAL + STAMP + STATUS + DEVICE + PAI + "00", 19),  # overlong after all fields
        ("01" + NORMAL + "ea070d01000000", 5),  # month 13
        ("01" + NORMAL + "ea07021e000000", 5),  # 30 February
    ],
)
def test_spot_check_malformed(hex_value: str, offset: int) -> None:
    assert_decode_error(
        plx.decode_plx_spot_check_measurement, hex_value, "plx-spot-check-measurement", offset
    )


# Each status field of a spot check: its flag, its width in bytes, its type and bit names.
STATUS_FIELDS: Final = [
    ("02", 2, "measurement_status", plx.PlxMeasurementStatus, MEASUREMENT_STATUS_BITS),
    ("04", 3, "device_and_sensor_status", plx.PlxDeviceAndSensorStatus, DEVICE_STATUS_BITS),
]


@pytest.mark.parametrize(
    ("flag", "width", "field", "status_type", "bit", "name"),
    [
        (flag, width, field, status_type, bit, name)
        for flag, width, field, status_type, names in STATUS_FIELDS
        for bit, name in enumerate(names)
    ],
)
def test_status_bits(
    flag: str, width: int, field: str, status_type: type[enum.IntFlag], bit: int, name: str | None
) -> None:
    data = bytes.fromhex(flag + NORMAL) + (1 << bit).to_bytes(width, "little")
    status = getattr(plx.decode_plx_spot_check_measurement(data), field)
    expected = status_type(0) if name is None else status_type[name]
    assert status == expected


# ---- PLX Continuous Measurement --------------------------------------------------------------

NORMAL_PAIR = plx.SpO2PR(D98, D72)
FAST_PAIR = plx.SpO2PR(Decimal(97), Decimal(75))
SLOW_PAIR = plx.SpO2PR(Decimal(96), Decimal(70))


@pytest.mark.parametrize(
    ("hex_value", "expected"),
    [
        ("00" + NORMAL, plx.PlxContinuousMeasurement(NORMAL_PAIR)),
        ("01" + NORMAL + FAST, plx.PlxContinuousMeasurement(NORMAL_PAIR, fast=FAST_PAIR)),
        ("02" + NORMAL + SLOW, plx.PlxContinuousMeasurement(NORMAL_PAIR, slow=SLOW_PAIR)),
        (
            "03" + NORMAL + FAST + SLOW,
            plx.PlxContinuousMeasurement(NORMAL_PAIR, FAST_PAIR, SLOW_PAIR),
        ),
        (
            "04" + NORMAL + STATUS,
            plx.PlxContinuousMeasurement(NORMAL_PAIR, measurement_status=STATUS_VALUE),
        ),
        (
            "08" + NORMAL + DEVICE,
            plx.PlxContinuousMeasurement(NORMAL_PAIR, device_and_sensor_status=DEVICE_VALUE),
        ),
        (
            "10" + NORMAL + PAI,
            plx.PlxContinuousMeasurement(NORMAL_PAIR, pulse_amplitude_index=PAI_VALUE),
        ),
        (
            "1a" + NORMAL + SLOW + DEVICE + PAI,
            plx.PlxContinuousMeasurement(
                NORMAL_PAIR,
                slow=SLOW_PAIR,
                device_and_sensor_status=DEVICE_VALUE,
                pulse_amplitude_index=PAI_VALUE,
            ),
        ),
        (
            "1f" + NORMAL + FAST + SLOW + STATUS + DEVICE + PAI,
            plx.PlxContinuousMeasurement(
                NORMAL_PAIR, FAST_PAIR, SLOW_PAIR, STATUS_VALUE, DEVICE_VALUE, PAI_VALUE
            ),
        ),
    ],
)
def test_continuous_layouts(hex_value: str, expected: plx.PlxContinuousMeasurement) -> None:
    assert_vector(
        plx.decode_plx_continuous_measurement,
        plx.encode_plx_continuous_measurement,
        hex_value,
        expected,
    )


def test_continuous_reserved_bits_are_ignored() -> None:
    plain = plx.decode_plx_continuous_measurement(bytes.fromhex("0c" + NORMAL + STATUS + DEVICE))
    noisy = plx.decode_plx_continuous_measurement(
        bytes.fromhex("ec" + NORMAL + "9f01" + "2180ff")  # flags 5-7, status 0-4, device 16-23
    )
    assert plain == noisy


@pytest.mark.parametrize(
    ("hex_value", "offset"),
    [
        ("", 0),
        ("00", 1),
        ("00620048", 3),  # normal PR cut short
        ("01" + NORMAL, 5),  # fast flagged but absent
        ("01" + NORMAL + "6100", 7),  # fast PR missing
        ("02" + NORMAL, 5),  # slow flagged but absent (no fast: slow comes first)
        ("03" + NORMAL + FAST, 9),  # slow missing after fast
        ("04" + NORMAL + "80", 5),  # measurement status cut short
        ("08" + NORMAL + "2180", 5),  # device and sensor status cut short
        ("10" + NORMAL + "19", 5),  # pulse amplitude index cut short
        ("1f" + NORMAL + FAST + SLOW + STATUS + DEVICE, 18),  # PAI missing at the end
        ("00" + NORMAL + "00", 5),  # overlong
        ("1f" + NORMAL + FAST + SLOW + STATUS + DEVICE + PAI + "0000", 20),  # overlong
    ],
)
def test_continuous_malformed(hex_value: str, offset: int) -> None:
    assert_decode_error(
        plx.decode_plx_continuous_measurement, hex_value, "plx-continuous-measurement", offset
    )


# ---- PLX Features ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hex_value", "expected"),
    [
        ("0000", plx.PlxFeatures(plx.PlxSupportedFeatures(0))),
        (
            "fc00",
            plx.PlxFeatures(
                plx.PlxSupportedFeatures.SPOT_CHECK_MEASUREMENT_STORAGE
                | plx.PlxSupportedFeatures.SPOT_CHECK_TIMESTAMP
                | plx.PlxSupportedFeatures.SPO2PR_FAST
                | plx.PlxSupportedFeatures.SPO2PR_SLOW
                | plx.PlxSupportedFeatures.PULSE_AMPLITUDE_INDEX
                | plx.PlxSupportedFeatures.MULTIPLE_BONDS
            ),
        ),
        (
            "0100" + STATUS,
            plx.PlxFeatures(
                plx.PlxSupportedFeatures.MEASUREMENT_STATUS_SUPPORT_PRESENT, STATUS_VALUE
            ),
        ),
        (
            "0200" + DEVICE,
            plx.PlxFeatures(
                plx.PlxSupportedFeatures.DEVICE_AND_SENSOR_STATUS_SUPPORT_PRESENT,
                device_and_sensor_status_support=DEVICE_VALUE,
            ),
        ),
        (
            "0b00" + STATUS + DEVICE,
            plx.PlxFeatures(
                plx.PlxSupportedFeatures.MEASUREMENT_STATUS_SUPPORT_PRESENT
                | plx.PlxSupportedFeatures.DEVICE_AND_SENSOR_STATUS_SUPPORT_PRESENT
                | plx.PlxSupportedFeatures.SPOT_CHECK_TIMESTAMP,
                STATUS_VALUE,
                DEVICE_VALUE,
            ),
        ),
    ],
)
def test_features_layouts(hex_value: str, expected: plx.PlxFeatures) -> None:
    assert_vector(plx.decode_plx_features, plx.encode_plx_features, hex_value, expected)


# Bits 0-1 are presence bits, covered by the layouts above.
@pytest.mark.parametrize(("bit", "name"), list(enumerate(FEATURE_BITS))[2:])
def test_feature_bits(bit: int, name: str | None) -> None:
    m = plx.decode_plx_features((1 << bit).to_bytes(2, "little"))
    expected = plx.PlxSupportedFeatures(0) if name is None else plx.PlxSupportedFeatures[name]
    assert m.supported_features == expected


def test_features_reserved_bits_are_ignored() -> None:
    m = plx.decode_plx_features(bytes.fromhex("03ffffffffffff"))
    assert m == plx.PlxFeatures(
        plx.PlxSupportedFeatures.MEASUREMENT_STATUS_SUPPORT_PRESENT
        | plx.PlxSupportedFeatures.DEVICE_AND_SENSOR_STATUS_SUPPORT_PRESENT,
        plx.PlxMeasurementStatus(0xFFE0),
        plx.PlxDeviceAndSensorStatus(0xFFFF),
    )
    assert plx.encode_plx_features(m) == bytes.fromhex("0300e0ffffff00")


@pytest.mark.parametrize(
    ("hex_value", "offset"),
    [
        ("", 0),
        ("00", 0),  # supported features cut short
        ("0100", 2),  # measurement status support flagged but absent
        ("0100e0", 2),
        ("0200ffff", 2),  # device and sensor status support cut short
        ("0300e0ff", 4),  # device and sensor status support missing
        ("0300e0ffffff", 4),
        ("000000", 2),  # overlong
        ("0100e0ff00", 4),
    ],
)
def test_features_malformed(hex_value: str, offset: int) -> None:
    assert_decode_error(plx.decode_plx_features, hex_value, "plx-features", offset)


def test_features_presence_bits_must_match_the_fields() -> None:
    with pytest.raises(EncodeError):
        plx.PlxFeatures(plx.PlxSupportedFeatures.MEASUREMENT_STATUS_SUPPORT_PRESENT)
    with pytest.raises(EncodeError):
        plx.PlxFeatures(plx.PlxSupportedFeatures(0), plx.PlxMeasurementStatus(0))
    with pytest.raises(EncodeError):
        plx.PlxFeatures(plx.PlxSupportedFeatures.DEVICE_AND_SENSOR_STATUS_SUPPORT_PRESENT)
    with pytest.raises(EncodeError):
        plx.PlxFeatures(plx.PlxSupportedFeatures(0), None, plx.PlxDeviceAndSensorStatus(0))


def test_encode_errors() -> None:
    with pytest.raises(EncodeError):
        plx.encode_plx_spot_check_measurement(plx.PlxSpotCheckMeasurement(Decimal("98.123"), D72))
    with pytest.raises(EncodeError):
        plx.encode_plx_continuous_measurement(
            plx.PlxContinuousMeasurement(NORMAL_PAIR, pulse_amplitude_index=Decimal("1E+20"))
        )
