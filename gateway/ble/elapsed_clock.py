"""A device clock that is an Elapsed Time Service one (ETS 0x183F, Current Elapsed Time 0x2BF2:
the Generic Health Sensor's): reading it against the gateway clock into a
:class:`~gateway.ble.events.ClockReading` (with the value read, whose flags say UTC, local or
tick counter), and the value the gateway writes to set it (:func:`gateway.ble.clock.
elapsed_time_value`). A tick counter is never set; a device that refuses the write (Write Not
Permitted, or ETS's "incorrect time format") is logged by the session and keeps its clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import structlog

from gateway.ble import uuids
from gateway.ble.clock import elapsed_offset, elapsed_time_value
from gateway.ble.device_facts import optional_read
from gateway.ble.events import ClockReading
from gateway.ble.link import GattLink
from profiles.elapsed_time import (
    CurrentElapsedTime,
    decode_current_elapsed_time,
    encode_current_elapsed_time,
)
from profiles.errors import DecodeError, EncodeError

_log = structlog.get_logger("gateway.ble.elapsed_clock")


async def read_elapsed_clock(
    link: GattLink, timeout: float, now: Callable[[], dt.datetime]
) -> ClockReading | None:
    """The device's Current Elapsed Time against ``now()`` (aware local time) at the middle of
    the read; None when absent, unreadable or undecodable."""
    if uuids.CURRENT_ELAPSED_TIME not in link.characteristics:
        return None
    before = now()
    raw = await optional_read(link, uuids.CURRENT_ELAPSED_TIME, timeout)
    after = now()
    if raw is None:
        return None
    try:
        value = decode_current_elapsed_time(raw)
    except DecodeError as exc:
        _log.warning("decode_failed", characteristic="current-elapsed-time", error=str(exc))
        return None
    middle = before + (after - before) / 2
    device_time = value.time.to_datetime()
    naive = None if device_time is None else device_time.replace(tzinfo=None)
    return ClockReading(middle, naive, elapsed_offset(value, middle), elapsed=value)


def value_to_write(read: CurrentElapsedTime, local: dt.datetime) -> bytes | None:
    """The Current Elapsed Time value that sets the clock to ``local``, or None when the
    clock cannot be set (a tick counter, a time its format cannot hold)."""
    if read.time.tick_counter:
        return None
    try:
        return encode_current_elapsed_time(elapsed_time_value(read, local))
    except EncodeError as exc:
        _log.warning("elapsed_time_not_settable", error=str(exc))
        return None
