"""Putting PHD time stamps on the gateway's UTC timeline (PHD IG 2.0.0, "Time" and the
coincident time stamp).

The gateway is assumed NTP-synchronised; its zone (a :class:`zoneinfo.ZoneInfo`) gives the UTC
offset valid at each *measurement's own* instant, so a reading taken before a DST change keeps
its offset when uploaded after it. What to do with a stamp depends on the PHD clock (the IG's
table; "current" means no clock discontinuity since the stamp was taken):

=====  ==========================  ===================================  ==================
clock  state                       action                               coincident stamp
=====  ==========================  ===================================  ==================
UTC    synchronised                keep (gateway offset if none sent)   not referenced
UTC    current, not synchronised   skew-correct onto the gateway clock  referenced
local  current                     skew-correct onto the gateway clock  referenced
local  not current, synchronised   local time + offset (sent/gateway)   not referenced
tick   current                     anchor onto the gateway clock        referenced
any    neither current nor synced  **discard**                          -
=====  ==========================  ===================================  ==================

Skew correction uses the PHD clock read at connection time (``DeviceClock``): a stamp ``t``
happened ``device_now - t`` before ``read_at``. When the PHD clock could not be read (no
Current Time Service, or a clock with an unknown date) a current local stamp is taken as the
gateway zone's wall-clock time and the observation references a time-fault coincident stamp.

Without a PHD stamp the effective time is the gateway's reception time: no coincident stamp and
no conditional-create identifier.

The identifier's time part (:func:`identifier_time`) is always built from the *raw* PHD value,
never from the corrected time, so re-reading a stored record gives the same identifier.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from gateway.fhir import codes
from profiles.date_time import DateTime

EPOCH_2000: Final = dt.datetime(2000, 1, 1)
_QUARTER_HOUR: Final = dt.timedelta(minutes=15)
_ONE: Final = Decimal(1)


class ClockKind(enum.Enum):
    UTC = "utc"
    LOCAL = "local"
    TICK = "tick"


@dataclass(frozen=True, slots=True)
class WallClockStamp:
    """A wall-clock time as the PHD reports it (naive), with the UTC offset if the PHD sent one.

    ``resolution`` (seconds) is the clock's; it sets the digits of the identifier's time part.
    """

    value: dt.datetime
    offset: dt.timedelta | None = None
    resolution: Decimal = _ONE


@dataclass(frozen=True, slots=True)
class TickStamp:
    """A relative (tick counter) time: ``ticks`` × ``resolution`` seconds."""

    ticks: int
    resolution: Decimal


Stamp = WallClockStamp | TickStamp


def wall_clock_stamp(value: DateTime | None) -> WallClockStamp | None:
    """A Bluetooth Date Time as a stamp (local, 1 s), or None when absent or its date unknown."""
    if value is None:
        return None
    naive = value.to_datetime()
    return None if naive is None else WallClockStamp(naive)


@dataclass(frozen=True, slots=True)
class DeviceClock:
    """What the gateway knows about one PHD's clock during one connection.

    ``read_at`` is the gateway's (aware) time when the PHD clock was read, or when the
    connection started if it could not be read (``device_now`` None: a time fault). Classic
    Bluetooth profiles (Date Time) are local, not synchronised, 1 s, and taken to be current.
    """

    read_at: dt.datetime
    device_now: Stamp | None = None
    kind: ClockKind = ClockKind.LOCAL
    synchronized: bool = False
    current: bool = True
    sync_method: str = codes.MDC_TIME_SYNC_NONE

    def __post_init__(self) -> None:
        if self.read_at.utcoffset() is None:
            raise ValueError("DeviceClock.read_at must be timezone-aware")


@dataclass(frozen=True, slots=True)
class MappedTime:
    """The effective time of an observation and how it was obtained."""

    effective: str
    references_coincident: bool
    identifier_time: str | None


@dataclass(frozen=True, slots=True)
class Discarded:
    """The PHD stamp cannot be placed on the gateway timeline; the IG says drop the data."""

    reason: str


_FHIR_MAX_OFFSET: Final = dt.timedelta(hours=14)


def _fhir_text(aware: dt.datetime) -> str:
    """ISO 8601 text; an offset with seconds (historic local mean time) is rounded to whole
    minutes, as FHIR allows only ``hh:mm``, keeping the instant. An offset beyond FHIR's
    -14:00..+14:00 (a Bluetooth time zone plus DST can reach +16:00) is written in UTC: the
    same instant, in a form FHIR accepts."""
    offset = aware.utcoffset()
    if offset is not None and offset.seconds % 60:
        minutes = round(offset.total_seconds() / 60)
        aware = aware.astimezone(dt.timezone(dt.timedelta(minutes=minutes)))
        offset = aware.utcoffset()
    if offset is not None and abs(offset) > _FHIR_MAX_OFFSET:
        aware = aware.astimezone(dt.UTC)
    return aware.isoformat(timespec="milliseconds" if aware.microsecond else "seconds")


def render(instant: dt.datetime, zone: dt.tzinfo) -> str:
    """A FHIR dateTime of an aware instant, with ``zone``'s offset valid at that instant."""
    return _fhir_text(instant.astimezone(zone))


