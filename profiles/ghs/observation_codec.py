"""The bytes of IEEE 11073-10206 (ACOM) observations (:mod:`profiles.ghs.observations`) as the
Generic Health Sensor Service (GHSS 1.0) encodes them: the payload of Live and Stored Health
Observations once segments are put together.

Every observation starts with a header: observation class type (uint8), length (uint16: the
number of bytes that follow the length field) and flags (uint16). The flags say which optional
fields follow, in this order: observation type (bit 0, uint32 MDC code), time stamp (bit 1, the
9-byte ETS time stamp of :mod:`profiles.elapsed_time`), measurement duration (bit 2, FLOAT
seconds), measurement status (bit 3, uint16), object id (bit 4, uint32), patient id (bit 5,
uint8), supplemental information (bit 6, count uint8 + uint32 MDC codes), derived-from (bit 7,
count uint8 + uint32 object ids), has-member (bit 8, same), TLVs (bit 9, count uint8 + TLVs);
bits 10-15 are reserved and ignored. The value follows, by class type:

- 0x01 numeric: unit (uint16, MDC partition 4 term code), value (FLOAT);
- 0x02 simple discrete: uint32 (an MDC code);
- 0x03 string: length (uint16) + UTF-8 bytes;
- 0x04 sample array: unit (uint16), scale factor, offset, sample period (FLOAT each, the period
  in seconds), samples per period (uint8), bytes per sample (uint8), number of samples (uint32),
  then the samples (unsigned, little-endian);
- 0x05 compound discrete event: count (uint8) + uint32 MDC codes;
- 0x06 compound state/event: size (uint8), then supported mask, state-or-event mask and value
  bits, ``size`` bytes each;
- 0x07 compound: count (uint8), then per component its type (uint32), value type (uint8, one
  of the class types 0x01-0x06) and a value of that class;
- 0x08 TLV-encoded: count (uint8) + TLVs;
- 0xFF observation bundle: count (uint8) + complete observations (each with its own header);
  bundles may nest :data:`MAX_BUNDLE_DEPTH` deep, no deeper (PHG's limit, against payloads
  that would exhaust the stack).

A TLV is type (uint32 MDC code), length (uint16, of the value), format (uint8, a GSS format
type) and ``length`` value bytes. Other class types (0x00, 0x09-0xFE) keep their value bytes
(:class:`UnknownValue`), so nothing is lost.

Sources, as the GHSS text could not be read here: ST's STM32WBA-BLE-GenericHealthSensor
(``ghs_app.c`` example observations of every class, ``ghs.h`` flag and measurement status
bits), Philips' BLE-GHS-Client-Example and -Server-Simulator (class type values, field order,
value layouts, TLVs) and Lamprey Networks' NordicPHDs (field order, length). Where they differ
we follow the majority, and say so:

- Length counts the bytes after the length field (ST's vectors and Lamprey's encoder);
  Philips' simulator also counts the class type and length fields (3 bytes more). The
  registered decoders follow the majority; ``length_counts_header=True`` (on
  :func:`read_observation`, :func:`observation_bytes`, the reassembler and the splitters)
  reads and writes Philips' form, for a session that knows its device uses it.
- Number of samples is a uint32 (Philips and ST's first sample array); ST's ECG example sends
  one byte and a wrong length, and is refused.
- Measurement status bits follow ST (bit 3 calibrating, ... bit 7 setting, bits 14-15
  thresholds); the Philips client, an earlier draft, puts calibrating at bit 4.
"""

from __future__ import annotations

from typing import Final

from profiles import _bytes
from profiles._bytes import Reader
from profiles.elapsed_time import elapsed_time_bytes, read_elapsed_time
from profiles.errors import EncodeError
from profiles.ghs.observations import (
    MEASUREMENT_STATUS_MASK,
    VALUE_CLASSES,
    BundleValue,
    ComponentValue,
    CompoundComponent,
    CompoundDiscreteEventValue,
    CompoundStateEventValue,
    CompoundValue,
    MeasurementStatus,
    NumericValue,
    Observation,
    ObservationClass,
    ObservationValue,
    SampleArrayValue,
    SimpleDiscreteValue,
    StringValue,
    Tlv,
    TlvValue,
    UnknownValue,
)
from profiles.ieee11073 import float_bytes

