"""Pulse Oximeter Service (0x1822): PLX Spot-check Measurement (0x2A5E), PLX Continuous
Measurement (0x2A5F) and PLX Features (0x2A60), per the GATT Specification Supplement (GSS) and
the Pulse Oximeter Service specification.

Spot-check layout: flags (uint8), SpO2 (SFLOAT, %), PR (SFLOAT, beats/min), then present by
flag: time stamp (bit 0, Date Time), measurement status (bit 1, uint16), device and sensor status
(bit 2, uint24), pulse amplitude index (bit 3, SFLOAT, %). Flag bit 4 says the device clock is
not set; bits 5-7 are reserved and ignored.

Continuous layout: flags (uint8), SpO2PR-Normal (SpO2 and PR, two SFLOATs), then present by flag:
SpO2PR-Fast (bit 0), SpO2PR-Slow (bit 1), measurement status (bit 2, uint16), device and sensor
status (bit 3, uint24), pulse amplitude index (bit 4, SFLOAT, %). Bits 5-7 are reserved.

Features layout: supported features (uint16, bits 8-15 reserved), then measurement status
support (uint16) if bit 0 is set and device and sensor status support (uint24) if bit 1 is set.

The status bit sets keep the Bluetooth bit positions (the PHD IG's FHIR mapping numbers them
differently; that translation belongs to the mapping). Reserved bits (measurement status 0-4,
device and sensor status 16-23) are ignored.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

from profiles import _bytes
from profiles._bytes import ByteString, Reader
from profiles.date_time import DateTime, date_time_bytes, read_date_time
from profiles.errors import EncodeError
from profiles.ieee11073 import MderNumber, sfloat_bytes
from profiles.registry_types import Characteristic, DeviceType, StoredRecords

SERVICE_UUID16: Final = 0x1822


class PlxMeasurementStatus(enum.IntFlag):
    """Measurement Status (uint16); bits 0-4 are reserved and ignored."""

    MEASUREMENT_ONGOING = 1 << 5
    EARLY_ESTIMATED_DATA = 1 << 6
    VALIDATED_DATA = 1 << 7
    FULLY_QUALIFIED_DATA = 1 << 8
    DATA_FROM_MEASUREMENT_STORAGE = 1 << 9
    DATA_FOR_DEMONSTRATION = 1 << 10
    DATA_FOR_TESTING = 1 << 11
    CALIBRATION_ONGOING = 1 << 12
    MEASUREMENT_UNAVAILABLE = 1 << 13
    QUESTIONABLE_MEASUREMENT_DETECTED = 1 << 14
    INVALID_MEASUREMENT_DETECTED = 1 << 15


class PlxDeviceAndSensorStatus(enum.IntFlag):
    """Device and Sensor Status (uint24); bits 16-23 are reserved and ignored."""

    EXTENDED_DISPLAY_UPDATE_ONGOING = 1 << 0
    EQUIPMENT_MALFUNCTION_DETECTED = 1 << 1
    SIGNAL_PROCESSING_IRREGULARITY_DETECTED = 1 << 2
    INADEQUATE_SIGNAL_DETECTED = 1 << 3
    POOR_SIGNAL_DETECTED = 1 << 4
    LOW_PERFUSION_DETECTED = 1 << 5
    ERRATIC_SIGNAL_DETECTED = 1 << 6
    NONPULSATILE_SIGNAL_DETECTED = 1 << 7
    QUESTIONABLE_PULSE_DETECTED = 1 << 8
    SIGNAL_ANALYSIS_ONGOING = 1 << 9
    SENSOR_INTERFERENCE_DETECTED = 1 << 10
    SENSOR_UNCONNECTED_TO_USER = 1 << 11
    UNKNOWN_SENSOR_CONNECTED = 1 << 12
    SENSOR_DISPLACED = 1 << 13
    SENSOR_MALFUNCTIONING = 1 << 14
    SENSOR_DISCONNECTED = 1 << 15


MEASUREMENT_STATUS_MASK: Final = 0xFFE0
DEVICE_AND_SENSOR_STATUS_MASK: Final = 0x00FFFF


def _read_measurement_status(r: Reader, what: str = "measurement status") -> PlxMeasurementStatus:
    return PlxMeasurementStatus(r.u16(what) & MEASUREMENT_STATUS_MASK)


def _read_device_and_sensor_status(
    r: Reader, what: str = "device and sensor status"
) -> PlxDeviceAndSensorStatus:
    return PlxDeviceAndSensorStatus(r.u24(what) & DEVICE_AND_SENSOR_STATUS_MASK)


def _measurement_status_bytes(value: PlxMeasurementStatus) -> bytes:
    return _bytes.u16(value & MEASUREMENT_STATUS_MASK, "measurement status")


def _device_and_sensor_status_bytes(value: PlxDeviceAndSensorStatus) -> bytes:
    return _bytes.u24(value & DEVICE_AND_SENSOR_STATUS_MASK, "device and sensor status")


def _read_status_fields(
    r: Reader, status_present: int, device_present: int, pai_present: int
) -> tuple[PlxMeasurementStatus | None, PlxDeviceAndSensorStatus | None, MderNumber | None]:
    """The three optional fields both measurements end with, each read when its flag is set."""
    status = _read_measurement_status(r) if status_present else None
    device = _read_device_and_sensor_status(r) if device_present else None
    pai = r.sfloat("pulse amplitude index") if pai_present else None
    return status, device, pai


def _status_fields_bytes(m: PlxSpotCheckMeasurement | PlxContinuousMeasurement) -> bytes:
    """The bytes of the three optional fields both measurements end with."""
    out = bytearray()
    if m.measurement_status is not None:
        out += _measurement_status_bytes(m.measurement_status)
    if m.device_and_sensor_status is not None:
        out += _device_and_sensor_status_bytes(m.device_and_sensor_status)
    if m.pulse_amplitude_index is not None:
        out += sfloat_bytes(m.pulse_amplitude_index)
    return bytes(out)


# Spot-check flags.
_SC_TIME_STAMP: Final = 0x01
_SC_MEASUREMENT_STATUS: Final = 0x02
_SC_DEVICE_STATUS: Final = 0x04
_SC_PULSE_AMPLITUDE_INDEX: Final = 0x08
_SC_CLOCK_NOT_SET: Final = 0x10


@dataclass(frozen=True, slots=True)
class PlxSpotCheckMeasurement:
    """PLX Spot-check Measurement (0x2A5E).

    ``spo2`` and ``pulse_amplitude_index`` are in percent, ``pulse_rate`` in beats/min.
    ``device_clock_not_set`` is flag bit 4: the time stamp (if any) comes from an unset clock.
    """

    spo2: MderNumber
    pulse_rate: MderNumber
    timestamp: DateTime | None = None
    measurement_status: PlxMeasurementStatus | None = None
    device_and_sensor_status: PlxDeviceAndSensorStatus | None = None
    pulse_amplitude_index: MderNumber | None = None
    device_clock_not_set: bool = False


def decode_plx_spot_check_measurement(data: ByteString) -> PlxSpotCheckMeasurement:
    r = Reader(data, PLX_SPOT_CHECK_MEASUREMENT.name)
    flags = r.u8("flags")
    spo2 = r.sfloat("SpO2")
    pulse_rate = r.sfloat("PR")
    timestamp = read_date_time(r, "time stamp") if flags & _SC_TIME_STAMP else None
    status, device, pai = _read_status_fields(
        r,
        flags & _SC_MEASUREMENT_STATUS,
        flags & _SC_DEVICE_STATUS,
        flags & _SC_PULSE_AMPLITUDE_INDEX,
    )
    r.end()
    return PlxSpotCheckMeasurement(
        spo2, pulse_rate, timestamp, status, device, pai, bool(flags & _SC_CLOCK_NOT_SET)
    )


def encode_plx_spot_check_measurement(m: PlxSpotCheckMeasurement) -> bytes:
    flags = (
        (_SC_TIME_STAMP if m.timestamp is not None else 0)
        | (_SC_MEASUREMENT_STATUS if m.measurement_status is not None else 0)
        | (_SC_DEVICE_STATUS if m.device_and_sensor_status is not None else 0)
        | (_SC_PULSE_AMPLITUDE_INDEX if m.pulse_amplitude_index is not None else 0)
        | (_SC_CLOCK_NOT_SET if m.device_clock_not_set else 0)
    )
    out = bytearray((flags,))
    out += sfloat_bytes(m.spo2) + sfloat_bytes(m.pulse_rate)
    if m.timestamp is not None:
        out += date_time_bytes(m.timestamp)
    out += _status_fields_bytes(m)
    return bytes(out)


# Continuous flags.
_CM_FAST: Final = 0x01
_CM_SLOW: Final = 0x02
_CM_MEASUREMENT_STATUS: Final = 0x04
_CM_DEVICE_STATUS: Final = 0x08
_CM_PULSE_AMPLITUDE_INDEX: Final = 0x10


@dataclass(frozen=True, slots=True)
class SpO2PR:
    """One SpO2 (percent) and PR (beats/min) pair of a continuous measurement."""

    spo2: MderNumber
    pulse_rate: MderNumber


@dataclass(frozen=True, slots=True)
class PlxContinuousMeasurement:
    """PLX Continuous Measurement (0x2A5F).

    ``normal``, ``fast`` and ``slow`` are the SpO2PR-Normal, -Fast and -Slow metrics (the
    averaging the device applies); ``pulse_amplitude_index`` is in percent.
    """

    normal: SpO2PR
    fast: SpO2PR | None = None
    slow: SpO2PR | None = None
    measurement_status: PlxMeasurementStatus | None = None
    device_and_sensor_status: PlxDeviceAndSensorStatus | None = None
    pulse_amplitude_index: MderNumber | None = None


def decode_plx_continuous_measurement(data: ByteString) -> PlxContinuousMeasurement:
    r = Reader(data, PLX_CONTINUOUS_MEASUREMENT.name)
    flags = r.u8("flags")
    normal = SpO2PR(r.sfloat("SpO2PR-Normal SpO2"), r.sfloat("SpO2PR-Normal PR"))
    fast = (
        SpO2PR(r.sfloat("SpO2PR-Fast SpO2"), r.sfloat("SpO2PR-Fast PR"))
        if flags & _CM_FAST
        else None
    )
    slow = (
        SpO2PR(r.sfloat("SpO2PR-Slow SpO2"), r.sfloat("SpO2PR-Slow PR"))
        if flags & _CM_SLOW
        else None
    )
    status, device, pai = _read_status_fields(
        r,
        flags & _CM_MEASUREMENT_STATUS,
        flags & _CM_DEVICE_STATUS,
        flags & _CM_PULSE_AMPLITUDE_INDEX,
    )
    r.end()
    return PlxContinuousMeasurement(normal, fast, slow, status, device, pai)


def encode_plx_continuous_measurement(m: PlxContinuousMeasurement) -> bytes:
    flags = (
        (_CM_FAST if m.fast is not None else 0)
        | (_CM_SLOW if m.slow is not None else 0)
        | (_CM_MEASUREMENT_STATUS if m.measurement_status is not None else 0)
        | (_CM_DEVICE_STATUS if m.device_and_sensor_status is not None else 0)
        | (_CM_PULSE_AMPLITUDE_INDEX if m.pulse_amplitude_index is not None else 0)
    )
    out = bytearray((flags,))
    out += sfloat_bytes(m.normal.spo2) + sfloat_bytes(m.normal.pulse_rate)
    if m.fast is not None:
        out += sfloat_bytes(m.fast.spo2) + sfloat_bytes(m.fast.pulse_rate)
    if m.slow is not None:
        out += sfloat_bytes(m.slow.spo2) + sfloat_bytes(m.slow.pulse_rate)
    out += _status_fields_bytes(m)
    return bytes(out)


class PlxSupportedFeatures(enum.IntFlag):
    """PLX Features' Supported Features field (uint16); bits 8-15 are reserved and ignored.

    The first two bits say whether the support fields that follow are present.
    """

    MEASUREMENT_STATUS_SUPPORT_PRESENT = 1 << 0
    DEVICE_AND_SENSOR_STATUS_SUPPORT_PRESENT = 1 << 1
    SPOT_CHECK_MEASUREMENT_STORAGE = 1 << 2
    SPOT_CHECK_TIMESTAMP = 1 << 3
    SPO2PR_FAST = 1 << 4
    SPO2PR_SLOW = 1 << 5
    PULSE_AMPLITUDE_INDEX = 1 << 6
    MULTIPLE_BONDS = 1 << 7


SUPPORTED_FEATURES_MASK: Final = 0x00FF
_MS_PRESENT: Final = PlxSupportedFeatures.MEASUREMENT_STATUS_SUPPORT_PRESENT
_DS_PRESENT: Final = PlxSupportedFeatures.DEVICE_AND_SENSOR_STATUS_SUPPORT_PRESENT


@dataclass(frozen=True, slots=True)
class PlxFeatures:
    """PLX Features (0x2A60).

    ``measurement_status_support`` and ``device_and_sensor_status_support`` list the status
    bits the device can report; each is present exactly when its presence bit is set in
    ``supported_features`` (a mismatch raises EncodeError on construction).
    """

    supported_features: PlxSupportedFeatures
    measurement_status_support: PlxMeasurementStatus | None = None
    device_and_sensor_status_support: PlxDeviceAndSensorStatus | None = None

    def __post_init__(self) -> None:
        if bool(self.supported_features & _MS_PRESENT) != (
            self.measurement_status_support is not None
        ):
            raise EncodeError(
                "measurement status support must be given exactly when supported features "
                "has MEASUREMENT_STATUS_SUPPORT_PRESENT"
            )
        if bool(self.supported_features & _DS_PRESENT) != (
            self.device_and_sensor_status_support is not None
        ):
            raise EncodeError(
                "device and sensor status support must be given exactly when supported "
                "features has DEVICE_AND_SENSOR_STATUS_SUPPORT_PRESENT"
            )


def decode_plx_features(data: ByteString) -> PlxFeatures:
    r = Reader(data, PLX_FEATURES.name)
    features = PlxSupportedFeatures(r.u16("supported features") & SUPPORTED_FEATURES_MASK)
    status = (
        _read_measurement_status(r, "measurement status support")
        if features & _MS_PRESENT
        else None
    )
    device = (
        _read_device_and_sensor_status(r, "device and sensor status support")
        if features & _DS_PRESENT
        else None
    )
    r.end()
    return PlxFeatures(features, status, device)


def encode_plx_features(value: PlxFeatures) -> bytes:
    out = bytearray(
        _bytes.u16(value.supported_features & SUPPORTED_FEATURES_MASK, "supported features")
    )
    if value.measurement_status_support is not None:
        out += _measurement_status_bytes(value.measurement_status_support)
    if value.device_and_sensor_status_support is not None:
        out += _device_and_sensor_status_bytes(value.device_and_sensor_status_support)
    return bytes(out)


PLX_SPOT_CHECK_MEASUREMENT = Characteristic(
    0x2A5E,
    "plx-spot-check-measurement",
    PlxSpotCheckMeasurement,
    decode_plx_spot_check_measurement,
    encode_plx_spot_check_measurement,
    label="SpO2 (spot check)",
)
PLX_CONTINUOUS_MEASUREMENT = Characteristic(
    0x2A5F,
    "plx-continuous-measurement",
    PlxContinuousMeasurement,
    decode_plx_continuous_measurement,
    encode_plx_continuous_measurement,
    label="SpO2 (continuous)",
)
PLX_FEATURES = Characteristic(
    0x2A60, "plx-features", PlxFeatures, decode_plx_features, encode_plx_features
)
CHARACTERISTICS: Final = (PLX_SPOT_CHECK_MEASUREMENT, PLX_CONTINUOUS_MEASUREMENT, PLX_FEATURES)
DEVICE_TYPE: Final = DeviceType(
    SERVICE_UUID16,
    "pulse-oximeter",
    "pulse oximeter",
    subscribe=(PLX_SPOT_CHECK_MEASUREMENT, PLX_CONTINUOUS_MEASUREMENT),
    read=(PLX_FEATURES,),
    aliases=("pulse-oximetry", "spo2"),
    stored=StoredRecords((PLX_SPOT_CHECK_MEASUREMENT,), incremental=False),
)
