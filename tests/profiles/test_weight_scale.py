"""Weight Scale Service vectors, built by hand from the GATT Specification Supplement layout."""

from __future__ import annotations

from decimal import Decimal

import pytest

from profiles import weight_scale as ws
from profiles.date_time import DateTime
from profiles.errors import EncodeError
from profiles.units import LengthUnit, MassUnit
from tests.profiles.assertions import assert_decode_error, assert_vector

TS_HEX = "ea070b16081e2d"  # 2026-11-22 08:30:45
TS = DateTime(2026, 11, 22, 8, 30, 45)

# flags 0x0E: time stamp, user id, BMI and height; SI.
FULL_SI = bytes.fromhex(
    "0e"  # flags
    "b036" + TS_HEX + "03"  # weight 14000 x 0.005 kg = 70.000 kg  # user 3
    "e500"  # BMI 229 x 0.1 = 22.9
    "d606"  # height 1750 x 0.001 m = 1.750 m
)


def test_all_fields_si() -> None:
    m = ws.decode_weight_measurement(FULL_SI)
    assert m == ws.WeightMeasurement(
        weight=Decimal("70.000"),
        mass_unit=MassUnit.KILOGRAM,
        timestamp=TS,
        user_id=3,
        bmi=Decimal("22.9"),
        height=Decimal("1.750"),
    )
    assert repr(m.weight) == "Decimal('70.000')"
    assert repr(m.height) == "Decimal('1.750')"
    assert m.length_unit is LengthUnit.METRE
    assert not m.measurement_unsuccessful
    assert ws.encode_weight_measurement(m) == FULL_SI


def test_imperial_with_bmi_and_height() -> None:
    # flags 0x09: imperial, BMI and height; 15432 x 0.01 lb, 689 x 0.1 in.
    data = bytes.fromhex("09483ce500b102")
    m = ws.decode_weight_measurement(data)
    assert m.mass_unit is MassUnit.POUND
    assert m.length_unit is LengthUnit.INCH
    assert repr(m.weight) == "Decimal('154.32')"
    assert repr(m.height) == "Decimal('68.9')"
    assert m.bmi == Decimal("22.9")
    assert ws.encode_weight_measurement(m) == data


@pytest.mark.parametrize(
    ("hex_value", "expected"),
    [
        ("00b036", ws.WeightMeasurement(Decimal("70.000"))),
        ("01483c", ws.WeightMeasurement(Decimal("154.32"), MassUnit.POUND)),
        ("02b036" + TS_HEX, ws.WeightMeasurement(Decimal("70.000"), timestamp=TS)),
        ("04b036ff", ws.WeightMeasurement(Decimal("70.000"), user_id=0xFF)),
        (
            "08b036e500d606",
            ws.WeightMeasurement(Decimal("70.000"), bmi=Decimal("22.9"), height=Decimal("1.750")),
        ),
        ("000000", ws.WeightMeasurement(Decimal("0.000"))),
        ("00feff", ws.WeightMeasurement(Decimal("327.670"))),
    ],
)
def test_each_layout(hex_value: str, expected: ws.WeightMeasurement) -> None:
    assert_vector(ws.decode_weight_measurement, ws.encode_weight_measurement, hex_value, expected)


def test_measurement_unsuccessful_keeps_other_fields() -> None:
    m = ws.decode_weight_measurement(bytes.fromhex("0effff" + TS_HEX + "02e500d606"))
    assert m.weight is None
    assert m.measurement_unsuccessful
    assert (m.timestamp, m.user_id, m.bmi) == (TS, 2, Decimal("22.9"))
    assert ws.encode_weight_measurement(m).hex() == "0effff" + TS_HEX + "02e500d606"
    assert (
        ws.encode_weight_measurement(ws.WeightMeasurement(None, MassUnit.POUND)) == b"\x01\xff\xff"
    )


def test_reserved_flag_bits_are_ignored() -> None:
    assert ws.decode_weight_measurement(bytes.fromhex("f0b036")) == ws.decode_weight_measurement(
        bytes.fromhex("00b036")
    )


@pytest.mark.parametrize(
    ("hex_value", "offset"),
    [
        ("", 0),
        ("00", 1),
        ("00b0", 1),
        ("02b036ea07", 3),  # time stamp cut short
        ("04b036", 3),  # user id flagged but absent
        ("08b036", 3),  # BMI flagged but absent
        ("08b036e5", 3),  # BMI cut short
        ("08b036e500", 5),  # height absent
        ("08b036e500d6", 5),  # height cut short
        ("00b03600", 3),  # overlong
        ("0eb036" + TS_HEX + "03e500d60600", 15),  # overlong after every field
        ("02b036ea070d01000000", 3),  # month 13
        ("02b036ea07021e000000", 3),  # 30 February
        ("02b036ea070101180000", 3),  # hour 24
    ],
)
def test_malformed(hex_value: str, offset: int) -> None:
    assert_decode_error(ws.decode_weight_measurement, hex_value, "weight-measurement", offset)


@pytest.mark.parametrize(
    "m",
    [
        ws.WeightMeasurement(Decimal("70.001")),  # not a multiple of 0.005 kg
        ws.WeightMeasurement(Decimal("70.005"), MassUnit.POUND),  # not a multiple of 0.01 lb
        ws.WeightMeasurement(Decimal("327.675")),  # raw 0xFFFF is "unsuccessful"
        ws.WeightMeasurement(Decimal("-0.005")),
        ws.WeightMeasurement(Decimal("Infinity")),
        ws.WeightMeasurement(Decimal("70"), bmi=Decimal("6553.6"), height=Decimal("1")),
        ws.WeightMeasurement(Decimal("70"), bmi=Decimal("22.95"), height=Decimal("1")),
        ws.WeightMeasurement(Decimal("70"), bmi=Decimal("22.9"), height=Decimal("1.7505")),
        ws.WeightMeasurement(
            Decimal("70"), MassUnit.POUND, bmi=Decimal("1"), height=Decimal("1.75")
        ),
        ws.WeightMeasurement(Decimal("70"), user_id=256),
    ],
)
def test_unencodable(m: ws.WeightMeasurement) -> None:
    with pytest.raises(EncodeError):
        ws.encode_weight_measurement(m)


