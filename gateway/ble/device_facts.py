"""Reading a connected device's facts: Device Information strings and System ID, Battery
Level, and its Current Time against the gateway clock. Every read is optional (a device that
lacks a characteristic or fails to answer simply leaves that fact unknown)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import Final, TypeVar

import structlog

from gateway.ble import uuids
from gateway.ble.clock import device_offset
from gateway.ble.events import ClockReading, DeviceInformation
from gateway.ble.link import GattLink, LinkError
from profiles.battery import decode_battery_level
from profiles.date_time import CurrentTime, decode_current_time
from profiles.errors import DecodeError

_log = structlog.get_logger("gateway.ble.device_facts")
_T = TypeVar("_T")

_DIS_STRINGS: Final = (
    ("manufacturer", uuids.MANUFACTURER_NAME),
    ("model", uuids.MODEL_NUMBER),
    ("serial_number", uuids.SERIAL_NUMBER),
    ("hardware_revision", uuids.HARDWARE_REVISION),
    ("firmware_revision", uuids.FIRMWARE_REVISION),
    ("software_revision", uuids.SOFTWARE_REVISION),
)


def dis_string(raw: bytes) -> str | None:
    """A DIS utf8s value: trailing NULs and blanks (common padding) removed; None if empty."""
    text = raw.decode("utf-8", errors="replace").rstrip("\x00").strip()
    return text or None


async def optional_read(link: GattLink, uuid16: int, timeout: float) -> bytes | None:
    """Read if the device has the characteristic; None (logged) when absent or failing."""
    if uuid16 not in link.characteristics:
        return None
    try:
        return await asyncio.wait_for(link.read(uuid16), timeout)
    except (LinkError, TimeoutError) as exc:
        _log.warning("read_failed", uuid=f"0x{uuid16:04X}", error=str(exc) or type(exc).__name__)
        return None


async def read_device_information(link: GattLink, timeout: float) -> DeviceInformation:
    values: dict[str, str | None] = {}
    for field_name, uuid16 in _DIS_STRINGS:
        raw = await optional_read(link, uuid16, timeout)
        values[field_name] = dis_string(raw) if raw is not None else None
    system_id = await optional_read(link, uuids.SYSTEM_ID, timeout)
    if system_id is not None and len(system_id) != 8:
        _log.warning("system_id_size", size=len(system_id))
        system_id = None
    return DeviceInformation(system_id=system_id, **values)


def _decoded(decode: Callable[[bytes], _T], raw: bytes | None, what: str) -> _T | None:
    if raw is None:
        return None
    try:
        return decode(raw)
    except DecodeError as exc:
        _log.warning("decode_failed", characteristic=what, error=str(exc), raw=raw.hex())
        return None


async def read_battery_percent(link: GattLink, timeout: float) -> int | None:
    raw = await optional_read(link, uuids.BATTERY_LEVEL, timeout)
    level = _decoded(decode_battery_level, raw, "battery-level")
    return level.percent if level is not None else None


async def read_clock(
    link: GattLink, timeout: float, now: Callable[[], dt.datetime]
) -> tuple[ClockReading, CurrentTime] | None:
    """The device clock against ``now()`` (aware local time) at the middle of the read."""
    if uuids.CURRENT_TIME not in link.characteristics:
        return None
    before = now()
    raw = await optional_read(link, uuids.CURRENT_TIME, timeout)
    after = now()
    value = _decoded(decode_current_time, raw, "current-time")
    if value is None:
        return None
    middle = before + (after - before) / 2
    return ClockReading(middle, value.date_time.to_datetime(), device_offset(value, middle)), value
