"""Weight Scale Service (0x181D): Weight Measurement (0x2A9D) and Weight Scale Feature (0x2A9E),
per the GATT Specification Supplement and the Weight Scale Service 1.0.

Measurement layout: flags (uint8), weight (uint16), then present by flag: time stamp (bit 1,
Date Time), user id (bit 2, uint8, 0xFF = unknown user), BMI (uint16, 0.1 kg/m2) and height
(uint16) together (bit 3). Flag bit 0 selects the units: 0 = SI (weight 0.005 kg, height
0.001 m), 1 = imperial (weight 0.01 lb, height 0.1 in). Bits 4-7 are reserved and ignored.
A weight of 0xFFFF means "measurement unsuccessful" (``weight is None``); the other fields
still decode.

Feature layout (uint32): bit 0 time stamp, bit 1 multiple users, bit 2 BMI supported; bits 3-6
weight measurement resolution, bits 7-9 height measurement resolution (codes in
:class:`MassResolution` / :class:`HeightResolution`, shared with the Body Composition Feature);
bits 10-31 are reserved and ignored.

Resolution: the fields always carry their full wire precision (0.005 kg = 3 decimals). Passing
the scale's feature to :func:`decode_weight_measurement` gives weight and height with the
decimals the declared resolution implies (0.1 kg: ``70.0``), but only when the value is an exact
multiple of that resolution; otherwise the full field precision is kept, never rounded (a value
between resolution steps means the scale did not follow its own feature declaration, and
rounding would invent a reading). The registry's decoder uses no feature.
"""

from __future__ import annotations

import enum
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from profiles import _bytes
from profiles._bytes import ByteString, Reader, read_whole
from profiles._fields import member_or_int
from profiles.date_time import DateTime, date_time_bytes, read_date_time
from profiles.errors import EncodeError
from profiles.registry_types import (
    AnyCharacteristic,
    Characteristic,
    Decoder,
    DeviceType,
)
from profiles.units import LengthUnit, MassUnit

SERVICE_UUID16: Final = 0x181D
UNKNOWN_USER: Final = 0xFF
MEASUREMENT_UNSUCCESSFUL: Final = 0xFFFF

KILOGRAM_STEP: Final = Decimal("0.005")
POUND_STEP: Final = Decimal("0.01")
METRE_STEP: Final = Decimal("0.001")
INCH_STEP: Final = Decimal("0.1")
BMI_STEP: Final = Decimal("0.1")

_IMPERIAL: Final = 0x01
_TIME_STAMP: Final = 0x02
_USER_ID: Final = 0x04
_BMI_HEIGHT: Final = 0x08


class MassResolution(enum.IntEnum):
    """Weight / mass measurement resolution code (Weight Scale and Body Composition Feature)."""

    NOT_SPECIFIED = 0
    KG_0_5_OR_LB_1 = 1
    KG_0_2_OR_LB_0_5 = 2
    KG_0_1_OR_LB_0_2 = 3
    KG_0_05_OR_LB_0_1 = 4
    KG_0_02_OR_LB_0_05 = 5
    KG_0_01_OR_LB_0_02 = 6
    KG_0_005_OR_LB_0_01 = 7


class HeightResolution(enum.IntEnum):
    """Height measurement resolution code (Weight Scale and Body Composition Feature)."""

    NOT_SPECIFIED = 0
    M_0_01_OR_IN_1 = 1
    M_0_005_OR_IN_0_5 = 2
    M_0_001_OR_IN_0_1 = 3


_MASS_STEPS: Final[dict[int, tuple[Decimal, Decimal]]] = {
    1: (Decimal("0.5"), Decimal("1")),
    2: (Decimal("0.2"), Decimal("0.5")),
    3: (Decimal("0.1"), Decimal("0.2")),
    4: (Decimal("0.05"), Decimal("0.1")),
    5: (Decimal("0.02"), Decimal("0.05")),
    6: (Decimal("0.01"), Decimal("0.02")),
    7: (Decimal("0.005"), Decimal("0.01")),
}
_HEIGHT_STEPS: Final[dict[int, tuple[Decimal, Decimal]]] = {
    1: (Decimal("0.01"), Decimal("1")),
    2: (Decimal("0.005"), Decimal("0.5")),
    3: (Decimal("0.001"), Decimal("0.1")),
}


def mass_resolution(code: int) -> MassResolution | int:
    """The enum member for a known code; reserved codes (8-15) stay plain ints."""
    return member_or_int(MassResolution, code)


def height_resolution(code: int) -> HeightResolution | int:
    """The enum member for a known code; reserved codes (4-7) stay plain ints."""
    return member_or_int(HeightResolution, code)


def mass_resolution_step(resolution: int, unit: MassUnit) -> Decimal | None:
    """The resolution in ``unit`` (e.g. Decimal("0.1") kg), or None if not specified/reserved."""
    steps = _MASS_STEPS.get(resolution)
    if steps is None:
        return None
    return steps[1] if unit is MassUnit.POUND else steps[0]