# Observation flags.
_TYPE: Final = 1 << 0
_TIME_STAMP: Final = 1 << 1
_DURATION: Final = 1 << 2
_STATUS: Final = 1 << 3
_OBJECT_ID: Final = 1 << 4
_PATIENT: Final = 1 << 5
_SUPPLEMENTAL: Final = 1 << 6
_DERIVED_FROM: Final = 1 << 7
_HAS_MEMBER: Final = 1 << 8
_TLVS: Final = 1 << 9

_HEADER_SIZE: Final = 3
_COMPONENT_CLASSES: Final = frozenset(range(0x01, 0x07))

# --- Decoding -----------------------------------------------------------------------------------


def _codes(r: Reader, what: str) -> tuple[int, ...]:
    count = r.u8(f"{what} count")
    return tuple(r.u32(what) for _ in range(count))


def _tlv_list(r: Reader) -> tuple[Tlv, ...]:
    count = r.u8("TLV count")
    out = []
    for _ in range(count):
        kind = r.u32("TLV type")
        length = r.u16("TLV length")
        fmt = r.u8("TLV format")
        out.append(Tlv(kind, fmt, r.take(length, "TLV value")))
    return tuple(out)


def _sample_array(r: Reader) -> SampleArrayValue:
    unit = r.u16("unit")
    factor = r.float("scale factor")
    offset = r.float("scale offset")
    period = r.float("sample period")
    per_period = r.u8("samples per period")
    width = r.u8("bytes per sample")
    count_at = r.offset
    count = r.u32("number of samples")
    if width == 0:
        if count:
            raise r.error(f"{count} samples of 0 bytes each", count_at)
        return SampleArrayValue(unit, factor, offset, period, per_period, 0, ())
    if count * width > r.remaining():
        raise r.error(
            f"truncated: {count} samples of {width} byte(s) need {count * width} byte(s), "
            f"{r.remaining()} left"
        )
    raw = r.take(count * width, "samples")
    samples = tuple(int.from_bytes(raw[i : i + width], "little") for i in range(0, len(raw), width))
    return SampleArrayValue(unit, factor, offset, period, per_period, width, samples)