def test_bmi_and_height_go_together() -> None:
    with pytest.raises(EncodeError):
        ws.WeightMeasurement(Decimal("70"), bmi=Decimal("22.9"))
    with pytest.raises(EncodeError):
        ws.WeightMeasurement(Decimal("70"), height=Decimal("1.75"))


# Resolution from the Weight Scale Feature.

TENTH_KG = ws.WeightScaleFeature(
    weight_resolution=ws.MassResolution.KG_0_1_OR_LB_0_2,
    height_resolution=ws.HeightResolution.M_0_01_OR_IN_1,
)


@pytest.mark.parametrize(
    ("hex_value", "feature", "weight", "height"),
    [
        ("08b036e500d606", TENTH_KG, "70.0", "1.75"),  # exact multiples: resolution decimals
        ("08b136e500d706", TENTH_KG, "70.005", "1.751"),  # not multiples: full precision kept
        ("09483ce500b102", TENTH_KG, "154.32", "68.9"),  # 0.2 lb / 1 in: not multiples
        ("09503ce500a802", TENTH_KG, "154.4", "68"),  # 15440 x 0.01 = 154.4, 680 x 0.1 = 68
        ("08b036e500d606", ws.WeightScaleFeature(), "70.000", "1.750"),  # not specified
        (
            "08b036e500d606",
            ws.WeightScaleFeature(weight_resolution=ws.MassResolution.KG_0_5_OR_LB_1),
            "70.0",
            "1.750",
        ),
        (
            "09581be500a802",  # 7000 x 0.01 lb = 70 lb at 1 lb resolution
            ws.WeightScaleFeature(
                weight_resolution=ws.MassResolution.KG_0_5_OR_LB_1,
                height_resolution=ws.HeightResolution.M_0_005_OR_IN_0_5,
            ),
            "70",
            "68.0",
        ),
        (
            "08b036e500d606",
            ws.WeightScaleFeature(weight_resolution=12, height_resolution=6),  # reserved codes
            "70.000",
            "1.750",
        ),
    ],
)
def test_resolution_from_feature(
    hex_value: str, feature: ws.WeightScaleFeature, weight: str, height: str
) -> None:
    data = bytes.fromhex(hex_value)
    m = ws.decode_weight_measurement(data, feature=feature)
    assert repr(m.weight) == f"Decimal('{weight}')"
    assert repr(m.height) == f"Decimal('{height}')"
    assert m.bmi == Decimal("22.9")
    assert ws.encode_weight_measurement(m) == data  # both forms encode
    again = ws.decode_weight_measurement(ws.encode_weight_measurement(m), feature=feature)
    assert repr(again) == repr(m)
    # Without the feature the field's own precision comes back.
    assert ws.decode_weight_measurement(data) == m


def test_resolution_leaves_unsuccessful_alone() -> None:
    assert ws.decode_weight_measurement(bytes.fromhex("00ffff"), feature=TENTH_KG).weight is None


# Weight Scale Feature.


def test_feature() -> None:
    # time stamp + multiple users + BMI (0x07), weight code 4 (<< 3), height code 3 (<< 7).
    data = bytes.fromhex("a7010000")
    feature = ws.decode_weight_scale_feature(data)
    assert feature == ws.WeightScaleFeature(
        ws.WeightScaleFeatureFlag.TIME_STAMP
        | ws.WeightScaleFeatureFlag.MULTIPLE_USERS
        | ws.WeightScaleFeatureFlag.BMI,
        ws.MassResolution.KG_0_05_OR_LB_0_1,
        ws.HeightResolution.M_0_001_OR_IN_0_1,
    )
    assert ws.encode_weight_scale_feature(feature) == data


def test_feature_reserved_bits_ignored_and_reserved_codes_kept() -> None:
    feature = ws.decode_weight_scale_feature(bytes.fromhex("42fcffff"))
    # bits 10-31 ignored; weight code 8 and height code 7 are reserved: kept as ints.
    assert feature.supported == ws.WeightScaleFeatureFlag.MULTIPLE_USERS
    assert feature.weight_resolution == 8
    assert type(feature.weight_resolution) is int
    assert feature.height_resolution == 0
    assert ws.decode_weight_scale_feature(bytes.fromhex("80030000")).height_resolution == 7
    assert ws.encode_weight_scale_feature(feature) == bytes.fromhex("42000000")


def test_feature_normalises_known_codes() -> None:
    assert repr(ws.WeightScaleFeature(weight_resolution=3)) == repr(
        ws.WeightScaleFeature(weight_resolution=ws.MassResolution.KG_0_1_OR_LB_0_2)
    )
    with pytest.raises(EncodeError):
        ws.WeightScaleFeature(weight_resolution=16)
    with pytest.raises(EncodeError):
        ws.WeightScaleFeature(height_resolution=8)


@pytest.mark.parametrize(("hex_value", "offset"), [("", 0), ("a70100", 0), ("a701000000", 4)])
def test_feature_malformed(hex_value: str, offset: int) -> None:
    assert_decode_error(ws.decode_weight_scale_feature, hex_value, "weight-scale-feature", offset)
