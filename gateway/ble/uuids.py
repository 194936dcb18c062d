"""The Bluetooth SIG UUIDs the BLE layer uses, as 16-bit numbers and bleak's 128-bit strings."""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from profiles.registry_types import uuid16_to_uuid

# Health services the gateway looks for in advertisements.
BLOOD_PRESSURE: Final = 0x1810
GLUCOSE: Final = 0x1808
WEIGHT_SCALE: Final = 0x181D
BODY_COMPOSITION: Final = 0x181B
HEALTH_THERMOMETER: Final = 0x1809
PULSE_OXIMETER: Final = 0x1822
HEART_RATE: Final = 0x180D
CONTINUOUS_GLUCOSE_MONITORING: Final = 0x181F

HEALTH_SERVICES: Final = MappingProxyType(
    {
        BLOOD_PRESSURE: "blood-pressure",
        GLUCOSE: "glucose",
        WEIGHT_SCALE: "weight-scale",
        BODY_COMPOSITION: "body-composition",
        HEALTH_THERMOMETER: "health-thermometer",
        PULSE_OXIMETER: "pulse-oximeter",
        HEART_RATE: "heart-rate",
        CONTINUOUS_GLUCOSE_MONITORING: "continuous-glucose-monitoring",
    }
)
"""16-bit service UUID -> short service name."""

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
