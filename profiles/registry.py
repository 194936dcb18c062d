"""The one registry of every characteristic PHG can decode, like rtl_433's decoder list.

Adding a device type means adding its module to ``PROFILE_MODULES``; each module exports a
``CHARACTERISTICS`` tuple of :class:`~profiles.registry_types.Characteristic` descriptors.
"""

from __future__ import annotations

import importlib
from types import MappingProxyType
from typing import Final

from profiles.registry_types import AnyCharacteristic

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


def _collect() -> tuple[AnyCharacteristic, ...]:
    found: list[AnyCharacteristic] = []
    for module_name in PROFILE_MODULES:
        module = importlib.import_module(module_name)
        found.extend(module.CHARACTERISTICS)
    return tuple(found)


ALL: Final[tuple[AnyCharacteristic, ...]] = _collect()
BY_UUID16: Final = MappingProxyType({c.uuid16: c for c in ALL})
BY_NAME: Final = MappingProxyType({c.name: c for c in ALL})
if len(BY_UUID16) != len(ALL) or len(BY_NAME) != len(ALL):
    raise RuntimeError("two profile modules register the same characteristic")


class UnknownCharacteristicError(LookupError):
    """No registered characteristic has that UUID or name."""


def lookup(key: str | int) -> AnyCharacteristic:
    """Find a characteristic by 16-bit UUID (``0x2A35``, ``"2A35"``, ``"0x2a35"``), full 128-bit
    Bluetooth base UUID, or registry name (``"blood-pressure-measurement"``)."""
    if isinstance(key, int):
        found = BY_UUID16.get(key)
    else:
        text = key.strip().lower()
        found = BY_NAME.get(text.replace("_", "-").replace(" ", "-"))
        if found is None:
            found = BY_UUID16.get(_parse_uuid16(text) or -1)
    if found is None:
        raise UnknownCharacteristicError(
            f"unknown characteristic {key!r} (see `phg decode --list`)"
        )
    return found


def _parse_uuid16(text: str) -> int | None:
    if text.endswith("-0000-1000-8000-00805f9b34fb") and text.startswith("0000"):
        text = text[4:8]
    text = text.removeprefix("0x")
    if 1 <= len(text) <= 4 and all(ch in "0123456789abcdef" for ch in text):
        return int(text, 16)
    return None
