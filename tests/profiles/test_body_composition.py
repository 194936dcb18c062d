"""Body Composition Service vectors, built by hand from the GATT Specification Supplement layout
and the BCS 1.0 multiple-packet rules."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from profiles import body_composition as bc
from profiles.date_time import DateTime
from profiles.errors import DecodeError, EncodeError
from profiles.units import LengthUnit, MassUnit
from profiles.weight_scale import HeightResolution, MassResolution
from tests.profiles.assertions import assert_decode_error
from tests.strategies.body_composition import body_composition_measurements

TS_HEX = "ea070b16081e2d"  # 2026-11-22 08:30:45
TS = DateTime(2026, 11, 22, 8, 30, 45)

# Every field, SI: 30 bytes.
FULL_HEX = (
    "fe0f"  # flags: bits 1-11
    "c800" + TS_HEX + "01"  # body fat 200 x 0.1 = 20.0 %  # user 1
    "7017"  # basal metabolism 6000 kJ
    "9001"  # muscle percentage 400 x 0.1 = 40.0 %
    "1027"  # muscle mass 10000 x 0.005 = 50.000 kg
    "f82a"  # fat free mass 11000 -> 55.000 kg
    "2823"  # soft lean mass 9000 -> 45.000 kg
    "401f"  # body water mass 8000 -> 40.000 kg
    "8813"  # impedance 5000 x 0.1 = 500.0 Ohm
    "b036"  # weight 14000 -> 70.000 kg
    "d606"  # height 1750 x 0.001 = 1.750 m
)
FULL = bc.BodyCompositionMeasurement(
    body_fat_percentage=Decimal("20.0"),
    mass_unit=MassUnit.KILOGRAM,
    timestamp=TS,
    user_id=1,
    basal_metabolism=6000,
    muscle_percentage=Decimal("40.0"),
    muscle_mass=Decimal("50.000"),
    fat_free_mass=Decimal("55.000"),
    soft_lean_mass=Decimal("45.000"),
    body_water_mass=Decimal("40.000"),
    impedance=Decimal("500.0"),
    weight=Decimal("70.000"),
    height=Decimal("1.750"),
)


def test_all_fields() -> None:
    data = bytes.fromhex(FULL_HEX)
    assert len(data) == 30
    m = bc.decode_body_composition_measurement(data)
    assert m == FULL
    assert repr(m) == repr(FULL)
    assert m.length_unit is LengthUnit.METRE
    assert bc.encode_body_composition_measurement(m) == data


def test_minimal_and_imperial() -> None:
    m = bc.decode_body_composition_measurement(bytes.fromhex("0000c800"))
    assert m == bc.BodyCompositionMeasurement(Decimal("20.0"))
    # imperial + muscle mass + weight + height: 11023 x 0.01 lb, 15432 x 0.01 lb, 689 x 0.1 in.
    data = bytes.fromhex("210cc8000f2b483cb102")
    m = bc.decode_body_composition_measurement(data)
    assert m.mass_unit is MassUnit.POUND
    assert m.length_unit is LengthUnit.INCH
    assert (repr(m.muscle_mass), repr(m.weight), repr(m.height)) == (
        "Decimal('110.23')",
        "Decimal('154.32')",
        "Decimal('68.9')",
    )
    assert bc.encode_body_composition_measurement(m) == data


@pytest.mark.parametrize(
    ("flag", "field_hex", "name", "value"),
    [
        (0x0002, TS_HEX, "timestamp", TS),
        (0x0004, "ff", "user_id", 0xFF),
        (0x0008, "ffff", "basal_metabolism", 65535),
        (0x0010, "e803", "muscle_percentage", Decimal("100.0")),
        (0x0020, "0100", "muscle_mass", Decimal("0.005")),
        (0x0040, "0200", "fat_free_mass", Decimal("0.010")),
        (0x0080, "0300", "soft_lean_mass", Decimal("0.015")),
        (0x0100, "ffff", "body_water_mass", Decimal("327.675")),
        (0x0200, "0100", "impedance", Decimal("0.1")),
        (0x0400, "0000", "weight", Decimal("0.000")),
        (0x0800, "0100", "height", Decimal("0.001")),
    ],
)
def test_each_optional_field(flag: int, field_hex: str, name: str, value: Any) -> None:
    data = flag.to_bytes(2, "little") + bytes.fromhex("c800" + field_hex)
    m = bc.decode_body_composition_measurement(data)
    assert getattr(m, name) == value
    assert repr(getattr(m, name)) == repr(value)
    expected = replace(bc.BodyCompositionMeasurement(Decimal("20.0")), **{name: value})
    assert m == expected
    assert bc.encode_body_composition_measurement(m) == data


def test_measurement_unsuccessful() -> None:
    data = bytes.fromhex("0600ffff" + TS_HEX + "02")
    m = bc.decode_body_composition_measurement(data)
    assert m.body_fat_percentage is None
    assert m.measurement_unsuccessful
    assert (m.timestamp, m.user_id) == (TS, 2)
    assert bc.encode_body_composition_measurement(m) == data


def test_reserved_flag_bits_ignored_and_multiple_packet_kept() -> None:
    plain = bc.decode_body_composition_measurement(bytes.fromhex("0000c800"))
    assert bc.decode_body_composition_measurement(bytes.fromhex("00e0c800")) == plain
    packet = bc.decode_body_composition_measurement(bytes.fromhex("0010c800"))
    assert packet.multiple_packet
    assert packet == replace(plain, multiple_packet=True)
    assert bc.encode_body_composition_measurement(packet) == bytes.fromhex("0010c800")


@pytest.mark.parametrize(
    ("hex_value", "offset"),
    [
        ("", 0),
        ("00", 0),
        ("0000", 2),
        ("0000c8", 2),
        ("0200c800ea07", 4),  # time stamp cut short
        ("0400c800", 4),  # user id absent
        ("0800c80070", 4),  # basal metabolism cut short
        ("1000c800", 4),
        ("2000c800", 4),
        ("4000c800", 4),
        ("8000c800", 4),
        ("0001c800", 4),
        ("0002c800", 4),
        ("0004c800", 4),
        ("0008c80001", 4),
        (FULL_HEX[:-2], 28),  # height cut short
        (FULL_HEX[:-4], 28),  # height absent
        (FULL_HEX[:-6], 26),  # weight cut short
        (FULL_HEX + "00", 30),  # overlong
        ("0000c80000", 4),  # overlong
        ("0200c800ea070d01000000", 4),  # month 13
        ("0200c800ea07021e000000", 4),  # 30 February
    ],
)
def test_malformed(hex_value: str, offset: int) -> None:
    assert_decode_error(
        bc.decode_body_composition_measurement, hex_value, "body-composition-measurement", offset
    )


@pytest.mark.parametrize(
    "m",
    [
        bc.BodyCompositionMeasurement(Decimal("6553.5")),  # raw 0xFFFF is "unsuccessful"
        bc.BodyCompositionMeasurement(Decimal("20.05")),
        bc.BodyCompositionMeasurement(Decimal("20"), weight=Decimal("70.001")),
        bc.BodyCompositionMeasurement(Decimal("20"), MassUnit.POUND, weight=Decimal("70.005")),
        bc.BodyCompositionMeasurement(Decimal("20"), height=Decimal("65.536")),
        bc.BodyCompositionMeasurement(Decimal("20"), basal_metabolism=65536),
        bc.BodyCompositionMeasurement(Decimal("20"), impedance=Decimal("-0.1")),
        bc.BodyCompositionMeasurement(Decimal("20"), user_id=-1),
    ],
)
def test_unencodable(m: bc.BodyCompositionMeasurement) -> None:
    with pytest.raises(EncodeError):
        bc.encode_body_composition_measurement(m)


# Resolution from the Body Composition Feature.


def test_resolution_from_feature() -> None:
    feature = bc.BodyCompositionFeature(
        mass_resolution=MassResolution.KG_0_1_OR_LB_0_2,
        height_resolution=HeightResolution.M_0_01_OR_IN_1,
    )
    data = bytes.fromhex(FULL_HEX)
    m = bc.decode_body_composition_measurement(data, feature=feature)
    assert repr(m.weight) == "Decimal('70.0')"
    assert repr(m.muscle_mass) == "Decimal('50.0')"
    assert repr(m.height) == "Decimal('1.75')"
    assert repr(m.body_fat_percentage) == "Decimal('20.0')"  # not a mass: unchanged
    assert bc.encode_body_composition_measurement(m) == data
    # 14001 x 0.005 = 70.005 is no multiple of 0.1 kg: full precision kept.
    odd = bc.decode_body_composition_measurement(bytes.fromhex("0004c800b136"), feature=feature)
    assert repr(odd.weight) == "Decimal('70.005')"


# Multiple packets.

FIRST_HEX = "7e10c800" + TS_HEX + "01" + "7017" + "9001" + "1027" + "f82a"  # 20 bytes
SECOND_HEX = "801fc800" + "2823" + "401f" + "8813" + "b036" + "d606"  # 14 bytes


def test_split_at_minimum_payload() -> None:
    packets = bc.encode_body_composition_packets(FULL)
    assert [p.hex() for p in packets] == [FIRST_HEX, SECOND_HEX]
    first = bc.decode_body_composition_measurement(packets[0])
    assert first.multiple_packet
    assert (first.timestamp, first.user_id, first.soft_lean_mass) == (TS, 1, None)
    second = bc.decode_body_composition_measurement(packets[1])
    assert second.multiple_packet
    assert second.body_fat_percentage == Decimal("20.0")  # repeated in every packet
    assert (second.timestamp, second.muscle_mass, second.height) == (None, None, Decimal("1.750"))


def test_split_at_other_payload_sizes() -> None:
    packets = bc.encode_body_composition_packets(FULL, 25)
    assert [len(p) for p in packets] == [24, 10]
    assert bc.encode_body_composition_packets(FULL, 30) == (bytes.fromhex(FULL_HEX),)
    # A measurement that fits is one value with the multiple-packet bit clear.
    small = bc.BodyCompositionMeasurement(Decimal("20.0"), timestamp=TS, multiple_packet=True)
    (only,) = bc.encode_body_composition_packets(small)
    assert not bc.decode_body_composition_measurement(only).multiple_packet
    with pytest.raises(EncodeError):
        bc.encode_body_composition_packets(FULL, 19)


def test_reassembly() -> None:
    r = bc.BodyCompositionReassembler()
    assert r.feed(bytes.fromhex(FIRST_HEX)) is None
    assert r.pending == 1
    m = r.feed(bytes.fromhex(SECOND_HEX))
    assert m == FULL
    assert repr(m) == repr(FULL)
    assert r.pending == 0
    # A single-packet measurement passes straight through.
    assert r.feed(bytes.fromhex("0000c800")) == bc.BodyCompositionMeasurement(Decimal("20.0"))
    # Decoded packets are accepted too.
    assert r.feed(bc.decode_body_composition_measurement(bytes.fromhex(FIRST_HEX))) is None
    assert r.feed(bc.decode_body_composition_measurement(bytes.fromhex(SECOND_HEX))) == FULL


def test_reassembly_with_feature_and_more_packets() -> None:
    feature = bc.BodyCompositionFeature(mass_resolution=MassResolution.KG_0_1_OR_LB_0_2)
    r = bc.BodyCompositionReassembler(3, feature=feature)
    assert r.feed(bytes.fromhex("0610c800" + TS_HEX + "01")) is None
    assert r.feed(bytes.fromhex("0014c800b036")) is None
    m = r.feed(bytes.fromhex("0018c800d606"))
    assert m is not None
    assert repr(m.weight) == "Decimal('70.0')"
    assert (m.timestamp, m.user_id, m.height, m.multiple_packet) == (TS, 1, Decimal("1.750"), False)
    with pytest.raises(ValueError, match="at least 2 packets"):
        bc.BodyCompositionReassembler(1)


def test_flush_returns_the_incomplete_measurement() -> None:
    r = bc.BodyCompositionReassembler()
    assert r.flush() is None
    r.feed(bytes.fromhex(FIRST_HEX))
    partial = r.flush()
    assert partial == bc.decode_body_composition_measurement(bytes.fromhex(FIRST_HEX))
    assert partial is not None
    assert partial.multiple_packet
    assert r.pending == 0
    assert r.flush() is None


def test_repeated_equal_fields_are_accepted() -> None:
    r = bc.BodyCompositionReassembler()
    r.feed(bytes.fromhex("0610c800" + TS_HEX + "01"))
    m = r.feed(bytes.fromhex("0614c800" + TS_HEX + "01b036"))
    assert m == bc.BodyCompositionMeasurement(
        Decimal("20.0"), timestamp=TS, user_id=1, weight=Decimal("70.000")
    )


@pytest.mark.parametrize(
    ("second_hex", "offset", "reason"),
    [
        ("8110c8002823", 0, "units"),  # imperial after SI
        ("8010c9002823", 2, "body fat"),
        ("8010ffff2823", 2, "body fat"),
        ("0210c800e9070b16081e2d", 4, "time stamp"),
        ("0610c800" + TS_HEX + "02", 11, "user id"),
        ("2010c8001127", 4, "muscle mass"),  # muscle mass 10001 after 10000
        ("0000c800", 0, "single-packet"),
    ],
)
def test_inconsistent_packets(second_hex: str, offset: int, reason: str) -> None:
    r = bc.BodyCompositionReassembler()
    r.feed(bytes.fromhex(FIRST_HEX))
    error = assert_decode_error(r.feed, second_hex, "body-composition-measurement", offset)
    assert reason in error.reason
    assert r.pending == 0  # pending packets dropped
    # The rejected packet can be fed again to start afresh.
    again = r.feed(bytes.fromhex(second_hex))
    assert (again is None) == (second_hex != "0000c800")


def test_malformed_packet_leaves_pending_state() -> None:
    r = bc.BodyCompositionReassembler()
    r.feed(bytes.fromhex(FIRST_HEX))
    with pytest.raises(DecodeError):
        r.feed(bytes.fromhex("8010c80028"))
    assert r.pending == 1
    assert r.feed(bytes.fromhex(SECOND_HEX)) == FULL


@settings(max_examples=300, deadline=None)
@given(body_composition_measurements(), st.integers(20, 40))
def test_split_and_reassemble_round_trip(m: bc.BodyCompositionMeasurement, payload: int) -> None:
    packets = bc.encode_body_composition_packets(m, payload)
    assert all(len(p) <= payload for p in packets)
    assert len(packets) <= 2
    r = bc.BodyCompositionReassembler()
    results = [r.feed(p) for p in packets]
    assert results[:-1] == [None] * (len(packets) - 1)
    expected = replace(m, multiple_packet=False)
    assert results[-1] == expected
    assert repr(results[-1]) == repr(expected)


# Body Composition Feature.


def test_feature() -> None:
    # every field supported (0x7FF), mass code 3 (<< 11), height code 1 (<< 15).
    data = bytes.fromhex("ff9f0000")
    feature = bc.decode_body_composition_feature(data)
    assert feature == bc.BodyCompositionFeature(
        bc.BodyCompositionFeatureFlag(0x7FF),
        MassResolution.KG_0_1_OR_LB_0_2,
        HeightResolution.M_0_01_OR_IN_1,
    )
    assert bc.BodyCompositionFeatureFlag.HEIGHT in feature.supported
    assert bc.encode_body_composition_feature(feature) == data
    # bits 18-31 reserved and ignored; mass code 15 and height code 7 are reserved: kept as ints.
    noisy = bc.decode_body_composition_feature(bytes.fromhex("01f8ffff"))
    assert noisy.supported == bc.BodyCompositionFeatureFlag.TIME_STAMP
    assert (noisy.mass_resolution, noisy.height_resolution) == (15, 7)
    assert type(noisy.mass_resolution) is int
    assert bc.encode_body_composition_feature(noisy) == bytes.fromhex("01f80300")


@pytest.mark.parametrize(("hex_value", "offset"), [("", 0), ("ff9f00", 0), ("ff9f000000", 4)])
def test_feature_malformed(hex_value: str, offset: int) -> None:
    assert_decode_error(
        bc.decode_body_composition_feature, hex_value, "body-composition-feature", offset
    )
