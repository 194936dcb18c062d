"""Continuous Glucose Monitoring Service (0x181F): CGM Measurement (0x2AA7), CGM Feature
(0x2AA8), CGM Session Start Time (0x2AAA) and CGM Session Run Time (0x2AAB), per the GATT
Specification Supplement (GSS) and the CGM Service specification (CGMS 1.0.1).

CGM Measurement: one characteristic value holds one or more records back to back. Each record is
size (uint8: the record's length, counting the size field itself and the E2E-CRC if present),
flags (uint8), glucose concentration (SFLOAT, mg/dL), time offset (uint16, minutes since the
session start), then present by flag: the sensor status annunciation octets, status (bit 7),
cal/temp (bit 6), warning (bit 5), in that order; trend (bit 0, SFLOAT, mg/dL/min); quality
(bit 1, SFLOAT, %); and finally the E2E-CRC (uint16) when the sensor supports it. Flag bits 2-4
are reserved and ignored. The octet order follows the GSS field table (as RonanB96's
bluetooth-sig-python, generated from the GSS YAML, does); Nordic's Android parser reads the
warning octet first, which we do not follow. The three octets together form the 24-bit Sensor
Status Annunciation of CGM Status (0x2AA9): status bits 0-7, cal/temp bits 8-15, warning bits
16-23; :class:`CgmSensorStatus` is that field, and ``annunciation_octets`` remembers which octets
were sent so that encoding reproduces the bytes.

CGM Feature: features (uint24; bits 17-23 reserved and ignored), type (low nibble) and sample
location (high nibble) in one uint8, E2E-CRC (uint16, always present; 0xFFFF and not checked
when the E2E-CRC feature bit is clear). CGM Session Start Time: Date Time, time zone (sint8,
15-minute units, -48..56, -128 unknown), DST offset (uint8: 0, 2, 4, 8, 255), optional E2E-CRC.
CGM Session Run Time: uint16 hours, optional E2E-CRC.

E2E-CRC: CRC-16/MCRF4XX (CCITT polynomial 0x1021 processed LSB first, i.e. 0x8408 reflected,
seed 0xFFFF, no final XOR; check value 0x6F91 for b"123456789") over every byte of the record or
value before the CRC, sent little-endian, as CGMS 1.0.1 specifies (CRC-CCITT generator, seed 0xFFFF,
LSB first) and Nordic's Android-BLE-Common-Library ``CRC16.MCRF4XX`` implements for CGMS.

Whether a CRC is expected depends on CGM Feature bit 12. The decoders take ``e2e_crc``: True
(the feature is supported: the CRC must be present and correct), False (not supported: it must
be absent) or None (unknown, the registry default: inferred from the size or length and
verified when present).
"""

from __future__ import annotations

import datetime as dt
import enum
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from profiles import _bytes
from profiles._bytes import ByteString, Reader
from profiles._fields import normalise_code
from profiles.date_time import (
    DateTime,
    DstOffset,
    LocalTimeInformation,
    date_time_bytes,
    read_date_time,
    read_dst_offset,
    read_time_zone,
)
from profiles.errors import EncodeError
from profiles.glucose import GlucoseType
from profiles.ieee11073 import MderNumber, sfloat_bytes
from profiles.registry_types import (
    AnyCharacteristic,
    Characteristic,
    Decoder,
    DeviceType,
    StoredRecords,
)

SERVICE_UUID16: Final = 0x181F


def _crc_table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
        table.append(crc)
    return tuple(table)


_CRC_TABLE: Final = _crc_table()


def e2e_crc16(data: ByteString, crc: int = 0xFFFF) -> int:
    """CRC-16/MCRF4XX, the E2E-CRC of the CGM (and other health) services."""
    table = _CRC_TABLE
    for byte in bytes(data):
        crc = (crc >> 8) ^ table[(crc ^ byte) & 0xFF]
    return crc


def _check_crc(r: Reader, start: int) -> None:
    """Read the E2E-CRC at the reader's position and check it covers data[start:here]."""
    at = r.offset
    sent = r.u16("E2E-CRC")
    expected = e2e_crc16(r.data[start:at])
    if sent != expected:
        raise r.error(f"E2E-CRC 0x{sent:04X} does not match the computed 0x{expected:04X}", at)


# --- CGM Measurement ---------------------------------------------------------------------------

_TREND: Final = 0x01
_QUALITY: Final = 0x02
_WARNING_OCTET: Final = 0x20
_CAL_TEMP_OCTET: Final = 0x40
_STATUS_OCTET: Final = 0x80