def height_resolution_step(resolution: int, unit: LengthUnit) -> Decimal | None:
    """The resolution in ``unit`` (e.g. Decimal("0.01") m), or None if not specified/reserved."""
    steps = _HEIGHT_STEPS.get(resolution)
    if steps is None:
        return None
    return steps[1] if unit is LengthUnit.INCH else steps[0]


def apply_resolution(value: Decimal, step: Decimal | None) -> Decimal:
    """``value`` with the decimals of ``step`` when it is an exact multiple of it; else unchanged
    (never rounded)."""
    if step is None or value % step:
        return value
    return value.quantize(step)


def raw_count(value: Decimal, step: Decimal, what: str, high: int = 0xFFFF) -> int:
    """The raw uint count of ``step`` units in ``value`` (0..``high``); EncodeError otherwise."""
    if not isinstance(value, Decimal) or not value.is_finite():
        raise EncodeError(f"{what} {value!r} is not a finite Decimal")
    return _bytes.check_range(_bytes.unscaled(value, step, what), 0, high, f"{what} (raw)")


def length_unit_for(unit: MassUnit) -> LengthUnit:
    """The length unit that goes with a mass unit in the same unit system."""
    return LengthUnit.INCH if unit is MassUnit.POUND else LengthUnit.METRE


@dataclass(frozen=True, slots=True)
class FeatureBits:
    """Where a Weight Scale or Body Composition Feature value (uint32) keeps its parts: the
    supported-feature flags under ``supported_mask``, the 4-bit mass resolution code at
    ``mass_shift`` and the 3-bit height resolution code right after it; the bits above are
    reserved and ignored."""

    supported_mask: int
    mass_shift: int

    @property
    def height_shift(self) -> int:
        return self.mass_shift + 4

    def check(
        self, supported: int, mass: int, height: int, mass_what: str
    ) -> tuple[MassResolution | int, HeightResolution | int]:
        """The resolution codes (known ones as members, so equal values have equal reprs);
        EncodeError for a part that does not fit its bits."""
        _bytes.check_range(supported, 0, self.supported_mask, "supported features")
        _bytes.check_range(mass, 0, 15, mass_what)
        _bytes.check_range(height, 0, 7, "height resolution")
        return mass_resolution(mass), height_resolution(height)

    def decode(
        self, data: ByteString, characteristic: str
    ) -> tuple[int, MassResolution | int, HeightResolution | int]:
        """The supported-feature bits and the two resolution codes of a feature value."""
        bits = read_whole(data, characteristic, lambda r: r.u32("features"))
        return (
            bits & self.supported_mask,
            mass_resolution((bits >> self.mass_shift) & 0x0F),
            height_resolution((bits >> self.height_shift) & 0x07),
        )

    def encode(self, supported: int, mass: int, height: int) -> bytes:
        bits = supported | mass << self.mass_shift | height << self.height_shift
        return _bytes.u32(bits, "features")


class WeightScaleFeatureFlag(enum.IntFlag):
    """Weight Scale Feature bits 0-2."""

    TIME_STAMP = 0x01
    MULTIPLE_USERS = 0x02
    BMI = 0x04


_NO_FEATURES: Final = WeightScaleFeatureFlag(0)
_FEATURE_BITS: Final = FeatureBits(supported_mask=0x07, mass_shift=3)


@dataclass(frozen=True, slots=True)
class WeightScaleFeature:
    """Weight Scale Feature (0x2A9E): supported options and measurement resolutions."""

    supported: WeightScaleFeatureFlag = _NO_FEATURES
    weight_resolution: MassResolution | int = MassResolution.NOT_SPECIFIED
    height_resolution: HeightResolution | int = HeightResolution.NOT_SPECIFIED

    def __post_init__(self) -> None:
        weight, height = _FEATURE_BITS.check(
            int(self.supported),
            int(self.weight_resolution),
            int(self.height_resolution),
            "weight resolution",
        )
        object.__setattr__(self, "weight_resolution", weight)
        object.__setattr__(self, "height_resolution", height)


def decode_weight_scale_feature(data: ByteString) -> WeightScaleFeature:
    supported, weight, height = _FEATURE_BITS.decode(data, WEIGHT_SCALE_FEATURE.name)
    return WeightScaleFeature(WeightScaleFeatureFlag(supported), weight, height)


def encode_weight_scale_feature(value: WeightScaleFeature) -> bytes:
    return _FEATURE_BITS.encode(
        int(value.supported), int(value.weight_resolution), int(value.height_resolution)
    )


