"""Battery Service (0x180F): Battery Level (0x2A19), uint8 percent 0..100."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from profiles import _bytes
from profiles._bytes import ByteString, Reader
from profiles.registry_types import Characteristic

SERVICE_UUID16: Final = 0x180F


@dataclass(frozen=True, slots=True)
class BatteryLevel:
    """Battery Level (0x2A19): remaining charge in percent (0..100)."""

    percent: int

    def __post_init__(self) -> None:
        _bytes.check_range(self.percent, 0, 100, "battery level")


def decode_battery_level(data: ByteString) -> BatteryLevel:
    r = Reader(data, BATTERY_LEVEL.name)
    percent = r.u8("battery level")
    if percent > 100:
        raise r.error(f"battery level {percent} is out of range 0..100", 0)
    r.end()
    return BatteryLevel(percent)


def encode_battery_level(value: BatteryLevel) -> bytes:
    return bytes((value.percent,))


BATTERY_LEVEL = Characteristic(
    0x2A19,
    "battery-level",
    BatteryLevel,
    decode_battery_level,
    encode_battery_level,
    label="Battery",
)
CHARACTERISTICS: Final = (BATTERY_LEVEL,)