class CgmAnnunciationOctets(enum.IntFlag):
    """Which Sensor Status Annunciation octets a record carries (its flag bits 7, 6, 5)."""

    WARNING = _WARNING_OCTET
    CAL_TEMP = _CAL_TEMP_OCTET
    STATUS = _STATUS_OCTET


class CgmSensorStatus(enum.IntFlag):
    """The 24-bit Sensor Status Annunciation: status octet (bits 0-7), cal/temp octet (8-15),
    warning octet (16-23). Reserved bits (6-7, 15) are ignored."""

    SESSION_STOPPED = 1 << 0
    DEVICE_BATTERY_LOW = 1 << 1
    SENSOR_TYPE_INCORRECT_FOR_DEVICE = 1 << 2
    SENSOR_MALFUNCTION = 1 << 3
    DEVICE_SPECIFIC_ALERT = 1 << 4
    GENERAL_DEVICE_FAULT = 1 << 5
    TIME_SYNCHRONIZATION_REQUIRED = 1 << 8
    CALIBRATION_NOT_ALLOWED = 1 << 9
    CALIBRATION_RECOMMENDED = 1 << 10
    CALIBRATION_REQUIRED = 1 << 11
    SENSOR_TEMPERATURE_TOO_HIGH = 1 << 12
    SENSOR_TEMPERATURE_TOO_LOW = 1 << 13
    # Cal/temp bit 6: "calibration pending" as named by the GSS-derived bluetooth-sig-python;
    # CGMS 1.0.1 lists it as reserved. Kept either way (decoding ignores only bits 6-7, 15).
    CALIBRATION_PENDING = 1 << 14
    RESULT_LOWER_THAN_PATIENT_LOW_LEVEL = 1 << 16
    RESULT_HIGHER_THAN_PATIENT_HIGH_LEVEL = 1 << 17
    RESULT_LOWER_THAN_HYPO_LEVEL = 1 << 18
    RESULT_HIGHER_THAN_HYPER_LEVEL = 1 << 19
    RATE_OF_DECREASE_EXCEEDED = 1 << 20
    RATE_OF_INCREASE_EXCEEDED = 1 << 21
    RESULT_LOWER_THAN_DEVICE_CAN_PROCESS = 1 << 22
    RESULT_HIGHER_THAN_DEVICE_CAN_PROCESS = 1 << 23


_STATUS_MASK: Final = 0x00003F
_CAL_TEMP_MASK: Final = 0x007F00
_WARNING_MASK: Final = 0xFF0000
_OCTET_MASKS: Final = (
    (CgmAnnunciationOctets.STATUS, _STATUS_MASK),
    (CgmAnnunciationOctets.CAL_TEMP, _CAL_TEMP_MASK),
    (CgmAnnunciationOctets.WARNING, _WARNING_MASK),
)
_NO_OCTETS: Final = CgmAnnunciationOctets(0)
_NO_STATUS: Final = CgmSensorStatus(0)


@dataclass(frozen=True, slots=True)
class CgmMeasurementRecord:
    """One CGM Measurement record.

    ``glucose_mg_per_dl`` in mg/dL; ``time_offset_minutes`` since the session start (see
    :meth:`time`); ``sensor_status`` holds the bits of the octets listed in
    ``annunciation_octets``; ``trend_mg_per_dl_per_min`` in mg/dL/min; ``quality_percent`` in %;
    ``e2e_crc`` says whether the record carries an E2E-CRC (checked on decoding, computed on
    encoding).
    """

    glucose_mg_per_dl: MderNumber
    time_offset_minutes: int
    sensor_status: CgmSensorStatus = _NO_STATUS
    annunciation_octets: CgmAnnunciationOctets = _NO_OCTETS
    trend_mg_per_dl_per_min: MderNumber | None = None
    quality_percent: MderNumber | None = None
    e2e_crc: bool = False

    def time(self, session_start: CgmSessionStartTime) -> dt.datetime | None:
        """When this record was measured: ``session_start`` plus the time offset (see
        :meth:`CgmSessionStartTime.time_after`)."""
        return session_start.time_after(self.time_offset_minutes)


@dataclass(frozen=True, slots=True)
class CgmMeasurement:
    """CGM Measurement (0x2AA7): the records of one characteristic value, in order."""

    records: tuple[CgmMeasurementRecord, ...]