@dataclass(frozen=True, slots=True)
class WeightMeasurement:
    """Weight Measurement (0x2A9D).

    ``weight`` is in ``mass_unit`` (None = measurement unsuccessful, sent as 0xFFFF); ``height``
    is in :attr:`length_unit` (m with kg, in with lb); ``bmi`` in kg/m2. BMI and height are sent
    together, so both or neither are set.
    """

    weight: Decimal | None
    mass_unit: MassUnit = MassUnit.KILOGRAM
    timestamp: DateTime | None = None
    user_id: int | None = None
    bmi: Decimal | None = None
    height: Decimal | None = None

    def __post_init__(self) -> None:
        if (self.bmi is None) != (self.height is None):
            raise EncodeError("BMI and height are sent together: give both or neither")

    @property
    def measurement_unsuccessful(self) -> bool:
        return self.weight is None

    @property
    def length_unit(self) -> LengthUnit:
        return length_unit_for(self.mass_unit)


def decode_weight_measurement(
    data: ByteString, *, feature: WeightScaleFeature | None = None
) -> WeightMeasurement:
    """Decode a Weight Measurement; ``feature`` (optional) applies the scale's declared
    resolution to weight and height (see the module docstring)."""
    r = Reader(data, WEIGHT_MEASUREMENT.name)
    flags = r.u8("flags")
    raw = r.u16("weight")
    imperial = flags & _IMPERIAL
    weight = (
        None
        if raw == MEASUREMENT_UNSUCCESSFUL
        else raw * (POUND_STEP if imperial else KILOGRAM_STEP)
    )
    timestamp = read_date_time(r, "time stamp") if flags & _TIME_STAMP else None
    user = r.u8("user id") if flags & _USER_ID else None
    bmi = height = None
    if flags & _BMI_HEIGHT:
        bmi = r.u16("BMI") * BMI_STEP
        height = r.u16("height") * (INCH_STEP if imperial else METRE_STEP)
    r.end()
    unit = MassUnit.POUND if imperial else MassUnit.KILOGRAM
    if feature is not None:
        if weight is not None:
            weight = apply_resolution(weight, mass_resolution_step(feature.weight_resolution, unit))
        if height is not None:
            step = height_resolution_step(feature.height_resolution, length_unit_for(unit))
            height = apply_resolution(height, step)
    return WeightMeasurement(weight, unit, timestamp, user, bmi, height)


def encode_weight_measurement(m: WeightMeasurement) -> bytes:
    """Encode a Weight Measurement (values at field precision or at a feature's resolution)."""
    imperial = m.mass_unit is MassUnit.POUND
    flags = (
        (_IMPERIAL if imperial else 0)
        | (_TIME_STAMP if m.timestamp is not None else 0)
        | (_USER_ID if m.user_id is not None else 0)
        | (_BMI_HEIGHT if m.bmi is not None else 0)
    )
    if m.weight is None:
        raw = MEASUREMENT_UNSUCCESSFUL
    else:
        step = POUND_STEP if imperial else KILOGRAM_STEP
        raw = raw_count(m.weight, step, "weight", 0xFFFE)  # 0xFFFF = unsuccessful
    out = bytearray((flags,))
    out += raw.to_bytes(2, "little")
    if m.timestamp is not None:
        out += date_time_bytes(m.timestamp)
    if m.user_id is not None:
        out += _bytes.u8(m.user_id, "user id")
    if m.bmi is not None and m.height is not None:
        out += raw_count(m.bmi, BMI_STEP, "BMI").to_bytes(2, "little")
        step = INCH_STEP if imperial else METRE_STEP
        out += raw_count(m.height, step, "height").to_bytes(2, "little")
    return bytes(out)


WEIGHT_MEASUREMENT = Characteristic(
    0x2A9D,
    "weight-measurement",
    WeightMeasurement,
    decode_weight_measurement,
    encode_weight_measurement,
    label="Weight",
)
WEIGHT_SCALE_FEATURE = Characteristic(
    0x2A9E,
    "weight-scale-feature",
    WeightScaleFeature,
    decode_weight_scale_feature,
    encode_weight_scale_feature,
)
CHARACTERISTICS: Final = (WEIGHT_MEASUREMENT, WEIGHT_SCALE_FEATURE)


def decoder_for(characteristic: AnyCharacteristic, features: Mapping[str, object]) -> Decoder:
    """Weight Measurement values read with the resolution of the Weight Scale Feature."""
    feature = features.get(WEIGHT_SCALE_FEATURE.name)
    if characteristic is WEIGHT_MEASUREMENT and isinstance(feature, WeightScaleFeature):
        return functools.partial(decode_weight_measurement, feature=feature)
    return characteristic.decode


DEVICE_TYPE: Final = DeviceType(
    SERVICE_UUID16,
    "weight-scale",
    "weight scale",
    subscribe=(WEIGHT_MEASUREMENT,),
    read=(WEIGHT_SCALE_FEATURE,),
    aliases=("weight", "scale"),
    decoder=decoder_for,
)
