"""Health Thermometer Service vectors, built by hand from the GATT Specification Supplement."""

from __future__ import annotations

from decimal import Decimal

import pytest

from profiles.date_time import DateTime
from profiles.errors import EncodeError
from profiles.health_thermometer import (
    IntermediateTemperature,
    TemperatureMeasurement,
    TemperatureType,
    TemperatureTypeValue,
    decode_intermediate_temperature,
    decode_temperature_measurement,
    decode_temperature_type,
    encode_intermediate_temperature,
    encode_temperature_measurement,
    encode_temperature_type,
)
from profiles.ieee11073 import SpecialValue
from profiles.units import TemperatureUnit
from tests.profiles.assertions import assert_decode_error, assert_vector

T_36_4 = "6c0100ff"  # FLOAT mantissa 364, exponent -1
T_97_5 = "cf0300ff"  # FLOAT mantissa 975, exponent -1
STAMP = "ea070b16081e2d"  # 2026-11-22 08:30:45
STAMP_VALUE = DateTime(2026, 11, 22, 8, 30, 45)


@pytest.mark.parametrize(
    ("hex_value", "expected"),
    [
        ("00" + T_36_4, TemperatureMeasurement(Decimal("36.4"))),
        (
            "01" + T_97_5,
            TemperatureMeasurement(Decimal("97.5"), TemperatureUnit.FAHRENHEIT),
        ),
        ("02" + T_36_4 + STAMP, TemperatureMeasurement(Decimal("36.4"), timestamp=STAMP_VALUE)),
        (
            "04" + T_36_4 + "03",
            TemperatureMeasurement(Decimal("36.4"), temperature_type=TemperatureType.EAR),
        ),
        (
            "06" + T_36_4 + STAMP + "06",
            TemperatureMeasurement(
                Decimal("36.4"), TemperatureUnit.CELSIUS, STAMP_VALUE, TemperatureType.MOUTH
            ),
        ),
        (
            "07" + T_97_5 + STAMP + "09",
            TemperatureMeasurement(
                Decimal("97.5"), TemperatureUnit.FAHRENHEIT, STAMP_VALUE, TemperatureType.TYMPANUM
            ),
        ),
    ],
)
def test_every_layout(hex_value: str, expected: TemperatureMeasurement) -> None:
    assert_vector(
        decode_temperature_measurement, encode_temperature_measurement, hex_value, expected
    )


def test_precision_is_kept() -> None:
    m = decode_temperature_measurement(bytes.fromhex("00" + "6c0e00fe"))  # 3692e-2
    assert str(m.temperature) == "36.92"
    m = decode_temperature_measurement(bytes.fromhex("00" + "68010000"))  # 360e0
    assert str(m.temperature) == "360"


@pytest.mark.parametrize(
    ("raw", "special"),
    [
        ("ffff7f00", SpecialValue.NAN),
        ("00008000", SpecialValue.NRES),
        ("feff7f00", SpecialValue.POSITIVE_INFINITY),
        ("02008000", SpecialValue.NEGATIVE_INFINITY),
        ("01008000", SpecialValue.RESERVED),
    ],
)
def test_special_values(raw: str, special: SpecialValue) -> None:
    data = bytes.fromhex("00" + raw)
    m = decode_temperature_measurement(data)
    assert m.temperature is special
    assert encode_temperature_measurement(m) == data


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1, TemperatureType.ARMPIT),
        (2, TemperatureType.BODY),
        (3, TemperatureType.EAR),
        (4, TemperatureType.FINGER),
        (5, TemperatureType.GASTROINTESTINAL_TRACT),
        (6, TemperatureType.MOUTH),
        (7, TemperatureType.RECTUM),
        (8, TemperatureType.TOE),
        (9, TemperatureType.TYMPANUM),
    ],
)
def test_temperature_type_table(raw: int, expected: TemperatureType) -> None:
    m = decode_temperature_measurement(bytes.fromhex("04" + T_36_4) + bytes((raw,)))
    assert m.temperature_type is expected
    assert decode_temperature_type(bytes((raw,))) == TemperatureTypeValue(expected)


@pytest.mark.parametrize("raw", [0, 10, 0x7F, 0xFF])
def test_reserved_temperature_types_are_kept_as_ints(raw: int) -> None:
    data = bytes.fromhex("04" + T_36_4) + bytes((raw,))
    m = decode_temperature_measurement(data)
    assert type(m.temperature_type) is int
    assert m.temperature_type == raw
    assert encode_temperature_measurement(m) == data
    value = decode_temperature_type(bytes((raw,)))
    assert type(value.temperature_type) is int
    assert encode_temperature_type(value) == bytes((raw,))


def test_plain_int_with_a_known_value_becomes_the_member() -> None:
    m = TemperatureMeasurement(Decimal("36.4"), temperature_type=6)
    assert m.temperature_type is TemperatureType.MOUTH
    assert TemperatureTypeValue(2).temperature_type is TemperatureType.BODY


def test_reserved_flag_bits_are_ignored() -> None:
    plain = decode_temperature_measurement(bytes.fromhex("04" + T_36_4 + "02"))
    noisy = decode_temperature_measurement(bytes.fromhex("fc" + T_36_4 + "02"))
    assert plain == noisy


@pytest.mark.parametrize(
    ("hex_value", "offset"),
    [
        ("", 0),
        ("00", 1),  # temperature missing
        ("006c0100", 1),  # temperature cut short
        ("02" + T_36_4 + "ea07", 5),  # time stamp cut short
        ("02" + T_36_4, 5),  # time stamp flagged but absent
        ("04" + T_36_4, 5),  # temperature type flagged but absent
        ("06" + T_36_4 + STAMP, 12),  # temperature type missing after the time stamp
        ("00" + T_36_4 + "00", 5),  # overlong
        ("07" + T_97_5 + STAMP + "0900", 13),  # overlong after every field
        ("02" + T_36_4 + "ea070d01000000", 5),  # month 13
        ("02" + T_36_4 + "ea07021e000000", 5),  # 30 February
        ("02" + T_36_4 + "ea070b16180000", 5),  # hour 24
    ],
)
def test_malformed(hex_value: str, offset: int) -> None:
    for decode, name in (
        (decode_temperature_measurement, "temperature-measurement"),
        (decode_intermediate_temperature, "intermediate-temperature"),
    ):
        assert_decode_error(decode, hex_value, name, offset)


def test_intermediate_temperature_shares_the_layout() -> None:
    data = bytes.fromhex("07" + T_97_5 + STAMP + "01")
    m = decode_intermediate_temperature(data)
    assert m == IntermediateTemperature(
        Decimal("97.5"), TemperatureUnit.FAHRENHEIT, STAMP_VALUE, TemperatureType.ARMPIT
    )
    assert encode_intermediate_temperature(m) == data
    assert not isinstance(m, TemperatureMeasurement)


@pytest.mark.parametrize(("hex_value", "offset"), [("", 0), ("0200", 1)])
def test_temperature_type_malformed(hex_value: str, offset: int) -> None:
    assert_decode_error(decode_temperature_type, hex_value, "temperature-type", offset)


def test_encode_errors() -> None:
    with pytest.raises(EncodeError):
        encode_temperature_measurement(
            TemperatureMeasurement(Decimal("36.4"), temperature_type=256)
        )
    with pytest.raises(EncodeError):
        encode_temperature_measurement(TemperatureMeasurement(Decimal("1E+200")))
    with pytest.raises(EncodeError):
        encode_temperature_type(TemperatureTypeValue(-1))