def decode_cgm_measurement(data: ByteString, *, e2e_crc: bool | None = None) -> CgmMeasurement:
    """Decode every record; ``e2e_crc`` as the module docstring explains."""
    r = Reader(data, CGM_MEASUREMENT.name)
    end = len(r.data)
    if end == 0:
        raise r.error("empty: a CGM Measurement holds at least one record")
    records = []
    while r.offset < end:
        start = r.offset
        size = r.u8("record size")
        flags = r.u8("flags")
        expected = (
            6
            + (2 if flags & _TREND else 0)
            + (2 if flags & _QUALITY else 0)
            + (1 if flags & _STATUS_OCTET else 0)
            + (1 if flags & _CAL_TEMP_OCTET else 0)
            + (1 if flags & _WARNING_OCTET else 0)
        )
        if size == expected:
            has_crc = False
        elif size == expected + 2:
            has_crc = True
        else:
            raise r.error(
                f"record size {size} does not match its flags "
                f"({expected}, or {expected + 2} with E2E-CRC)",
                start,
            )
        if e2e_crc is not None and has_crc != e2e_crc:
            reason = (
                f"record size {size} leaves no room for the E2E-CRC the sensor supports"
                if e2e_crc
                else f"record size {size} includes an E2E-CRC the sensor does not support"
            )
            raise r.error(reason, start)
        glucose = r.sfloat("glucose concentration")
        time_offset = r.u16("time offset")
        status = 0
        if flags & _STATUS_OCTET:
            status = r.u8("status octet") & _STATUS_MASK
        if flags & _CAL_TEMP_OCTET:
            status |= (r.u8("cal/temp octet") << 8) & _CAL_TEMP_MASK
        if flags & _WARNING_OCTET:
            status |= r.u8("warning octet") << 16
        trend = r.sfloat("trend") if flags & _TREND else None
        quality = r.sfloat("quality") if flags & _QUALITY else None
        if has_crc:
            _check_crc(r, start)
        records.append(
            CgmMeasurementRecord(
                glucose,
                time_offset,
                CgmSensorStatus(status),
                CgmAnnunciationOctets(flags & 0xE0),
                trend,
                quality,
                has_crc,
            )
        )
    return CgmMeasurement(tuple(records))


def _encode_record(record: CgmMeasurementRecord) -> bytes:
    octets = record.annunciation_octets
    status = _bytes.check_range(int(record.sensor_status), 0, 0xFFFFFF, "sensor status")
    allowed = 0
    for octet, mask in _OCTET_MASKS:
        if octet & octets:
            allowed |= mask
    if status & ~allowed:
        raise EncodeError(
            f"sensor status 0x{status:06X} has bits outside the annunciation octets sent "
            f"({octets!r}) or reserved bits"
        )
    if octets & ~0xE0:
        raise EncodeError(f"annunciation octets {octets!r} are not flag bits 5-7")
    trend = record.trend_mg_per_dl_per_min
    quality = record.quality_percent
    flags = int(octets) | (_TREND if trend is not None else 0)
    flags |= _QUALITY if quality is not None else 0
    out = bytearray((0, flags))
    out += sfloat_bytes(record.glucose_mg_per_dl)
    out += _bytes.u16(record.time_offset_minutes, "time offset")
    if octets & _STATUS_OCTET:
        out.append(status & 0xFF)
    if octets & _CAL_TEMP_OCTET:
        out.append((status >> 8) & 0xFF)
    if octets & _WARNING_OCTET:
        out.append(status >> 16)
    if trend is not None:
        out += sfloat_bytes(trend)
    if quality is not None:
        out += sfloat_bytes(quality)
    out[0] = len(out) + (2 if record.e2e_crc else 0)
    if record.e2e_crc:
        out += e2e_crc16(out).to_bytes(2, "little")
    return bytes(out)


def encode_cgm_measurement(m: CgmMeasurement) -> bytes:
    if not m.records:
        raise EncodeError("a CGM Measurement needs at least one record")
    return b"".join(_encode_record(record) for record in m.records)


# --- CGM Feature -------------------------------------------------------------------------------


class CgmFeatureBits(enum.IntFlag):
    """CGM Feature bits (uint24); bits 17-23 are reserved and ignored."""

    CALIBRATION = 1 << 0
    PATIENT_HIGH_LOW_ALERTS = 1 << 1
    HYPO_ALERTS = 1 << 2
    HYPER_ALERTS = 1 << 3
    RATE_OF_INCREASE_DECREASE_ALERTS = 1 << 4
    DEVICE_SPECIFIC_ALERT = 1 << 5
    SENSOR_MALFUNCTION_DETECTION = 1 << 6
    SENSOR_TEMPERATURE_HIGH_LOW_DETECTION = 1 << 7
    SENSOR_RESULT_HIGH_LOW_DETECTION = 1 << 8
    LOW_BATTERY_DETECTION = 1 << 9
    SENSOR_TYPE_ERROR_DETECTION = 1 << 10
    GENERAL_DEVICE_FAULT = 1 << 11
    E2E_CRC = 1 << 12
    MULTIPLE_BOND = 1 << 13
    MULTIPLE_SESSIONS = 1 << 14
    CGM_TREND_INFORMATION = 1 << 15
    CGM_QUALITY = 1 << 16


