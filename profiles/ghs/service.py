"""Generic Health Sensor Service (0x1840) characteristics other than the observations: Health
Sensor Features (0x2BF3), GHS Control Point (0x2BF4), Observation Schedule Changed (0x2BF1), and
the two descriptors of the Health Sensor Features characteristic, Observation Schedule (0x2910)
and Valid Range and Accuracy (0x2911).

- Health Sensor Features: flags (uint8, bit 0: supported device specializations present; bits
  1-7 reserved and ignored), the supported observation types (count uint8 + uint32 MDC codes),
  then when flagged the supported device specializations (count uint8 + per specialization its
  MDC partition 8 term code (uint16) and version (uint8)).
- GHS Control Point: op code (uint8): 0x01 start sending live observations, 0x02 stop, and the
  server's answers 0x80 success, 0x81 server busy, 0x82 error in live observations. Unknown op
  codes are kept with the bytes that follow them (a server answers them with an error).
- Observation Schedule (descriptor) and Observation Schedule Changed (characteristic): the
  observation type (uint32), measurement period and update interval (FLOAT seconds each).
- Valid Range and Accuracy: observation type (uint32), unit (uint16, MDC partition 4 term
  code), lower and upper limit and accuracy (FLOAT each, in that unit).

Sources: ST's STM32WBA-BLE-GenericHealthSensor (``ghs_app.c``: features value of a pulse
oximeter with a blood pressure specialization 0x1007 version 1, schedule 12 bytes and valid
range 18 bytes in ``ghs.c``, control point op codes in ``ghs_cp.c``) and Philips'
BLE-GHS-Client-Example (``GhsFeaturesHandler.kt``, ``GhsControlPointHandler.kt``: the same
layouts and the 0x81/0x82 answers).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

from profiles import _bytes
from profiles._bytes import ByteString, Reader
from profiles._fields import is_known, member_or_int
from profiles.errors import EncodeError
from profiles.ghs import racp
from profiles.ghs.health_observations import (
    LIVE_HEALTH_OBSERVATIONS,
    STORED_HEALTH_OBSERVATIONS,
    StoredObservation,
)
from profiles.ieee11073 import MderNumber, float_bytes
from profiles.registry_types import Characteristic, DeviceType, LiveControl, StoredRecords

SERVICE_UUID16: Final = 0x1840
_SPECIALIZATIONS_PRESENT: Final = 0x01


@dataclass(frozen=True, slots=True)
class DeviceSpecialization:
    """An IEEE 11073-104xx device specialization: its MDC partition 8 term code (e.g. 0x1007 =
    MDC_DEV_SPEC_PROFILE_BPM, blood pressure monitor) and version."""

    code: int
    version: int

    @property
    def mdc_code(self) -> int:
        """The full 32-bit MDC code (partition 8)."""
        return 8 << 16 | self.code


@dataclass(frozen=True, slots=True)
class HealthSensorFeatures:
    """Health Sensor Features (0x2BF3): the observation types (MDC codes) the sensor sends, and
    the device specializations it follows (None when the field is absent)."""

    supported_observation_types: tuple[int, ...]
    device_specializations: tuple[DeviceSpecialization, ...] | None = None


def decode_health_sensor_features(data: ByteString) -> HealthSensorFeatures:
    r = Reader(data, HEALTH_SENSOR_FEATURES.name)
    flags = r.u8("flags")
    count = r.u8("number of observation types")
    types = tuple(r.u32("observation type") for _ in range(count))
    specializations = None
    if flags & _SPECIALIZATIONS_PRESENT:
        count = r.u8("number of device specializations")
        specializations = tuple(
            DeviceSpecialization(r.u16("device specialization"), r.u8("version"))
            for _ in range(count)
        )
    r.end()
    return HealthSensorFeatures(types, specializations)


def encode_health_sensor_features(value: HealthSensorFeatures) -> bytes:
    specializations = value.device_specializations
    types = value.supported_observation_types
    out = bytearray((_SPECIALIZATIONS_PRESENT if specializations is not None else 0,))
    out += _bytes.u8(len(types), "number of observation types")
    for kind in types:
        out += _bytes.u32(kind, "observation type")
    if specializations is not None:
        out += _bytes.u8(len(specializations), "number of device specializations")
        for spec in specializations:
            out += _bytes.u16(spec.code, "device specialization") + _bytes.u8(
                spec.version, "version"
            )
    return bytes(out)


# --- GHS Control Point --------------------------------------------------------------------------


class GhsControlPointOpCode(enum.IntEnum):
    START_SEND_LIVE_OBSERVATIONS = 0x01
    STOP_SEND_LIVE_OBSERVATIONS = 0x02
    SUCCESS = 0x80
    SERVER_BUSY = 0x81
    ERROR_IN_LIVE_OBSERVATIONS = 0x82


@dataclass(frozen=True, slots=True)
class GhsControlPoint:
    """GHS Control Point (0x2BF4) value: a request from the client or the server's answer.
    ``parameter`` holds what follows an unknown op code (known ones take none)."""

    op_code: GhsControlPointOpCode | int
    parameter: bytes = b""

    @classmethod
    def start_live_observations(cls) -> GhsControlPoint:
        return cls(GhsControlPointOpCode.START_SEND_LIVE_OBSERVATIONS)

    @classmethod
    def stop_live_observations(cls) -> GhsControlPoint:
        return cls(GhsControlPointOpCode.STOP_SEND_LIVE_OBSERVATIONS)


def decode_ghs_control_point(data: ByteString) -> GhsControlPoint:
    r = Reader(data, GHS_CONTROL_POINT.name)
    raw = r.u8("op code")
    op = member_or_int(GhsControlPointOpCode, raw)
    if not isinstance(op, GhsControlPointOpCode):
        return GhsControlPoint(raw, r.rest())
    r.end()
    return GhsControlPoint(op)


def encode_ghs_control_point(value: GhsControlPoint) -> bytes:
    op = _bytes.check_range(int(value.op_code), 0, 0xFF, "op code")
    if is_known(GhsControlPointOpCode, op) and value.parameter:
        raise EncodeError(f"op code 0x{op:02X} takes no parameter")
    return bytes((op,)) + value.parameter


# --- Observation Schedule, Valid Range and Accuracy -------------------------------------------


@dataclass(frozen=True, slots=True)
class ObservationSchedule:
    """How often the sensor measures an observation type and sends it (seconds, FLOAT)."""

    observation_type: int
    measurement_period: MderNumber
    update_interval: MderNumber


def _decode_schedule(data: ByteString, name: str) -> ObservationSchedule:
    r = Reader(data, name)
    value = ObservationSchedule(
        r.u32("observation type"), r.float("measurement period"), r.float("update interval")
    )
    r.end()
    return value


def decode_observation_schedule(data: ByteString) -> ObservationSchedule:
    return _decode_schedule(data, OBSERVATION_SCHEDULE.name)


def decode_observation_schedule_changed(data: ByteString) -> ObservationSchedule:
    return _decode_schedule(data, OBSERVATION_SCHEDULE_CHANGED.name)


def encode_observation_schedule(value: ObservationSchedule) -> bytes:
    return (
        _bytes.u32(value.observation_type, "observation type")
        + float_bytes(value.measurement_period)
        + float_bytes(value.update_interval)
    )


@dataclass(frozen=True, slots=True)
class ValidRangeAndAccuracy:
    """The range an observation type's values can take and their accuracy, in ``unit``."""

    observation_type: int
    unit: int
    lower_limit: MderNumber
    upper_limit: MderNumber
    accuracy: MderNumber


