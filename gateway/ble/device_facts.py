"""Reading a connected device's facts: Device Information strings, System ID, IEEE 11073-20601
Regulatory Certification Data List and PnP ID, Battery Level, and its Current Time against the
gateway clock. Every read is optional (a device that lacks a characteristic or refuses the read
simply leaves that fact unknown; one that does not answer at all raises
:class:`~gateway.ble.link.LinkStalledError`); a value that does not decode is logged, left
unknown and reported to the caller (``failures``), never an error."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, TypeVar

import structlog

from gateway.ble import uuids
from gateway.ble.clock import device_offset
from gateway.ble.events import ClockReading
from gateway.ble.link import GattLink, LinkError, LinkStalledError
from profiles import device_information
from profiles.battery import decode_battery_level
from profiles.date_time import CurrentTime, decode_current_time
from profiles.device_information import DeviceInformation
from profiles.errors import DecodeError

_log = structlog.get_logger("gateway.ble.device_facts")
_T = TypeVar("_T")

_DEVICE_INFORMATION: Final = (
    *(c.uuid16 for _, c in device_information.DIS_STRINGS),
    device_information.SYSTEM_ID.uuid16,
    device_information.REGULATORY_CERTIFICATION_DATA_LIST.uuid16,
    device_information.PNP_ID.uuid16,
)
"""What is read, in order."""


@dataclass(frozen=True, slots=True)
class FactFailure:
    """A device fact whose value did not decode (the fact is left unknown)."""

    characteristic: str
    uuid16: int
    raw: bytes
    error: str


async def optional_read(link: GattLink, uuid16: int, timeout: float) -> bytes | None:
    """Read if the device has the characteristic; None (logged) when absent or refused.

    Raises :class:`LinkStalledError` when the read gets no answer within ``timeout``: the
    link is then unusable for further reads (finding 15 in docs/real-bluez.md: nine reads of
    device facts, each waiting its full timeout, held a connection for minutes)."""
    if uuid16 not in link.characteristics:
        return None
    try:
        return await asyncio.wait_for(link.read(uuid16), timeout)
    except TimeoutError as exc:
        raise LinkStalledError(f"read 0x{uuid16:04X}: no answer within {timeout:g} s") from exc
    except LinkError as exc:
        _log.warning("read_failed", uuid=f"0x{uuid16:04X}", error=str(exc) or type(exc).__name__)
        return None


async def read_device_information(
    link: GattLink, timeout: float, *, failures: list[FactFailure] | None = None
) -> DeviceInformation:
    """The Device Information Service values; undecodable ones are appended to ``failures``."""
    values: dict[int, bytes] = {}
    for uuid16 in _DEVICE_INFORMATION:
        raw = await optional_read(link, uuid16, timeout)
        if raw is not None:
            values[uuid16] = raw
    system_id = values.get(device_information.SYSTEM_ID.uuid16)
    if system_id is not None and len(system_id) != device_information.SYSTEM_ID_SIZE:
        _log.warning("system_id_size", size=len(system_id))
    info, undecoded = DeviceInformation.from_values(values)
    for fact in undecoded:
        name = fact.characteristic.name
        _log.warning("decode_failed", characteristic=name, error=fact.error, raw=fact.raw.hex())
        if failures is not None:
            failures.append(FactFailure(name, fact.characteristic.uuid16, fact.raw, fact.error))
    return info


def _decoded(
    decode: Callable[[bytes], _T],
    raw: bytes | None,
    what: str,
    uuid16: int,
    failures: list[FactFailure] | None = None,
) -> _T | None:
    if raw is None:
        return None
    try:
        return decode(raw)
    except DecodeError as exc:
        _log.warning("decode_failed", characteristic=what, error=str(exc), raw=raw.hex())
        if failures is not None:
            failures.append(FactFailure(what, uuid16, raw, str(exc)))
        return None


async def read_battery_percent(link: GattLink, timeout: float) -> int | None:
    raw = await optional_read(link, uuids.BATTERY_LEVEL, timeout)
    level = _decoded(decode_battery_level, raw, "battery-level", uuids.BATTERY_LEVEL)
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
    value = _decoded(decode_current_time, raw, "current-time", uuids.CURRENT_TIME)
    if value is None:
        return None
    middle = before + (after - before) / 2
    return ClockReading(middle, value.date_time.to_datetime(), device_offset(value, middle)), value