_FEATURE_MASK: Final = 0x01FFFF


CgmType = GlucoseType
"""CGM Feature type nibble: the CGM Service uses the Glucose Service's Type table (0 and 11-15
reserved)."""


class CgmSampleLocation(enum.IntEnum):
    """CGM Feature sample location nibble; 0 and 6-14 are reserved."""

    FINGER = 1
    ALTERNATE_SITE_TEST = 2
    EARLOBE = 3
    CONTROL_SOLUTION = 4
    SUBCUTANEOUS_TISSUE = 5
    NOT_AVAILABLE = 15


@dataclass(frozen=True, slots=True)
class CgmFeature:
    """CGM Feature (0x2AA8). Reserved type/location values are kept as plain ints."""

    features: CgmFeatureBits
    type: CgmType | int
    sample_location: CgmSampleLocation | int

    def __post_init__(self) -> None:
        normalise_code(self, "type", CgmType)
        normalise_code(self, "sample_location", CgmSampleLocation)


def decode_cgm_feature(data: ByteString) -> CgmFeature:
    r = Reader(data, CGM_FEATURE.name)
    features = CgmFeatureBits(r.u24("features") & _FEATURE_MASK)
    type_location = r.u8("type and sample location")
    if features & CgmFeatureBits.E2E_CRC:
        _check_crc(r, 0)
    else:
        r.u16("E2E-CRC")  # 0xFFFF by the specification; not checked when unsupported
    r.end()
    return CgmFeature(features, type_location & 0x0F, type_location >> 4)


def encode_cgm_feature(value: CgmFeature) -> bytes:
    type_ = _bytes.check_range(int(value.type), 0, 15, "type")
    location = _bytes.check_range(int(value.sample_location), 0, 15, "sample location")
    out = _bytes.u24(value.features & _FEATURE_MASK, "features") + bytes((location << 4 | type_,))
    crc = e2e_crc16(out) if value.features & CgmFeatureBits.E2E_CRC else 0xFFFF
    return out + crc.to_bytes(2, "little")


# --- CGM Session Start Time / Run Time ---------------------------------------------------------


def _read_optional_crc(r: Reader, e2e_crc: bool | None) -> bool:
    """Read the trailing E2E-CRC (when expected or, if unknown, when bytes remain)."""
    if e2e_crc is None:
        e2e_crc = r.remaining() > 0
    if e2e_crc:
        _check_crc(r, 0)
    r.end()
    return e2e_crc


@dataclass(frozen=True, slots=True)
class CgmSessionStartTime:
    """CGM Session Start Time (0x2AAA): the session's start as local wall-clock time, with the
    time zone (15-minute units, -128 unknown) and DST offset in force."""

    start_time: DateTime
    time_zone: int
    dst_offset: DstOffset
    e2e_crc: bool = False

    def __post_init__(self) -> None:
        LocalTimeInformation(self.time_zone, self.dst_offset)  # validates the time zone

    def utc_offset(self) -> dt.timedelta | None:
        """Time zone plus DST offset, or None when either is unknown."""
        return LocalTimeInformation(self.time_zone, self.dst_offset).utc_offset()

    def time_after(self, minutes: int) -> dt.datetime | None:
        """The start time plus ``minutes``: an aware datetime when the time zone and DST offset
        are known, a naive (sensor-local) one when not, None when the date is unknown."""
        start = self.start_time.to_datetime()
        if start is None:
            return None
        offset = self.utc_offset()
        if offset is not None:
            start = start.replace(tzinfo=dt.timezone(offset))
        return start + dt.timedelta(minutes=minutes)


def decode_cgm_session_start_time(
    data: ByteString, *, e2e_crc: bool | None = None
) -> CgmSessionStartTime:
    r = Reader(data, CGM_SESSION_START_TIME.name)
    start = read_date_time(r, "session start time")
    time_zone = read_time_zone(r)
    dst = read_dst_offset(r)
    has_crc = _read_optional_crc(r, e2e_crc)
    return CgmSessionStartTime(start, time_zone, dst, has_crc)


