"""Blood Pressure Service (0x1810): Blood Pressure Measurement (0x2A35), Intermediate Cuff
Pressure (0x2A36) and Blood Pressure Feature (0x2A49), per the GATT Specification Supplement.

Measurement layout: flags (uint8), systolic, diastolic and mean arterial pressure (SFLOAT, mmHg
or kPa by flag bit 0), then present by flag: time stamp (bit 1, Date Time), pulse rate (bit 2,
SFLOAT, beats/min), user id (bit 3, uint8, 0xFF = unknown user), measurement status (bit 4,
uint16). Bits 5-7 of the flags are reserved and ignored.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from typing import Final

from profiles import _bytes
from profiles._bytes import ByteString, Reader
from profiles._fields import feature_flags_bytes, read_feature_flags
from profiles.date_time import DateTime, date_time_bytes, read_date_time
from profiles.ieee11073 import MderNumber, SpecialValue, sfloat_bytes
from profiles.registry_types import Characteristic, DeviceType
from profiles.units import PressureUnit

SERVICE_UUID16: Final = 0x1810
UNKNOWN_USER: Final = 0xFF

_KPA: Final = 0x01
_TIME_STAMP: Final = 0x02
_PULSE_RATE: Final = 0x04
_USER_ID: Final = 0x08
_STATUS: Final = 0x10


class PulseRateRange(enum.IntEnum):
    """Measurement status bits 3-4."""

    WITHIN_RANGE = 0
    EXCEEDS_UPPER_LIMIT = 1
    BELOW_LOWER_LIMIT = 2
    RESERVED = 3


@dataclass(frozen=True, slots=True)
class BloodPressureMeasurementStatus:
    """Measurement status (uint16); bits 6-15 are reserved and ignored."""

    body_movement_detected: bool = False
    cuff_too_loose: bool = False
    irregular_pulse_detected: bool = False
    pulse_rate_range: PulseRateRange = PulseRateRange.WITHIN_RANGE
    improper_measurement_position: bool = False

    @classmethod
    def from_bits(cls, bits: int) -> BloodPressureMeasurementStatus:
        """The status for a uint16 bit field (reserved bits ignored; results are shared)."""
        return _status_from_bits(bits & 0x3F)

    @classmethod
    def _build(cls, bits: int) -> BloodPressureMeasurementStatus:
        return cls(
            bool(bits & 0x01),
            bool(bits & 0x02),
            bool(bits & 0x04),
            PulseRateRange((bits >> 3) & 0x03),
            bool(bits & 0x20),
        )

    def to_bits(self) -> int:
        return (
            self.body_movement_detected
            | self.cuff_too_loose << 1
            | self.irregular_pulse_detected << 2
            | self.pulse_rate_range << 3
            | self.improper_measurement_position << 5
        )


@functools.lru_cache(maxsize=64)
def _status_from_bits(bits: int) -> BloodPressureMeasurementStatus:
    return BloodPressureMeasurementStatus._build(bits)


@dataclass(frozen=True, slots=True)
class BloodPressureMeasurement:
    """Blood Pressure Measurement (0x2A35). Pressures are in ``unit``; pulse rate in beats/min."""

    systolic: MderNumber
    diastolic: MderNumber
    mean_arterial_pressure: MderNumber
    unit: PressureUnit = PressureUnit.MMHG
    timestamp: DateTime | None = None
    pulse_rate: MderNumber | None = None
    user_id: int | None = None
    status: BloodPressureMeasurementStatus | None = None


@dataclass(frozen=True, slots=True)
class IntermediateCuffPressure:
    """Intermediate Cuff Pressure (0x2A36): the current cuff pressure during a measurement.

    On the wire it shares the measurement's layout; the diastolic and mean fields are unused
    (sent as NaN, ignored on receipt).
    """

    cuff_pressure: MderNumber
    unit: PressureUnit = PressureUnit.MMHG
    timestamp: DateTime | None = None
    pulse_rate: MderNumber | None = None
    user_id: int | None = None
    status: BloodPressureMeasurementStatus | None = None


def _decode(
    data: ByteString, name: str
) -> tuple[
    MderNumber,
    MderNumber,
    MderNumber,
    PressureUnit,
    DateTime | None,
    MderNumber | None,
    int | None,
    BloodPressureMeasurementStatus | None,
]:
    r = Reader(data, name)
    flags = r.u8("flags")
    systolic = r.sfloat("systolic")
    diastolic = r.sfloat("diastolic")
    mean = r.sfloat("mean arterial pressure")
    timestamp = read_date_time(r, "time stamp") if flags & _TIME_STAMP else None
    pulse = r.sfloat("pulse rate") if flags & _PULSE_RATE else None
    user = r.u8("user id") if flags & _USER_ID else None
    status = (
        BloodPressureMeasurementStatus.from_bits(r.u16("measurement status"))
        if flags & _STATUS
        else None
    )
    r.end()
    unit = PressureUnit.KPA if flags & _KPA else PressureUnit.MMHG
    return systolic, diastolic, mean, unit, timestamp, pulse, user, status


def _encode(
    first: MderNumber,
    second: MderNumber,
    third: MderNumber,
    unit: PressureUnit,
    timestamp: DateTime | None,
    pulse: MderNumber | None,
    user: int | None,
    status: BloodPressureMeasurementStatus | None,
) -> bytes:
    flags = (
        (_KPA if unit is PressureUnit.KPA else 0)
        | (_TIME_STAMP if timestamp is not None else 0)
        | (_PULSE_RATE if pulse is not None else 0)
        | (_USER_ID if user is not None else 0)
        | (_STATUS if status is not None else 0)
    )
    out = bytearray((flags,))
    out += sfloat_bytes(first) + sfloat_bytes(second) + sfloat_bytes(third)
    if timestamp is not None:
        out += date_time_bytes(timestamp)
    if pulse is not None:
        out += sfloat_bytes(pulse)
    if user is not None:
        out += _bytes.u8(user, "user id")
    if status is not None:
        out += _bytes.u16(status.to_bits(), "measurement status")
    return bytes(out)


def decode_blood_pressure_measurement(data: ByteString) -> BloodPressureMeasurement:
    return BloodPressureMeasurement(*_decode(data, BLOOD_PRESSURE_MEASUREMENT.name))


def encode_blood_pressure_measurement(m: BloodPressureMeasurement) -> bytes:
    return _encode(
        m.systolic,
        m.diastolic,
        m.mean_arterial_pressure,
        m.unit,
        m.timestamp,
        m.pulse_rate,
        m.user_id,
        m.status,
    )


def decode_intermediate_cuff_pressure(data: ByteString) -> IntermediateCuffPressure:
    cuff, _, _, unit, timestamp, pulse, user, status = _decode(
        data, INTERMEDIATE_CUFF_PRESSURE.name
    )
    return IntermediateCuffPressure(cuff, unit, timestamp, pulse, user, status)


def encode_intermediate_cuff_pressure(m: IntermediateCuffPressure) -> bytes:
    nan = SpecialValue.NAN
    return _encode(
        m.cuff_pressure, nan, nan, m.unit, m.timestamp, m.pulse_rate, m.user_id, m.status
    )


class BloodPressureFeature(enum.IntFlag):
    """Blood Pressure Feature (0x2A49), uint16; bits 9-15 are reserved and ignored."""

    BODY_MOVEMENT_DETECTION = 0x0001
    CUFF_FIT_DETECTION = 0x0002
    IRREGULAR_PULSE_DETECTION = 0x0004
    PULSE_RATE_RANGE_DETECTION = 0x0008
    MEASUREMENT_POSITION_DETECTION = 0x0010
    MULTIPLE_BOND = 0x0020
    E2E_CRC = 0x0040
    USER_DATA_SERVICE = 0x0080
    USER_FACING_TIME = 0x0100


_FEATURE_MASK: Final = 0x01FF


def decode_blood_pressure_feature(data: ByteString) -> BloodPressureFeature:
    return read_feature_flags(
        data, BLOOD_PRESSURE_FEATURE.name, BloodPressureFeature, _FEATURE_MASK
    )


def encode_blood_pressure_feature(value: BloodPressureFeature) -> bytes:
    return feature_flags_bytes(value, _FEATURE_MASK)


BLOOD_PRESSURE_MEASUREMENT = Characteristic(
    0x2A35,
    "blood-pressure-measurement",
    BloodPressureMeasurement,
    decode_blood_pressure_measurement,
    encode_blood_pressure_measurement,
    label="Blood pressure",
)
INTERMEDIATE_CUFF_PRESSURE = Characteristic(
    0x2A36,
    "intermediate-cuff-pressure",
    IntermediateCuffPressure,
    decode_intermediate_cuff_pressure,
    encode_intermediate_cuff_pressure,
    label="Cuff pressure",
)
BLOOD_PRESSURE_FEATURE = Characteristic(
    0x2A49,
    "blood-pressure-feature",
    BloodPressureFeature,
    decode_blood_pressure_feature,
    encode_blood_pressure_feature,
)
CHARACTERISTICS: Final = (
    BLOOD_PRESSURE_MEASUREMENT,
    INTERMEDIATE_CUFF_PRESSURE,
    BLOOD_PRESSURE_FEATURE,
)

DEVICE_TYPE: Final = DeviceType(
    SERVICE_UUID16,
    "blood-pressure",
    "blood pressure monitor",
    subscribe=(BLOOD_PRESSURE_MEASUREMENT, INTERMEDIATE_CUFF_PRESSURE),
    read=(BLOOD_PRESSURE_FEATURE,),
    aliases=("bp",),
)
