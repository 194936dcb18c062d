"""Heart Rate Service vectors, built by hand from the GATT Specification Supplement."""

from __future__ import annotations

from decimal import Decimal

import pytest

from profiles.errors import EncodeError
from profiles.heart_rate import (
    BodySensorLocation,
    BodySensorLocationValue,
    HeartRateMeasurement,
    HeartRateValueFormat,
    SensorContact,
    decode_body_sensor_location,
    decode_heart_rate_measurement,
    encode_body_sensor_location,
    encode_heart_rate_measurement,
)
from tests.profiles.assertions import assert_decode_error, assert_vector

U8, U16 = HeartRateValueFormat.UINT8, HeartRateValueFormat.UINT16


@pytest.mark.parametrize(
    ("hex_value", "expected"),
    [
        ("0048", HeartRateMeasurement(72)),
        ("014800", HeartRateMeasurement(72, U16)),  # uint16 format kept for a small value
        ("012c01", HeartRateMeasurement(300, U16)),
        ("0448", HeartRateMeasurement(72, sensor_contact=SensorContact.NOT_DETECTED)),
        ("0648", HeartRateMeasurement(72, sensor_contact=SensorContact.DETECTED)),
        ("0848e803", HeartRateMeasurement(72, energy_expended=1000)),
        ("10480004", HeartRateMeasurement(72, rr_intervals=(Decimal("1.0000000000"),))),
        (
            "1048000400022003",  # 1024, 512, 800 / 1024 s
            HeartRateMeasurement(
                72,
                rr_intervals=(
                    Decimal("1.0000000000"),
                    Decimal("0.5000000000"),
                    Decimal("0.7812500000"),
                ),
            ),
        ),
        (
            "1848ffff0100ffff",
            HeartRateMeasurement(
                72,
                energy_expended=0xFFFF,
                rr_intervals=(Decimal("0.0009765625"), Decimal("63.9990234375")),
            ),
        ),
        (
            "1f2c01e80300040002",
            HeartRateMeasurement(
                300,
                U16,
                SensorContact.DETECTED,
                1000,
                (Decimal("1.0000000000"), Decimal("0.5000000000")),
            ),
        ),
    ],
)
def test_every_layout(hex_value: str, expected: HeartRateMeasurement) -> None:
    assert_vector(decode_heart_rate_measurement, encode_heart_rate_measurement, hex_value, expected)


def test_rr_interval_seconds_are_exact() -> None:
    m = decode_heart_rate_measurement(bytes.fromhex("10482003"))
    assert m.rr_intervals[0] * 1024 == 800


def test_contact_value_1_means_not_supported() -> None:
    m = decode_heart_rate_measurement(bytes.fromhex("0248"))
    assert m.sensor_contact is SensorContact.NOT_SUPPORTED
    assert encode_heart_rate_measurement(m) == bytes.fromhex("0048")


def test_reserved_flag_bits_are_ignored() -> None:
    plain = decode_heart_rate_measurement(bytes.fromhex("0e48e803"))
    noisy = decode_heart_rate_measurement(bytes.fromhex("ee48e803"))
    assert plain == noisy


@pytest.mark.parametrize(
    ("hex_value", "offset"),
    [
        ("", 0),
        ("00", 1),  # heart rate missing
        ("01", 1),
        ("0148", 1),  # uint16 heart rate cut short
        ("0848", 2),  # energy expended flagged but absent
        ("0848e8", 2),  # energy expended cut short
        ("1048", 2),  # RR-intervals flagged but none present
        ("104800", 2),  # RR-interval cut short
        ("1048000400", 4),  # odd byte after the RR-intervals
        ("10480004000220", 6),
        ("1848e803", 4),  # RR-intervals missing after energy expended
        ("11480000", 3),  # uint16 format shifts the RR-intervals
        ("004800", 2),  # overlong
        ("01480000", 3),
        ("0848e80300", 4),
    ],
)
def test_malformed(hex_value: str, offset: int) -> None:
    assert_decode_error(decode_heart_rate_measurement, hex_value, "heart-rate-measurement", offset)


def test_value_format_is_validated() -> None:
    with pytest.raises(EncodeError):
        HeartRateMeasurement(256)
    assert encode_heart_rate_measurement(HeartRateMeasurement(255)) == bytes.fromhex("00ff")
    assert encode_heart_rate_measurement(HeartRateMeasurement(256, U16)) == bytes.fromhex("010001")


@pytest.mark.parametrize(
    "measurement",
    [
        HeartRateMeasurement(-1),
        HeartRateMeasurement(0x10000, U16),
        HeartRateMeasurement(72, energy_expended=0x10000),
        HeartRateMeasurement(72, rr_intervals=(Decimal("0.1"),)),  # not n/1024 s
        HeartRateMeasurement(72, rr_intervals=(Decimal(64),)),  # 65536/1024 s
        HeartRateMeasurement(72, rr_intervals=(Decimal(-1),)),
        HeartRateMeasurement(72, rr_intervals=(Decimal("Infinity"),)),
        HeartRateMeasurement(72, rr_intervals=(Decimal("NaN"),)),
    ],
)
def test_encode_errors(measurement: HeartRateMeasurement) -> None:
    with pytest.raises(EncodeError):
        encode_heart_rate_measurement(measurement)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (0, BodySensorLocation.OTHER),
        (1, BodySensorLocation.CHEST),
        (2, BodySensorLocation.WRIST),
        (3, BodySensorLocation.FINGER),
        (4, BodySensorLocation.HAND),
        (5, BodySensorLocation.EAR_LOBE),
        (6, BodySensorLocation.FOOT),
    ],
)
def test_body_sensor_location_table(raw: int, expected: BodySensorLocation) -> None:
    value = decode_body_sensor_location(bytes((raw,)))
    assert value.location is expected
    assert encode_body_sensor_location(value) == bytes((raw,))


@pytest.mark.parametrize("raw", [7, 0x80, 0xFF])
def test_reserved_body_sensor_locations_are_kept_as_ints(raw: int) -> None:
    value = decode_body_sensor_location(bytes((raw,)))
    assert type(value.location) is int
    assert value.location == raw
    assert encode_body_sensor_location(value) == bytes((raw,))


def test_body_sensor_location_plain_int_becomes_the_member() -> None:
    assert BodySensorLocationValue(2).location is BodySensorLocation.WRIST


@pytest.mark.parametrize(("hex_value", "offset"), [("", 0), ("0100", 1)])
def test_body_sensor_location_malformed(hex_value: str, offset: int) -> None:
    assert_decode_error(decode_body_sensor_location, hex_value, "body-sensor-location", offset)


def test_body_sensor_location_encode_error() -> None:
    with pytest.raises(EncodeError):
        encode_body_sensor_location(BodySensorLocationValue(256))