def encode_cgm_session_start_time(value: CgmSessionStartTime) -> bytes:
    out = (
        date_time_bytes(value.start_time)
        + _bytes.s8(value.time_zone, "time zone")
        + bytes((value.dst_offset,))
    )
    if value.e2e_crc:
        out += e2e_crc16(out).to_bytes(2, "little")
    return out


@dataclass(frozen=True, slots=True)
class CgmSessionRunTime:
    """CGM Session Run Time (0x2AAB): the expected run time of the session, in hours."""

    hours: int
    e2e_crc: bool = False


def decode_cgm_session_run_time(
    data: ByteString, *, e2e_crc: bool | None = None
) -> CgmSessionRunTime:
    r = Reader(data, CGM_SESSION_RUN_TIME.name)
    hours = r.u16("run time")
    return CgmSessionRunTime(hours, _read_optional_crc(r, e2e_crc))


def encode_cgm_session_run_time(value: CgmSessionRunTime) -> bytes:
    out = _bytes.u16(value.hours, "run time")
    if value.e2e_crc:
        out += e2e_crc16(out).to_bytes(2, "little")
    return out


def record_time(
    session_start: CgmSessionStartTime, record: CgmMeasurementRecord
) -> dt.datetime | None:
    """When ``record`` was measured (session start plus its time offset)."""
    return session_start.time_after(record.time_offset_minutes)


CGM_MEASUREMENT = Characteristic(
    0x2AA7,
    "cgm-measurement",
    CgmMeasurement,
    decode_cgm_measurement,
    encode_cgm_measurement,
    label="Continuous glucose",
)
CGM_FEATURE = Characteristic(
    0x2AA8, "cgm-feature", CgmFeature, decode_cgm_feature, encode_cgm_feature
)
CGM_SESSION_START_TIME = Characteristic(
    0x2AAA,
    "cgm-session-start-time",
    CgmSessionStartTime,
    decode_cgm_session_start_time,
    encode_cgm_session_start_time,
    label="CGM session start",
)
CGM_SESSION_RUN_TIME = Characteristic(
    0x2AAB,
    "cgm-session-run-time",
    CgmSessionRunTime,
    decode_cgm_session_run_time,
    encode_cgm_session_run_time,
)
CHARACTERISTICS: Final = (
    CGM_MEASUREMENT,
    CGM_FEATURE,
    CGM_SESSION_START_TIME,
    CGM_SESSION_RUN_TIME,
)


def record_time_offset(value: object) -> int | None:
    """The RACP key of a CGM value: the highest time offset of its records."""
    if isinstance(value, CgmMeasurement) and value.records:
        return max(record.time_offset_minutes for record in value.records)
    return None


def records_counted(value: object) -> int:
    """How many of the records a CGM counts a value carries (one per measurement record)."""
    return len(value.records) if isinstance(value, CgmMeasurement) else 1


def session_scope(features: Mapping[str, object]) -> str | None:
    """The sensor session that numbers the time offsets, from the CGM Session Start Time read
    (None when it is unknown: then every record is fetched and no mark kept)."""
    start = features.get(CGM_SESSION_START_TIME.name)
    if not isinstance(start, CgmSessionStartTime):
        return None
    local = start.start_time.to_datetime()
    if local is None:
        return None
    return f"cgm-session={local.isoformat()};tz={start.time_zone};dst={int(start.dst_offset)}"


def decoder_for(characteristic: AnyCharacteristic, features: Mapping[str, object]) -> Decoder:
    """CGM values with the E2E-CRC expectation of the CGM Feature (read first)."""
    feature = features.get(CGM_FEATURE.name)
    if not isinstance(feature, CgmFeature):
        return characteristic.decode
    crc = bool(feature.features & CgmFeatureBits.E2E_CRC)
    if characteristic is CGM_MEASUREMENT:
        return functools.partial(decode_cgm_measurement, e2e_crc=crc)
    if characteristic is CGM_SESSION_START_TIME:
        return functools.partial(decode_cgm_session_start_time, e2e_crc=crc)
    return characteristic.decode


DEVICE_TYPE: Final = DeviceType(
    SERVICE_UUID16,
    "continuous-glucose-monitoring",
    "continuous glucose monitor",
    subscribe=(CGM_MEASUREMENT,),
    read=(CGM_FEATURE, CGM_SESSION_START_TIME),
    aliases=("cgm",),
    deliver=(CGM_SESSION_START_TIME,),
    decoder=decoder_for,
    stored=StoredRecords(
        (CGM_MEASUREMENT,),
        record_time_offset,
        scope=session_scope,
        live_advances_mark=False,
        record_count=records_counted,
    ),
)
