"""Heart Rate Service (0x180D): Heart Rate Measurement (0x2A37) and Body Sensor Location
(0x2A38), per the GATT Specification Supplement (GSS) and the Heart Rate Service specification.

Measurement layout: flags (uint8), heart rate (uint8, or uint16 when flag bit 0 is set;
beats/min), then present by flag: energy expended (bit 3, uint16, kJ) and RR-intervals (bit 4:
one or more uint16 in units of 1/1024 s, as many as the rest of the value holds; an odd byte
left over is an error). Flag bits 1-2 give the sensor contact status (0 or 1: not supported,
2: supported but no contact, 3: supported and in contact). Bits 5-7 are reserved and ignored.

RR-intervals are exact Decimal seconds: n/1024 s is a finite decimal, so the decoder gives
``raw * Decimal("0.0009765625")`` (ten decimals, e.g. raw 512 is ``Decimal("0.5000000000")``)
and the encoder refuses any value that is not a whole number of 1/1024 s.

Body Sensor Location is one uint8: 0 other, 1 chest, 2 wrist, 3 finger, 4 hand, 5 ear lobe,
6 foot; 7-255 are reserved and kept as plain ints.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from profiles import _bytes
from profiles._bytes import ByteString, Reader
from profiles._fields import normalise_code, read_code
from profiles.errors import EncodeError
from profiles.registry_types import Characteristic, DeviceType

SERVICE_UUID16: Final = 0x180D
RR_INTERVAL_STEP: Final = Decimal("0.0009765625")
"""1/1024 s, the resolution of an RR-interval, exactly."""

_UINT16_VALUE: Final = 0x01
_CONTACT_SHIFT: Final = 1
_ENERGY_EXPENDED: Final = 0x08
_RR_INTERVALS: Final = 0x10


class HeartRateValueFormat(enum.IntEnum):
    """Flag bit 0: how the heart rate value is sent."""

    UINT8 = 0
    UINT16 = 1


class SensorContact(enum.IntEnum):
    """Flag bits 1-2 (value 1 also means "not supported"; it decodes as NOT_SUPPORTED)."""

    NOT_SUPPORTED = 0
    NOT_DETECTED = 2
    DETECTED = 3


_CONTACT: Final = (
    SensorContact.NOT_SUPPORTED,
    SensorContact.NOT_SUPPORTED,
    SensorContact.NOT_DETECTED,
    SensorContact.DETECTED,
)


@dataclass(frozen=True, slots=True)
class HeartRateMeasurement:
    """Heart Rate Measurement (0x2A37).

    ``heart_rate`` is in beats/min, sent as ``value_format`` (a uint8 value must be <= 255);
    ``energy_expended`` is in kJ since the last reset (the device holds it at 65535 when it
    would overflow); ``rr_intervals`` are in seconds, oldest first, empty when absent.
    """

    heart_rate: int
    value_format: HeartRateValueFormat = HeartRateValueFormat.UINT8
    sensor_contact: SensorContact = SensorContact.NOT_SUPPORTED
    energy_expended: int | None = None
    rr_intervals: tuple[Decimal, ...] = ()

    def __post_init__(self) -> None:
        if self.value_format is HeartRateValueFormat.UINT8 and self.heart_rate > 0xFF:
            raise EncodeError(
                f"heart rate {self.heart_rate} does not fit the uint8 format; use UINT16"
            )


def decode_heart_rate_measurement(data: ByteString) -> HeartRateMeasurement:
    r = Reader(data, HEART_RATE_MEASUREMENT.name)
    flags = r.u8("flags")
    if flags & _UINT16_VALUE:
        value_format = HeartRateValueFormat.UINT16
        heart_rate = r.u16("heart rate")
    else:
        value_format = HeartRateValueFormat.UINT8
        heart_rate = r.u8("heart rate")
    energy = r.u16("energy expended") if flags & _ENERGY_EXPENDED else None
    rr: tuple[Decimal, ...] = ()
    if flags & _RR_INTERVALS:
        step = RR_INTERVAL_STEP
        intervals = [r.u16("RR-interval") * step]
        while r.remaining():
            intervals.append(r.u16("RR-interval") * step)
        rr = tuple(intervals)
    r.end()
    contact = _CONTACT[(flags >> _CONTACT_SHIFT) & 0x03]
    return HeartRateMeasurement(heart_rate, value_format, contact, energy, rr)


def encode_heart_rate_measurement(m: HeartRateMeasurement) -> bytes:
    uint16 = m.value_format is HeartRateValueFormat.UINT16
    flags = (
        (_UINT16_VALUE if uint16 else 0)
        | (m.sensor_contact << _CONTACT_SHIFT)
        | (_ENERGY_EXPENDED if m.energy_expended is not None else 0)
        | (_RR_INTERVALS if m.rr_intervals else 0)
    )
    out = bytearray((flags,))
    if uint16:
        out += _bytes.u16(m.heart_rate, "heart rate")
    else:
        out += _bytes.u8(m.heart_rate, "heart rate")
    if m.energy_expended is not None:
        out += _bytes.u16(m.energy_expended, "energy expended")
    for interval in m.rr_intervals:
        if not interval.is_finite():
            raise EncodeError(f"RR-interval {interval} is not finite")
        raw = _bytes.unscaled(interval, RR_INTERVAL_STEP, "RR-interval")
        out += _bytes.u16(raw, "RR-interval (1/1024 s)")
    return bytes(out)


class BodySensorLocation(enum.IntEnum):
    """Body Sensor Location values (GSS)."""

    OTHER = 0
    CHEST = 1
    WRIST = 2
    FINGER = 3
    HAND = 4
    EAR_LOBE = 5
    FOOT = 6


@dataclass(frozen=True, slots=True)
class BodySensorLocationValue:
    """Body Sensor Location (0x2A38): a :class:`BodySensorLocation`, or a plain int for a
    reserved value (a plain int with a known value is turned into the member)."""

    location: BodySensorLocation | int

    def __post_init__(self) -> None:
        normalise_code(self, "location", BodySensorLocation)


def decode_body_sensor_location(data: ByteString) -> BodySensorLocationValue:
    return BodySensorLocationValue(
        read_code(data, BODY_SENSOR_LOCATION.name, "body sensor location", BodySensorLocation)
    )


def encode_body_sensor_location(value: BodySensorLocationValue) -> bytes:
    return _bytes.u8(value.location, "body sensor location")


HEART_RATE_MEASUREMENT = Characteristic(
    0x2A37,
    "heart-rate-measurement",
    HeartRateMeasurement,
    decode_heart_rate_measurement,
    encode_heart_rate_measurement,
    label="Heart rate",
)
BODY_SENSOR_LOCATION = Characteristic(
    0x2A38,
    "body-sensor-location",
    BodySensorLocationValue,
    decode_body_sensor_location,
    encode_body_sensor_location,
    label="Body sensor location",
)
CHARACTERISTICS: Final = (HEART_RATE_MEASUREMENT, BODY_SENSOR_LOCATION)

DEVICE_TYPE: Final = DeviceType(
    SERVICE_UUID16,
    "heart-rate",
    "heart rate sensor",
    subscribe=(HEART_RATE_MEASUREMENT,),
    read=(BODY_SENSOR_LOCATION,),
    aliases=("hr",),
    deliver=(BODY_SENSOR_LOCATION,),
)