def decode_valid_range_and_accuracy(data: ByteString) -> ValidRangeAndAccuracy:
    r = Reader(data, VALID_RANGE_AND_ACCURACY.name)
    value = ValidRangeAndAccuracy(
        r.u32("observation type"),
        r.u16("unit"),
        r.float("lower limit"),
        r.float("upper limit"),
        r.float("accuracy"),
    )
    r.end()
    return value


def encode_valid_range_and_accuracy(value: ValidRangeAndAccuracy) -> bytes:
    return (
        _bytes.u32(value.observation_type, "observation type")
        + _bytes.u16(value.unit, "unit")
        + float_bytes(value.lower_limit)
        + float_bytes(value.upper_limit)
        + float_bytes(value.accuracy)
    )


HEALTH_SENSOR_FEATURES = Characteristic(
    0x2BF3,
    "health-sensor-features",
    HealthSensorFeatures,
    decode_health_sensor_features,
    encode_health_sensor_features,
)
GHS_CONTROL_POINT = Characteristic(
    0x2BF4,
    "ghs-control-point",
    GhsControlPoint,
    decode_ghs_control_point,
    encode_ghs_control_point,
)
OBSERVATION_SCHEDULE_CHANGED = Characteristic(
    0x2BF1,
    "observation-schedule-changed",
    ObservationSchedule,
    decode_observation_schedule_changed,
    encode_observation_schedule,
)
OBSERVATION_SCHEDULE = Characteristic(
    0x2910,
    "observation-schedule",
    ObservationSchedule,
    decode_observation_schedule,
    encode_observation_schedule,
)
VALID_RANGE_AND_ACCURACY = Characteristic(
    0x2911,
    "valid-range-and-accuracy",
    ValidRangeAndAccuracy,
    decode_valid_range_and_accuracy,
    encode_valid_range_and_accuracy,
)
CHARACTERISTICS: Final = (
    HEALTH_SENSOR_FEATURES,
    GHS_CONTROL_POINT,
    OBSERVATION_SCHEDULE_CHANGED,
    OBSERVATION_SCHEDULE,
    VALID_RANGE_AND_ACCURACY,
)


def _record_number(value: object) -> int | None:
    return value.record_number if isinstance(value, StoredObservation) else None


def _raw_record_number(raw: bytes) -> int | None:
    """The record number of a one-segment Stored Health Observations value that did not
    decode (segmentation header with first and last set, then the uint32)."""
    if len(raw) < 5 or raw[0] & 0x03 != 0x03:
        return None
    return int.from_bytes(raw[1:5], "little")


def _ghs_scope(_features: object) -> str:
    return "ghs"


DEVICE_TYPE: Final = DeviceType(
    SERVICE_UUID16,
    "generic-health-sensor",
    "generic health sensor",
    subscribe=(LIVE_HEALTH_OBSERVATIONS, STORED_HEALTH_OBSERVATIONS),
    read=(HEALTH_SENSOR_FEATURES,),
    aliases=("ghs",),
    stored=StoredRecords(
        (STORED_HEALTH_OBSERVATIONS,),
        key_of=_record_number,
        scope=_ghs_scope,
        live_advances_mark=False,
        raw_key=_raw_record_number,
        racp=racp.LAYOUT,
    ),
    reassembled=True,
    live_control=LiveControl(
        GHS_CONTROL_POINT,
        encode_ghs_control_point(GhsControlPoint.start_live_observations()),
        encode_ghs_control_point(GhsControlPoint.stop_live_observations()),
    ),
)
"""Live observations are not records (they carry no record number): they never move the
high-water mark, which is the next record number of the device's stored observations, kept
under ``<device>#ghs``."""
