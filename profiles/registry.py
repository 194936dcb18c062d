"""The one registry of every characteristic PHG can decode and every device type it serves,
like rtl_433's decoder list.

Adding a device type means adding its module to ``PROFILE_MODULES`` (and its characteristics to
``INDEX``); each module exports a ``CHARACTERISTICS`` tuple of
:class:`~profiles.registry_types.Characteristic` descriptors, and a health service's module ends
with its ``DEVICE_TYPE`` (:class:`~profiles.registry_types.DeviceType`), from which the gateway
derives what it scans for, subscribes to, reads and fetches (see ``docs/adding-a-device.md``).
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Final

from profiles.registry_types import AnyCharacteristic, DeviceType

PROFILE_MODULES: Final = (
    "profiles.date_time",
    "profiles.device_information",
    "profiles.battery",
    "profiles.blood_pressure",
    "profiles.glucose",
    "profiles.racp",
    "profiles.weight_scale",
    "profiles.body_composition",
    "profiles.health_thermometer",
    "profiles.pulse_oximeter",
    "profiles.heart_rate",
    "profiles.cgm",
    "profiles.user_data",
    "profiles.elapsed_time",
    "profiles.ghs.health_observations",
    "profiles.ghs.service",
)


#: name -> (16-bit UUID, module): lets ``lookup`` import only the module it needs (a one-line
#: ``phg decode`` then loads one profile, not thirteen). ``tests/profiles/test_registry_index.py``
#: checks it against the modules' ``CHARACTERISTICS``.
INDEX: Final[Mapping[str, tuple[int, str]]] = MappingProxyType(
    {
        "date-time": (0x2A08, "profiles.date_time"),
        "day-date-time": (0x2A0A, "profiles.date_time"),
        "current-time": (0x2A2B, "profiles.date_time"),
        "local-time-information": (0x2A0F, "profiles.date_time"),
        "system-id": (0x2A23, "profiles.device_information"),
        "model-number-string": (0x2A24, "profiles.device_information"),
        "serial-number-string": (0x2A25, "profiles.device_information"),
        "firmware-revision-string": (0x2A26, "profiles.device_information"),
        "hardware-revision-string": (0x2A27, "profiles.device_information"),
        "software-revision-string": (0x2A28, "profiles.device_information"),
        "manufacturer-name-string": (0x2A29, "profiles.device_information"),
        "ieee-11073-20601-regulatory-certification-data-list": (
            0x2A2A,
            "profiles.device_information",
        ),
        "pnp-id": (0x2A50, "profiles.device_information"),
        "battery-level": (0x2A19, "profiles.battery"),
        "blood-pressure-measurement": (0x2A35, "profiles.blood_pressure"),
        "intermediate-cuff-pressure": (0x2A36, "profiles.blood_pressure"),
        "blood-pressure-feature": (0x2A49, "profiles.blood_pressure"),
        "glucose-measurement": (0x2A18, "profiles.glucose"),
        "glucose-measurement-context": (0x2A34, "profiles.glucose"),
        "glucose-feature": (0x2A51, "profiles.glucose"),
        "record-access-control-point": (0x2A52, "profiles.racp"),
        "weight-measurement": (0x2A9D, "profiles.weight_scale"),
        "weight-scale-feature": (0x2A9E, "profiles.weight_scale"),
        "body-composition-measurement": (0x2A9C, "profiles.body_composition"),
        "body-composition-feature": (0x2A9B, "profiles.body_composition"),
        "temperature-measurement": (0x2A1C, "profiles.health_thermometer"),
        "temperature-type": (0x2A1D, "profiles.health_thermometer"),
        "intermediate-temperature": (0x2A1E, "profiles.health_thermometer"),
        "plx-spot-check-measurement": (0x2A5E, "profiles.pulse_oximeter"),
        "plx-continuous-measurement": (0x2A5F, "profiles.pulse_oximeter"),
        "plx-features": (0x2A60, "profiles.pulse_oximeter"),
        "heart-rate-measurement": (0x2A37, "profiles.heart_rate"),
        "body-sensor-location": (0x2A38, "profiles.heart_rate"),
        "cgm-measurement": (0x2AA7, "profiles.cgm"),
        "cgm-feature": (0x2AA8, "profiles.cgm"),
        "cgm-session-start-time": (0x2AAA, "profiles.cgm"),
        "cgm-session-run-time": (0x2AAB, "profiles.cgm"),
        "user-index": (0x2A9A, "profiles.user_data"),
        "user-control-point": (0x2A9F, "profiles.user_data"),
        "current-elapsed-time": (0x2BF2, "profiles.elapsed_time"),
        "live-health-observations": (0x2B8B, "profiles.ghs.health_observations"),
        "stored-health-observations": (0x2BDD, "profiles.ghs.health_observations"),
        "health-sensor-features": (0x2BF3, "profiles.ghs.service"),
        "ghs-control-point": (0x2BF4, "profiles.ghs.service"),
        "observation-schedule-changed": (0x2BF1, "profiles.ghs.service"),
        "observation-schedule": (0x2910, "profiles.ghs.service"),
        "valid-range-and-accuracy": (0x2911, "profiles.ghs.service"),
    }
)
_NAME_BY_UUID16: Final = MappingProxyType({uuid16: name for name, (uuid16, _) in INDEX.items()})

if TYPE_CHECKING:
    ALL: tuple[AnyCharacteristic, ...]
    BY_UUID16: Mapping[int, AnyCharacteristic]
    BY_NAME: Mapping[str, AnyCharacteristic]


def _from_module(name: str) -> AnyCharacteristic:
    _, module_name = INDEX[name]
    for characteristic in importlib.import_module(module_name).CHARACTERISTICS:
        if characteristic.name == name:
            found: AnyCharacteristic = characteristic
            return found
    raise RuntimeError(f"{module_name} does not define {name}")  # INDEX is out of date


@functools.cache
def _all() -> tuple[AnyCharacteristic, ...]:
    found: list[AnyCharacteristic] = []
    for module_name in PROFILE_MODULES:
        found.extend(importlib.import_module(module_name).CHARACTERISTICS)
    if len({c.uuid16 for c in found}) != len(found) or len({c.name for c in found}) != len(found):
        raise RuntimeError("two profile modules register the same characteristic")
    return tuple(found)


def __getattr__(name: str) -> object:
    """``ALL``, ``BY_UUID16`` and ``BY_NAME``, built (importing every profile) on first use."""
    if name == "ALL":
        return _all()
    if name == "BY_UUID16":
        return MappingProxyType({c.uuid16: c for c in _all()})
    if name == "BY_NAME":
        return MappingProxyType({c.name: c for c in _all()})
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@functools.cache
def device_types() -> tuple[DeviceType, ...]:
    """Every registered device type, in ``PROFILE_MODULES`` order (the order the gateway
    serves a device's services in)."""
    found: list[DeviceType] = []
    for module_name in PROFILE_MODULES:
        declared = getattr(importlib.import_module(module_name), "DEVICE_TYPE", None)
        if isinstance(declared, DeviceType):
            found.append(declared)
    names = [name for t in found for name in t.names]
    if len(set(names)) != len(names) or len({t.service_uuid16 for t in found}) != len(found):
        raise RuntimeError("two device types share a service, a name or an alias")
    return tuple(found)


class UnknownDeviceTypeError(LookupError):
    """No registered device type has that name or alias."""


def normalize_name(name: str) -> str:
    """A device type name as typed (``HR``, ``weight_scale``) in registry form."""
    return name.strip().lower().replace("_", "-").replace(" ", "-")


def device_type(name: str) -> DeviceType:
    """The device type called ``name`` or one of its aliases."""
    key = normalize_name(name)
    for found in device_types():
        if key in found.names:
            return found
    known = ", ".join(t.name for t in device_types())
    raise UnknownDeviceTypeError(f"no device type called {name!r} (known: {known})")


class UnknownCharacteristicError(LookupError):
    """No registered characteristic has that UUID or name."""


def lookup(key: str | int) -> AnyCharacteristic:
    """Find a characteristic by 16-bit UUID (``0x2A35``, ``"2A35"``, ``"0x2a35"``), full 128-bit
    Bluetooth base UUID, or registry name (``"blood-pressure-measurement"``)."""
    if isinstance(key, int):
        name = _NAME_BY_UUID16.get(key)
    else:
        text = key.strip().lower()
        name = text.replace("_", "-").replace(" ", "-")
        if name not in INDEX:
            name = _NAME_BY_UUID16.get(_parse_uuid16(text) or -1)
    if name is None or name not in INDEX:
        raise UnknownCharacteristicError(
            f"unknown characteristic {key!r} (see `phg decode --list`)"
        )
    return _from_module(name)


def _parse_uuid16(text: str) -> int | None:
    if text.endswith("-0000-1000-8000-00805f9b34fb") and text.startswith("0000"):
        text = text[4:8]
    text = text.removeprefix("0x")
    if 1 <= len(text) <= 4 and all(ch in "0123456789abcdef" for ch in text):
        return int(text, 16)
    return None