def render_wall(value: dt.datetime, offset: dt.timedelta | None, zone: dt.tzinfo) -> str:
    """A PHD wall-clock value with its own offset, or the gateway zone's at that local time."""
    tz: dt.tzinfo = dt.timezone(offset) if offset is not None else zone
    return _fhir_text(value.replace(tzinfo=tz))


def _round_to(instant: dt.datetime, resolution: Decimal) -> dt.datetime:
    """Round the gateway time to the PHD clock's resolution (whole seconds or finer)."""
    if resolution < _ONE:
        return instant
    half = dt.timedelta(microseconds=500_000)
    return (instant + half).replace(microsecond=0)


def _anchor(stamp: Stamp, clock: DeviceClock) -> dt.datetime | None:
    """Skew-correct ``stamp`` onto the gateway clock using the clock read, or None without one."""
    now = clock.device_now
    if isinstance(stamp, WallClockStamp) and isinstance(now, WallClockStamp):
        elapsed = now.value - stamp.value
        if now.offset is not None and stamp.offset is not None:
            elapsed -= now.offset - stamp.offset
        return _round_to(clock.read_at, stamp.resolution) - elapsed
    if isinstance(stamp, TickStamp) and isinstance(now, TickStamp):
        seconds = now.ticks * now.resolution - stamp.ticks * stamp.resolution
        return clock.read_at - dt.timedelta(seconds=float(seconds))
    return None


def map_time(
    stamp: Stamp | None,
    clock: DeviceClock | None,
    zone: dt.tzinfo,
    received_at: dt.datetime,
) -> MappedTime | Discarded:
    """Apply the IG's clock table to one stamp (see the module docstring)."""
    if stamp is None:
        return MappedTime(render(received_at, zone), False, None)
    ident = identifier_time(stamp)
    if clock is None:
        clock = DeviceClock(read_at=received_at)
    if not clock.current and not clock.synchronized:
        return Discarded("PHD clock is neither current nor synchronised")
    if isinstance(stamp, TickStamp):
        if clock.kind is not ClockKind.TICK or not clock.current:
            return Discarded("tick stamp without a current tick clock")
        instant = _anchor(stamp, clock)
        if instant is None:
            return Discarded("tick stamp without a PHD clock reading to anchor it")
        return MappedTime(render(instant, zone), True, ident)
    if clock.kind is ClockKind.UTC and clock.synchronized:
        instant = stamp.value.replace(tzinfo=dt.UTC)
        shown = dt.timezone(stamp.offset) if stamp.offset is not None else zone
        return MappedTime(render(instant, shown), False, ident)
    if clock.current:
        instant = _anchor(stamp, clock)
        if instant is None:  # time fault: no clock reading; keep the PHD's wall time
            return MappedTime(render_wall(stamp.value, stamp.offset, zone), True, ident)
        shown = dt.timezone(stamp.offset) if stamp.offset is not None else zone
        return MappedTime(render(instant, shown), True, ident)
    if clock.kind is ClockKind.LOCAL:  # not current, synchronised
        return MappedTime(render_wall(stamp.value, stamp.offset, zone), False, ident)
    return Discarded(f"{clock.kind.value} clock: no rule for this state")


def identifier_time(stamp: Stamp) -> str:
    """The time part of the conditional-create identifier, from the raw PHD value.

    Wall clock: seconds since 2000-01-01T00:00:00 at the clock's resolution, then the PHD's own
    offset (if it sent one) in 15-minute units, signed (``690897390+4``). Tick clock: seconds at
    the clock's resolution (``12345.678``).
    """
    if isinstance(stamp, TickStamp):
        return format(stamp.ticks * stamp.resolution, "f")
    delta = stamp.value - EPOCH_2000
    micro = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    seconds = (Decimal(micro) / 1_000_000).quantize(stamp.resolution)
    text = format(seconds, "f")
    if stamp.offset is not None:
        text += f"{stamp.offset // _QUARTER_HOUR:+d}"
    return text