def _string(r: Reader) -> StringValue:
    length = r.u16("string length")
    at = r.offset
    raw = r.take(length, "string")
    try:
        return StringValue(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise r.error(f"string is not UTF-8: {exc.reason}", at + exc.start) from None


def _state_event(r: Reader) -> CompoundStateEventValue:
    size = r.u8("state/event size")
    return CompoundStateEventValue(
        r.take(size, "supported mask"), r.take(size, "state or event mask"), r.take(size, "value")
    )


def _component_value(r: Reader, class_type: int) -> ComponentValue:
    if class_type == ObservationClass.NUMERIC:
        unit = r.u16("unit")
        return NumericValue(r.float("numeric value"), unit)
    if class_type == ObservationClass.SIMPLE_DISCRETE:
        return SimpleDiscreteValue(r.u32("discrete value"))
    if class_type == ObservationClass.STRING:
        return _string(r)
    if class_type == ObservationClass.SAMPLE_ARRAY:
        return _sample_array(r)
    if class_type == ObservationClass.COMPOUND_DISCRETE_EVENT:
        return CompoundDiscreteEventValue(_codes(r, "event code"))
    return _state_event(r)


def _compound(r: Reader) -> CompoundValue:
    count = r.u8("component count")
    components = []
    for _ in range(count):
        kind = r.u32("component type")
        at = r.offset
        value_type = r.u8("component value type")
        if value_type not in _COMPONENT_CLASSES:
            raise r.error(f"unknown component value type 0x{value_type:02X}", at)
        components.append(CompoundComponent(kind, _component_value(r, value_type)))
    return CompoundValue(tuple(components))


MAX_BUNDLE_DEPTH: Final = 4
"""How deeply bundles may nest in bundles (GHS bundles hold single observations; a limit keeps
a hostile payload from exhausting the stack)."""


def read_observation(
    r: Reader, *, length_counts_header: bool = False, depth: int = 0
) -> Observation:
    """Read one observation (header and value) at the reader's position; the reader moves past
    the observation's length. DecodeError offsets are those of ``r``'s data.
    ``length_counts_header`` reads lengths that count the class type and length fields too
    (Philips' simulator; see the module docstring)."""
    start = r.offset
    class_type = r.u8("observation class type")
    if class_type == ObservationClass.BUNDLE and depth >= MAX_BUNDLE_DEPTH:
        raise r.error(f"bundles nested deeper than {MAX_BUNDLE_DEPTH}", start)
    length_at = r.offset
    length = r.u16("observation length")
    end = r.offset + length - (_HEADER_SIZE if length_counts_header else 0)
    if end < r.offset:
        raise r.error(f"observation length {length} is shorter than its header", length_at)
    if end > len(r.data):
        raise r.error(
            f"truncated: observation length {length}, {len(r.data) - r.offset} byte(s) left",
            length_at,
        )
    body = Reader(r.data[:end], r.characteristic)
    body.offset = r.offset
    observation = _read_body(body, class_type, length_counts_header, depth)
    body.end()
    r.offset = end
    return observation


def _read_body(r: Reader, class_type: int, counts_header: bool, depth: int) -> Observation:
    flags = r.u16("observation flags")
    kind = r.u32("observation type") if flags & _TYPE else None
    time_stamp = read_elapsed_time(r) if flags & _TIME_STAMP else None
    duration = r.float("measurement duration") if flags & _DURATION else None
    status = (
        MeasurementStatus(r.u16("measurement status") & MEASUREMENT_STATUS_MASK)
        if flags & _STATUS
        else None
    )
    object_id = r.u32("object id") if flags & _OBJECT_ID else None
    patient = r.u8("patient id") if flags & _PATIENT else None
    supplemental = _codes(r, "supplemental information") if flags & _SUPPLEMENTAL else None
    derived = _codes(r, "derived-from") if flags & _DERIVED_FROM else None
    members = _codes(r, "has-member") if flags & _HAS_MEMBER else None
    tlvs = _tlv_list(r) if flags & _TLVS else None
    value: ObservationValue
    if class_type in _COMPONENT_CLASSES:
        value = _component_value(r, class_type)
    elif class_type == ObservationClass.COMPOUND:
        value = _compound(r)
    elif class_type == ObservationClass.TLV_ENCODED:
        value = TlvValue(_tlv_list(r))
    elif class_type == ObservationClass.BUNDLE:
        count = r.u8("bundle count")
        value = BundleValue(
            tuple(
                read_observation(r, length_counts_header=counts_header, depth=depth + 1)
                for _ in range(count)
            )
        )
    else:
        value = UnknownValue(class_type, r.rest())
    return Observation(
        value, kind, time_stamp, duration, status, object_id, patient, supplemental, derived,
        members, tlvs,
    )  # fmt: skip


# --- Encoding -----------------------------------------------------------------------------------


def _u32(value: int, what: str) -> bytes:
    return _bytes.u32(value, what)


def _code_list(codes: tuple[int, ...], what: str) -> bytes:
    out = bytearray(_bytes.u8(len(codes), f"number of {what}"))
    for code in codes:
        out += _u32(code, what)
    return bytes(out)


def _tlv_bytes(tlvs: tuple[Tlv, ...]) -> bytes:
    out = bytearray(_bytes.u8(len(tlvs), "number of TLVs"))
    for tlv in tlvs:
        out += _u32(tlv.type, "TLV type")
        out += _bytes.u16(len(tlv.value), "TLV length")
        out += _bytes.u8(tlv.format, "TLV format")
        out += tlv.value
    return bytes(out)


def _sample_array_bytes(v: SampleArrayValue) -> bytes:
    width = v.bytes_per_sample
    _bytes.check_range(width, 0, 0xFF, "bytes per sample")
    if width == 0 and v.samples:
        raise EncodeError("samples of 0 bytes each")
    out = bytearray(_bytes.u16(v.unit, "unit"))
    out += float_bytes(v.scale_factor) + float_bytes(v.scale_offset)
    out += float_bytes(v.sample_period)
    out += _bytes.u8(v.samples_per_period, "samples per period") + bytes((width,))
    out += _u32(len(v.samples), "number of samples")
    limit = (1 << (8 * width)) - 1
    for sample in v.samples:
        out += _bytes.check_range(sample, 0, limit, "sample").to_bytes(width, "little")
    return bytes(out)


def _value_bytes(value: ObservationValue, counts_header: bool, depth: int) -> bytes:
    if isinstance(value, NumericValue):
        return _bytes.u16(value.unit, "unit") + float_bytes(value.value)
    if isinstance(value, SimpleDiscreteValue):
        return _u32(value.code, "discrete value")
    if isinstance(value, StringValue):
        raw = value.text.encode("utf-8")
        return _bytes.u16(len(raw), "string length") + raw
    if isinstance(value, SampleArrayValue):
        return _sample_array_bytes(value)
    if isinstance(value, CompoundDiscreteEventValue):
        return _code_list(value.codes, "event codes")
    if isinstance(value, CompoundStateEventValue):
        size = len(value.supported_mask)
        if not size == len(value.state_or_event_mask) == len(value.value):
            raise EncodeError("state/event masks and value differ in size")
        return _bytes.u8(size, "state/event size") + (
            value.supported_mask + value.state_or_event_mask + value.value
        )
    if isinstance(value, CompoundValue):
        out = bytearray(_bytes.u8(len(value.components), "number of components"))
        for component in value.components:
            if type(component.value) not in VALUE_CLASSES or isinstance(
                component.value, CompoundValue | TlvValue | BundleValue
            ):
                raise EncodeError(f"{type(component.value).__name__} cannot be a component")
            out += _u32(component.type, "component type")
            out.append(VALUE_CLASSES[type(component.value)])
            out += _value_bytes(component.value, counts_header, depth)
        return bytes(out)
    if isinstance(value, TlvValue):
        return _tlv_bytes(value.tlvs)
    if isinstance(value, BundleValue):
        if depth >= MAX_BUNDLE_DEPTH:
            raise EncodeError(f"bundles nested deeper than {MAX_BUNDLE_DEPTH}")
        out = bytearray(_bytes.u8(len(value.observations), "number of bundled observations"))
        for observation in value.observations:
            out += observation_bytes(
                observation, length_counts_header=counts_header, depth=depth + 1
            )
        return bytes(out)
    if isinstance(value, UnknownValue):
        if value.class_type in VALUE_CLASSES.values() or not 0 <= value.class_type <= 0xFF:
            raise EncodeError(f"class type {value.class_type} is not an unknown class type")
        return value.data
    raise EncodeError(f"{type(value).__name__} is not an observation value")


def observation_bytes(
    o: Observation, *, length_counts_header: bool = False, depth: int = 0
) -> bytes:
    """The wire form of one observation: class type, length, flags, fields and value
    (``length_counts_header`` as for :func:`read_observation`)."""
    flags = 0
    fields = bytearray()
    if o.type is not None:
        flags |= _TYPE
        fields += _u32(o.type, "observation type")
    if o.time_stamp is not None:
        flags |= _TIME_STAMP
        fields += elapsed_time_bytes(o.time_stamp)
    if o.measurement_duration is not None:
        flags |= _DURATION
        fields += float_bytes(o.measurement_duration)
    if o.measurement_status is not None:
        flags |= _STATUS
        fields += _bytes.u16(int(o.measurement_status) & MEASUREMENT_STATUS_MASK, "status")
    if o.object_id is not None:
        flags |= _OBJECT_ID
        fields += _u32(o.object_id, "object id")
    if o.patient_id is not None:
        flags |= _PATIENT
        fields += _bytes.u8(o.patient_id, "patient id")
    for flag, codes, what in (
        (_SUPPLEMENTAL, o.supplemental_information, "supplemental information"),
        (_DERIVED_FROM, o.derived_from, "derived-from ids"),
        (_HAS_MEMBER, o.has_member, "has-member ids"),
    ):
        if codes is not None:
            flags |= flag
            fields += _code_list(codes, what)
    if o.tlvs is not None:
        flags |= _TLVS
        fields += _tlv_bytes(o.tlvs)
    body = flags.to_bytes(2, "little") + fields + _value_bytes(o.value, length_counts_header, depth)
    length = len(body) + (_HEADER_SIZE if length_counts_header else 0)
    return bytes((int(o.class_type),)) + _bytes.u16(length, "observation length") + body
