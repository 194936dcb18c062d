"""Health Thermometer Service (0x1809): Temperature Measurement (0x2A1C), Temperature Type
(0x2A1D) and Intermediate Temperature (0x2A1E), per the GATT Specification Supplement (GSS) and
the Health Thermometer Service specification.

Measurement layout (0x2A1C; 0x2A1E is identical): flags (uint8), temperature (FLOAT, Celsius or
Fahrenheit by flag bit 0), then present by flag: time stamp (bit 1, Date Time), temperature type
(bit 2, uint8). Bits 3-7 of the flags are reserved and ignored.

Temperature Type (0x2A1D) is one uint8 with the same table as the measurement's field:
1 armpit, 2 body (general), 3 ear (usually earlobe), 4 finger, 5 gastro-intestinal tract,
6 mouth, 7 rectum, 8 toe, 9 tympanum (ear drum). 0 and 10-255 are reserved for future use and
are kept as plain ints.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final, TypeVar

from profiles import _bytes
from profiles._bytes import ByteString, Reader
from profiles._fields import member_or_int, normalise_code, read_code
from profiles.date_time import DateTime, date_time_bytes, read_date_time
from profiles.ieee11073 import MderNumber, float_bytes
from profiles.registry_types import Characteristic, DeviceType
from profiles.units import TemperatureUnit

SERVICE_UUID16: Final = 0x1809

_FAHRENHEIT: Final = 0x01
_TIME_STAMP: Final = 0x02
_TEMPERATURE_TYPE: Final = 0x04


class TemperatureType(enum.IntEnum):
    """Where the temperature was measured (GSS Temperature Type)."""

    ARMPIT = 1
    BODY = 2
    EAR = 3
    FINGER = 4
    GASTROINTESTINAL_TRACT = 5
    MOUTH = 6
    RECTUM = 7
    TOE = 8
    TYMPANUM = 9


@dataclass(frozen=True, slots=True)
class TemperatureFields:
    """The fields (and wire layout) a Temperature Measurement and an Intermediate Temperature
    share: a reading in ``unit``.

    ``temperature_type`` is a :class:`TemperatureType`, or a plain int for a reserved value
    (a plain int with a known value is turned into the member).
    """

    temperature: MderNumber
    unit: TemperatureUnit = TemperatureUnit.CELSIUS
    timestamp: DateTime | None = None
    temperature_type: TemperatureType | int | None = None

    def __post_init__(self) -> None:
        normalise_code(self, "temperature_type", TemperatureType)


@dataclass(frozen=True, slots=True)
class TemperatureMeasurement(TemperatureFields):
    """Temperature Measurement (0x2A1C): a final reading."""


@dataclass(frozen=True, slots=True)
class IntermediateTemperature(TemperatureFields):
    """Intermediate Temperature (0x2A1E): a reading while the measurement is in progress."""


Reading = TypeVar("Reading", bound=TemperatureFields)


def _decode(data: ByteString, characteristic: Characteristic[Reading]) -> Reading:
    r = Reader(data, characteristic.name)
    flags = r.u8("flags")
    temperature = r.float("temperature")
    timestamp = read_date_time(r, "time stamp") if flags & _TIME_STAMP else None
    kind: TemperatureType | int | None = None
    if flags & _TEMPERATURE_TYPE:
        kind = member_or_int(TemperatureType, r.u8("temperature type"))
    r.end()
    unit = TemperatureUnit.FAHRENHEIT if flags & _FAHRENHEIT else TemperatureUnit.CELSIUS
    return characteristic.measurement_type(temperature, unit, timestamp, kind)


def _encode(m: TemperatureFields) -> bytes:
    flags = (
        (_FAHRENHEIT if m.unit is TemperatureUnit.FAHRENHEIT else 0)
        | (_TIME_STAMP if m.timestamp is not None else 0)
        | (_TEMPERATURE_TYPE if m.temperature_type is not None else 0)
    )
    out = bytearray((flags,))
    out += float_bytes(m.temperature)
    if m.timestamp is not None:
        out += date_time_bytes(m.timestamp)
    if m.temperature_type is not None:
        out += _bytes.u8(m.temperature_type, "temperature type")
    return bytes(out)


def decode_temperature_measurement(data: ByteString) -> TemperatureMeasurement:
    return _decode(data, TEMPERATURE_MEASUREMENT)


def encode_temperature_measurement(m: TemperatureMeasurement) -> bytes:
    return _encode(m)


def decode_intermediate_temperature(data: ByteString) -> IntermediateTemperature:
    return _decode(data, INTERMEDIATE_TEMPERATURE)


def encode_intermediate_temperature(m: IntermediateTemperature) -> bytes:
    return _encode(m)


@dataclass(frozen=True, slots=True)
class TemperatureTypeValue:
    """Temperature Type (0x2A1D): the fixed measurement site of a thermometer.

    A :class:`TemperatureType`, or a plain int for a reserved value.
    """

    temperature_type: TemperatureType | int

    def __post_init__(self) -> None:
        normalise_code(self, "temperature_type", TemperatureType)


def decode_temperature_type(data: ByteString) -> TemperatureTypeValue:
    return TemperatureTypeValue(
        read_code(data, TEMPERATURE_TYPE.name, "temperature type", TemperatureType)
    )


def encode_temperature_type(value: TemperatureTypeValue) -> bytes:
    return _bytes.u8(value.temperature_type, "temperature type")


TEMPERATURE_MEASUREMENT = Characteristic(
    0x2A1C,
    "temperature-measurement",
    TemperatureMeasurement,
    decode_temperature_measurement,
    encode_temperature_measurement,
    label="Temperature",
)
TEMPERATURE_TYPE = Characteristic(
    0x2A1D,
    "temperature-type",
    TemperatureTypeValue,
    decode_temperature_type,
    encode_temperature_type,
    label="Temperature type",
)
INTERMEDIATE_TEMPERATURE = Characteristic(
    0x2A1E,
    "intermediate-temperature",
    IntermediateTemperature,
    decode_intermediate_temperature,
    encode_intermediate_temperature,
    label="Temperature (intermediate)",
)
CHARACTERISTICS: Final = (TEMPERATURE_MEASUREMENT, TEMPERATURE_TYPE, INTERMEDIATE_TEMPERATURE)

DEVICE_TYPE: Final = DeviceType(
    SERVICE_UUID16,
    "health-thermometer",
    "health thermometer",
    subscribe=(TEMPERATURE_MEASUREMENT, INTERMEDIATE_TEMPERATURE),
    read=(TEMPERATURE_TYPE,),
    aliases=("thermometer",),
    deliver=(TEMPERATURE_TYPE,),
)
