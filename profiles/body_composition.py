"""Body Composition Service (0x181B): Body Composition Measurement (0x2A9C) and Body Composition
Feature (0x2A9B), per the GATT Specification Supplement and the Body Composition Service 1.0.

Measurement layout: flags (uint16), body fat percentage (uint16, 0.1 %, 0xFFFF = measurement
unsuccessful, ``body_fat_percentage is None``), then present by flag, in this order: time stamp
(bit 1, Date Time), user id (bit 2, uint8, 0xFF = unknown user), basal metabolism (bit 3, uint16
kJ), muscle percentage (bit 4, uint16 0.1 %), muscle mass (bit 5), fat free mass (bit 6), soft
lean mass (bit 7), body water mass (bit 8), impedance (bit 9, uint16 0.1 Ohm), weight (bit 10),
height (bit 11). Masses are uint16 in 0.005 kg (SI, flag bit 0 = 0) or 0.01 lb (imperial, bit 0
= 1); height is 0.001 m or 0.1 in. Bit 12 marks a multiple-packet measurement; bits 13-15 are
reserved and ignored.

Multiple packets (BCS 1.0): a measurement longer than ATT_MTU-3 bytes is indicated in several
packets, each a complete characteristic value of its own: the flags (with bit 12 set and the
unit bit repeated) and the body fat percentage (repeated) are in every packet, and each packet
carries a subset of the optional fields, in the order above, with its flags saying which (so
the time stamp and user id come in the first packet). At the minimum ATT_MTU of 23 (20-byte
payload) the largest measurement (30 bytes) always fits in two packets, so two packets make a
measurement; the packets carry no sequence number or "last packet" mark.
:func:`decode_body_composition_measurement` decodes one packet (``multiple_packet`` kept);
:class:`BodyCompositionReassembler` merges the packets of one measurement (pure, I/O free);
:func:`encode_body_composition_packets` splits a measurement for a given payload size.

Feature layout (uint32): bits 0-10 supported fields (:class:`BodyCompositionFeatureFlag`),
bits 11-14 mass measurement resolution, bits 15-17 height measurement resolution (the Weight
Scale codes); bits 18-31 are reserved and ignored. Passing the feature to the decoder gives the
masses and height with the decimals of the declared resolution when they are exact multiples of
it (see :mod:`profiles.weight_scale`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Final

from profiles import _bytes
from profiles._bytes import ByteString, Reader
from profiles.date_time import DateTime, date_time_bytes, read_date_time
from profiles.errors import DecodeError, EncodeError
from profiles.registry_types import Characteristic, DeviceType
from profiles.units import LengthUnit, MassUnit
from profiles.weight_scale import (
    INCH_STEP,
    KILOGRAM_STEP,
    METRE_STEP,
    POUND_STEP,
    FeatureBits,
    HeightResolution,
    MassResolution,
    apply_resolution,
    height_resolution_step,
    length_unit_for,
    mass_resolution_step,
    raw_count,
)

SERVICE_UUID16: Final = 0x181B
UNKNOWN_USER: Final = 0xFF
MEASUREMENT_UNSUCCESSFUL: Final = 0xFFFF
MIN_PAYLOAD_SIZE: Final = 20
"""The smallest ATT payload (default ATT_MTU 23 minus the 3-byte notification header)."""

PERCENT_STEP: Final = Decimal("0.1")
IMPEDANCE_STEP: Final = Decimal("0.1")

_IMPERIAL: Final = 0x0001
_TIME_STAMP: Final = 0x0002
_USER_ID: Final = 0x0004
_BASAL_METABOLISM: Final = 0x0008
_MUSCLE_PERCENTAGE: Final = 0x0010
_MUSCLE_MASS: Final = 0x0020
_FAT_FREE_MASS: Final = 0x0040
_SOFT_LEAN_MASS: Final = 0x0080
_BODY_WATER_MASS: Final = 0x0100
_IMPEDANCE: Final = 0x0200
_WEIGHT: Final = 0x0400
_HEIGHT: Final = 0x0800
_MULTIPLE_PACKET: Final = 0x1000

# Optional fields in wire order: (attribute, flag bit, size).
_OPTIONAL_FIELDS: Final = (
    ("timestamp", _TIME_STAMP, 7),
    ("user_id", _USER_ID, 1),
    ("basal_metabolism", _BASAL_METABOLISM, 2),
    ("muscle_percentage", _MUSCLE_PERCENTAGE, 2),
    ("muscle_mass", _MUSCLE_MASS, 2),
    ("fat_free_mass", _FAT_FREE_MASS, 2),
    ("soft_lean_mass", _SOFT_LEAN_MASS, 2),
    ("body_water_mass", _BODY_WATER_MASS, 2),
    ("impedance", _IMPEDANCE, 2),
    ("weight", _WEIGHT, 2),
    ("height", _HEIGHT, 2),
)


@dataclass(frozen=True, slots=True)
class BodyCompositionMeasurement:
    """Body Composition Measurement (0x2A9C), or one packet of a multiple-packet measurement.

    Percentages in %, ``basal_metabolism`` in kJ, ``impedance`` in Ohm, masses (muscle, fat
    free, soft lean, body water, weight) in ``mass_unit``, ``height`` in :attr:`length_unit`.
    ``body_fat_percentage`` is None when the measurement was unsuccessful (0xFFFF).
    ``multiple_packet`` is True for one packet of a split measurement (and for what
    :meth:`BodyCompositionReassembler.flush` returns from an incomplete one).
    """

    body_fat_percentage: Decimal | None
    mass_unit: MassUnit = MassUnit.KILOGRAM
    timestamp: DateTime | None = None
    user_id: int | None = None
    basal_metabolism: int | None = None
    muscle_percentage: Decimal | None = None
    muscle_mass: Decimal | None = None
    fat_free_mass: Decimal | None = None
    soft_lean_mass: Decimal | None = None
    body_water_mass: Decimal | None = None
    impedance: Decimal | None = None
    weight: Decimal | None = None
    height: Decimal | None = None
    multiple_packet: bool = False

    @property
    def measurement_unsuccessful(self) -> bool:
        return self.body_fat_percentage is None

    @property
    def length_unit(self) -> LengthUnit:
        return length_unit_for(self.mass_unit)


class BodyCompositionFeatureFlag(enum.IntFlag):
    """Body Composition Feature bits 0-10: which optional fields the server supports."""

    TIME_STAMP = 0x0001
    MULTIPLE_USERS = 0x0002
    BASAL_METABOLISM = 0x0004
    MUSCLE_PERCENTAGE = 0x0008
    MUSCLE_MASS = 0x0010
    FAT_FREE_MASS = 0x0020
    SOFT_LEAN_MASS = 0x0040
    BODY_WATER_MASS = 0x0080
    IMPEDANCE = 0x0100
    WEIGHT = 0x0200
    HEIGHT = 0x0400


_NO_FEATURES: Final = BodyCompositionFeatureFlag(0)
_FEATURE_BITS: Final = FeatureBits(supported_mask=0x07FF, mass_shift=11)


@dataclass(frozen=True, slots=True)
class BodyCompositionFeature:
    """Body Composition Feature (0x2A9B): supported fields and measurement resolutions."""

    supported: BodyCompositionFeatureFlag = _NO_FEATURES
    mass_resolution: MassResolution | int = MassResolution.NOT_SPECIFIED
    height_resolution: HeightResolution | int = HeightResolution.NOT_SPECIFIED

    def __post_init__(self) -> None:
        mass, height = _FEATURE_BITS.check(
            int(self.supported),
            int(self.mass_resolution),
            int(self.height_resolution),
            "mass resolution",
        )
        object.__setattr__(self, "mass_resolution", mass)
        object.__setattr__(self, "height_resolution", height)


def decode_body_composition_feature(data: ByteString) -> BodyCompositionFeature:
    supported, mass, height = _FEATURE_BITS.decode(data, BODY_COMPOSITION_FEATURE.name)
    return BodyCompositionFeature(BodyCompositionFeatureFlag(supported), mass, height)


def encode_body_composition_feature(value: BodyCompositionFeature) -> bytes:
    return _FEATURE_BITS.encode(
        int(value.supported), int(value.mass_resolution), int(value.height_resolution)
    )


def decode_body_composition_measurement(
    data: ByteString, *, feature: BodyCompositionFeature | None = None
) -> BodyCompositionMeasurement:
    """Decode one Body Composition Measurement value (one packet); ``feature`` (optional)
    applies the declared mass and height resolutions."""
    r = Reader(data, BODY_COMPOSITION_MEASUREMENT.name)
    flags = r.u16("flags")
    raw_fat = r.u16("body fat percentage")
    fat = None if raw_fat == MEASUREMENT_UNSUCCESSFUL else raw_fat * PERCENT_STEP
    imperial = flags & _IMPERIAL
    mass = POUND_STEP if imperial else KILOGRAM_STEP
    timestamp = read_date_time(r, "time stamp") if flags & _TIME_STAMP else None
    user = r.u8("user id") if flags & _USER_ID else None
    basal = r.u16("basal metabolism") if flags & _BASAL_METABOLISM else None
    muscle_pct = r.u16("muscle percentage") * PERCENT_STEP if flags & _MUSCLE_PERCENTAGE else None
    muscle = r.u16("muscle mass") * mass if flags & _MUSCLE_MASS else None
    fat_free = r.u16("fat free mass") * mass if flags & _FAT_FREE_MASS else None
    soft_lean = r.u16("soft lean mass") * mass if flags & _SOFT_LEAN_MASS else None
    water = r.u16("body water mass") * mass if flags & _BODY_WATER_MASS else None
    impedance = r.u16("impedance") * IMPEDANCE_STEP if flags & _IMPEDANCE else None
    weight = r.u16("weight") * mass if flags & _WEIGHT else None
    height = r.u16("height") * (INCH_STEP if imperial else METRE_STEP) if flags & _HEIGHT else None
    r.end()
    unit = MassUnit.POUND if imperial else MassUnit.KILOGRAM
    if feature is not None:
        step = mass_resolution_step(feature.mass_resolution, unit)
        if step is not None:
            muscle = None if muscle is None else apply_resolution(muscle, step)
            fat_free = None if fat_free is None else apply_resolution(fat_free, step)
            soft_lean = None if soft_lean is None else apply_resolution(soft_lean, step)
            water = None if water is None else apply_resolution(water, step)
            weight = None if weight is None else apply_resolution(weight, step)
        if height is not None:
            length_step = height_resolution_step(feature.height_resolution, length_unit_for(unit))
            height = apply_resolution(height, length_step)
    return BodyCompositionMeasurement(
        fat,
        unit,
        timestamp,
        user,
        basal,
        muscle_pct,
        muscle,
        fat_free,
        soft_lean,
        water,
        impedance,
        weight,
        height,
        bool(flags & _MULTIPLE_PACKET),
    )


def _optional_fields(m: BodyCompositionMeasurement) -> list[tuple[int, bytes]]:
    """The present optional fields in wire order, as (flag bit, encoded bytes)."""
    mass = POUND_STEP if m.mass_unit is MassUnit.POUND else KILOGRAM_STEP
    out: list[tuple[int, bytes]] = []
    if m.timestamp is not None:
        out.append((_TIME_STAMP, date_time_bytes(m.timestamp)))
    if m.user_id is not None:
        out.append((_USER_ID, _bytes.u8(m.user_id, "user id")))
    if m.basal_metabolism is not None:
        out.append((_BASAL_METABOLISM, _bytes.u16(m.basal_metabolism, "basal metabolism")))
    decimals = (
        (_MUSCLE_PERCENTAGE, m.muscle_percentage, PERCENT_STEP, "muscle percentage"),
        (_MUSCLE_MASS, m.muscle_mass, mass, "muscle mass"),
        (_FAT_FREE_MASS, m.fat_free_mass, mass, "fat free mass"),
        (_SOFT_LEAN_MASS, m.soft_lean_mass, mass, "soft lean mass"),
        (_BODY_WATER_MASS, m.body_water_mass, mass, "body water mass"),
        (_IMPEDANCE, m.impedance, IMPEDANCE_STEP, "impedance"),
        (_WEIGHT, m.weight, mass, "weight"),
        (_HEIGHT, m.height, INCH_STEP if m.mass_unit is MassUnit.POUND else METRE_STEP, "height"),
    )
    for flag, value, step, what in decimals:
        if value is not None:
            out.append((flag, raw_count(value, step, what).to_bytes(2, "little")))
    return out


def _header(m: BodyCompositionMeasurement, flags: int) -> bytes:
    if m.mass_unit is MassUnit.POUND:
        flags |= _IMPERIAL
    if m.body_fat_percentage is None:
        raw = MEASUREMENT_UNSUCCESSFUL
    else:
        raw = raw_count(m.body_fat_percentage, PERCENT_STEP, "body fat percentage", 0xFFFE)
    return flags.to_bytes(2, "little") + raw.to_bytes(2, "little")


def encode_body_composition_measurement(m: BodyCompositionMeasurement) -> bytes:
    """Encode one characteristic value (``multiple_packet`` is sent as given)."""
    fields = _optional_fields(m)
    flags = _MULTIPLE_PACKET if m.multiple_packet else 0
    for flag, _ in fields:
        flags |= flag
    return _header(m, flags) + b"".join(data for _, data in fields)


def encode_body_composition_packets(
    m: BodyCompositionMeasurement, payload_size: int = MIN_PAYLOAD_SIZE
) -> tuple[bytes, ...]:
    """The indications that carry ``m`` when each may hold ``payload_size`` bytes (ATT_MTU-3).

    A measurement that fits is one value with the multiple-packet bit clear; otherwise the
    optional fields are cut, in wire order, into packets that each repeat the flags (bit 12
    set) and the body fat percentage. ``m.multiple_packet`` is ignored.
    """
    if payload_size < MIN_PAYLOAD_SIZE:
        raise EncodeError(f"payload size {payload_size} is below the ATT minimum of 20")
    fields = _optional_fields(m)
    if 4 + sum(len(data) for _, data in fields) <= payload_size:
        return (encode_body_composition_measurement(replace(m, multiple_packet=False)),)
    packets: list[bytes] = []
    flags, body, size = _MULTIPLE_PACKET, bytearray(), 4
    for flag, data in fields:
        if size + len(data) > payload_size:
            packets.append(_header(m, flags) + body)
            flags, body, size = _MULTIPLE_PACKET, bytearray(), 4
        flags |= flag
        body += data
        size += len(data)
    packets.append(_header(m, flags) + body)
    return tuple(packets)


def _flags_of(m: BodyCompositionMeasurement) -> int:
    flags = _MULTIPLE_PACKET if m.multiple_packet else 0
    for name, flag, _ in _OPTIONAL_FIELDS:
        if getattr(m, name) is not None:
            flags |= flag
    return flags


def _field_offset(m: BodyCompositionMeasurement, field: str) -> int:
    """Byte offset of an optional field in the encoding of packet ``m``."""
    flags = _flags_of(m)
    offset = 4
    for name, flag, size in _OPTIONAL_FIELDS:
        if name == field:
            return offset
        if flags & flag:
            offset += size
    raise AssertionError(field)  # pragma: no cover


class BodyCompositionReassembler:
    """Merges the packets of multiple-packet Body Composition Measurements (pure, I/O free).

    Feed every indication in order; :meth:`feed` returns the complete measurement (with
    ``multiple_packet`` False) once ``packets_per_measurement`` packets (2, see the module
    docstring) have arrived, or a single-packet measurement at once, and None while waiting.

    A packet inconsistent with the pending ones (other units or body fat percentage, a field
    already received with another value, a single-packet measurement in the middle) raises
    :class:`DecodeError` at the offending byte of that packet; the pending packets are dropped
    and the rejected packet is not kept (feed it again to start a new measurement with it).
    At the end of a session, or on a timeout the caller keeps, :meth:`flush` returns what an
    incomplete measurement has gathered (``multiple_packet`` still True) and empties the buffer.
    """

    __slots__ = ("_count", "_feature", "_merged", "packets_per_measurement")

    def __init__(
        self, packets_per_measurement: int = 2, *, feature: BodyCompositionFeature | None = None
    ) -> None:
        if packets_per_measurement < 2:
            raise ValueError("a multiple-packet measurement has at least 2 packets")
        self.packets_per_measurement = packets_per_measurement
        self._feature = feature
        self._merged: BodyCompositionMeasurement | None = None
        self._count = 0

    @property
    def pending(self) -> int:
        """How many packets of an incomplete measurement are held."""
        return self._count

    def reset(self) -> None:
        self._merged = None
        self._count = 0

    def flush(self) -> BodyCompositionMeasurement | None:
        """The incomplete measurement gathered so far (or None), emptying the buffer."""
        merged = self._merged
        self.reset()
        return merged

    def feed(
        self, packet: ByteString | BodyCompositionMeasurement
    ) -> BodyCompositionMeasurement | None:
        if not isinstance(packet, BodyCompositionMeasurement):
            packet = decode_body_composition_measurement(packet, feature=self._feature)
        merged = self._merged
        if not packet.multiple_packet:
            if merged is not None:
                count = self._count
                self.reset()
                raise _error(
                    0,
                    f"single-packet measurement after {count} of "
                    f"{self.packets_per_measurement} packets of a multiple-packet measurement",
                )
            return packet
        if merged is None:
            self._merged = packet
            self._count = 1
            return None
        self._merged = _merge(merged, packet, self)
        self._count += 1
        if self._count < self.packets_per_measurement:
            return None
        done = replace(self._merged, multiple_packet=False)
        self.reset()
        return done


def _error(offset: int, reason: str) -> DecodeError:
    return DecodeError(BODY_COMPOSITION_MEASUREMENT.name, offset, reason)


def _merge(
    merged: BodyCompositionMeasurement,
    packet: BodyCompositionMeasurement,
    owner: BodyCompositionReassembler,
) -> BodyCompositionMeasurement:
    if packet.mass_unit is not merged.mass_unit:
        owner.reset()
        raise _error(0, "units differ from the earlier packets of this measurement")
    if repr(packet.body_fat_percentage) != repr(merged.body_fat_percentage):
        owner.reset()
        raise _error(2, "body fat percentage differs from the earlier packets")
    updates: dict[str, object] = {}
    for name, _, _ in _OPTIONAL_FIELDS:
        new = getattr(packet, name)
        if new is None:
            continue
        old = getattr(merged, name)
        if old is None:
            updates[name] = new
        elif repr(old) != repr(new):
            owner.reset()
            what = "time stamp" if name == "timestamp" else name.replace("_", " ")
            raise _error(_field_offset(packet, name), f"{what} differs from an earlier packet")
    return replace(merged, **updates) if updates else merged  # type: ignore[arg-type]


BODY_COMPOSITION_MEASUREMENT = Characteristic(
    0x2A9C,
    "body-composition-measurement",
    BodyCompositionMeasurement,
    decode_body_composition_measurement,
    encode_body_composition_measurement,
    label="Body composition",
)
BODY_COMPOSITION_FEATURE = Characteristic(
    0x2A9B,
    "body-composition-feature",
    BodyCompositionFeature,
    decode_body_composition_feature,
    encode_body_composition_feature,
)
CHARACTERISTICS: Final = (BODY_COMPOSITION_MEASUREMENT, BODY_COMPOSITION_FEATURE)

DEVICE_TYPE: Final = DeviceType(
    SERVICE_UUID16,
    "body-composition",
    "body composition analyzer",
    subscribe=(BODY_COMPOSITION_MEASUREMENT,),
    read=(BODY_COMPOSITION_FEATURE,),
    reassembled=True,
)
