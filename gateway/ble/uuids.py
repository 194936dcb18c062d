"""The Bluetooth SIG UUIDs the BLE layer uses, as 16-bit numbers and bleak's 128-bit strings."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from profiles import (
    blood_pressure,
    body_composition,
    cgm,
    glucose,
    health_thermometer,
    heart_rate,
    pulse_oximeter,
    weight_scale,
)
from profiles.registry import device_types
from profiles.registry_types import uuid16_to_uuid

# Shorthands for the services of some device types (a new device type needs none).
BLOOD_PRESSURE: Final = blood_pressure.SERVICE_UUID16
GLUCOSE: Final = glucose.SERVICE_UUID16
WEIGHT_SCALE: Final = weight_scale.SERVICE_UUID16
BODY_COMPOSITION: Final = body_composition.SERVICE_UUID16
HEALTH_THERMOMETER: Final = health_thermometer.SERVICE_UUID16
PULSE_OXIMETER: Final = pulse_oximeter.SERVICE_UUID16
HEART_RATE: Final = heart_rate.SERVICE_UUID16
CONTINUOUS_GLUCOSE_MONITORING: Final = cgm.SERVICE_UUID16

HEALTH_SERVICES: Final = MappingProxyType({t.service_uuid16: t.name for t in device_types()})
"""16-bit service UUID -> device type name: the health services the gateway looks for in
advertisements, one per registered device type (:func:`profiles.registry.device_types`)."""

# Device Information Service (0x180A) characteristics.
DEVICE_INFORMATION: Final = 0x180A
MANUFACTURER_NAME: Final = 0x2A29
MODEL_NUMBER: Final = 0x2A24
SERIAL_NUMBER: Final = 0x2A25
HARDWARE_REVISION: Final = 0x2A27
FIRMWARE_REVISION: Final = 0x2A26
SOFTWARE_REVISION: Final = 0x2A28
SYSTEM_ID: Final = 0x2A23
REGULATORY_CERTIFICATION_DATA_LIST: Final = 0x2A2A
PNP_ID: Final = 0x2A50

BATTERY_SERVICE: Final = 0x180F
BATTERY_LEVEL: Final = 0x2A19

CURRENT_TIME_SERVICE: Final = 0x1805
CURRENT_TIME: Final = 0x2A2B

ELAPSED_TIME_SERVICE: Final = 0x183F
CURRENT_ELAPSED_TIME: Final = 0x2BF2

RECORD_ACCESS_CONTROL_POINT: Final = 0x2A52


def full(uuid16: int) -> str:
    """bleak's lower-case 128-bit form of a 16-bit SIG UUID."""
    return uuid16_to_uuid(uuid16)


def short(uuid: str) -> int | None:
    """The 16-bit value of a Bluetooth-base 128-bit UUID string (or a 4-digit one), else None."""
    text = uuid.lower()
    if (
        len(text) == 36
        and text.startswith("0000")
        and text.endswith("-0000-1000-8000-00805f9b34fb")
    ):
        text = text[4:8]
    if len(text) == 4:
        try:
            return int(text, 16)
        except ValueError:
            return None
    return None


HEALTH_SERVICE_UUIDS: Final = tuple(full(u) for u in HEALTH_SERVICES)
