"""Elapsed Time Service (0x183F): the Current Elapsed Time characteristic (0x2BF2) and the 9-byte
time stamp that Generic Health Sensor observations carry (:mod:`profiles.ghs`).

Time stamp layout (ETS 1.0, the same 9 bytes at the start of the characteristic and in the
Time Stamp field of a GHS observation): flags (uint8), time value (uint48), time sync source
(uint8), TZ/DST offset (sint8, 15-minute units). Flags: bit 0 the time value is a tick counter
(no time of day), bit 1 the time is UTC (else local time), bits 2-3 the resolution of the time
value (0: 1 s, 1: 100 ms, 2: 1 ms, 3: 100 us), bit 4 the TZ/DST offset is used, bit 5 the time
stamp is from the current timeline (the clock has not been set since); bits 6-7 are reserved
and ignored. A time of day counts from 2000-01-01 00:00:00 (UTC or local, by bit 1).

Current Elapsed Time (0x2BF2) adds clock status (uint8, bit 0: the clock needs to be set) and
clock capabilities (uint8, bit 0: DST supported, bit 1: time zone supported); reserved bits are
ignored. The same 11 bytes are written by a client that sets the server's clock:
:meth:`ElapsedTime.set_to` builds the time stamp in the format the server reported (Philips'
simulator refuses a write whose tick counter, UTC, TZ/DST and resolution flags differ from its
own); whether the server allows setting at all is the session's business.

Sources: the ETS 1.0 text was not available here; the layout and bit meanings are those of two
public implementations that agree on them: Philips' BLE-GHS-Server-Simulator
(``DateExtensions.kt``: flags, Y2K epoch, resolution bits 2-3, time sources 0-7;
``ElapsedTimeService.kt``: clock status bit 0, capabilities DST = 1, TZ = 2) and ST's
STM32WBA-BLE-GenericHealthSensor (``ets_app.c``: the 11-byte value). ST's resolution constants
(shifted by 3, colliding with bit 4) are not followed.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Final

from profiles import _bytes
from profiles._bytes import ByteString, Reader
from profiles._fields import member_or_int
from profiles.errors import EncodeError
from profiles.registry_types import Characteristic

SERVICE_UUID16: Final = 0x183F
TIME_STAMP_SIZE: Final = 9
EPOCH: Final = dt.datetime(2000, 1, 1)
"""The start of a time-of-day time value (UTC or local wall clock, by the UTC flag)."""

_TICK_COUNTER: Final = 0x01
_UTC: Final = 0x02
_RESOLUTION_SHIFT: Final = 2
_TZ_DST_USED: Final = 0x10
_CURRENT_TIMELINE: Final = 0x20
_MAX_TIME_VALUE: Final = (1 << 48) - 1


class TimeResolution(enum.IntEnum):
    """Flags bits 2-3: the unit of the time value."""

    ONE_SECOND = 0
    HUNDRED_MILLISECONDS = 1
    ONE_MILLISECOND = 2
    HUNDRED_MICROSECONDS = 3

    @property
    def seconds(self) -> Decimal:
        """One unit of the time value, in seconds (exact)."""
        return _RESOLUTION_SECONDS[self]


_RESOLUTION_SECONDS: Final = {
    TimeResolution.ONE_SECOND: Decimal(1),
    TimeResolution.HUNDRED_MILLISECONDS: Decimal("0.1"),
    TimeResolution.ONE_MILLISECOND: Decimal("0.001"),
    TimeResolution.HUNDRED_MICROSECONDS: Decimal("0.0001"),
}


_MICROSECONDS: Final = {
    TimeResolution.ONE_SECOND: 1_000_000,
    TimeResolution.HUNDRED_MILLISECONDS: 100_000,
    TimeResolution.ONE_MILLISECOND: 1_000,
    TimeResolution.HUNDRED_MICROSECONDS: 100,
}


class TimeSyncSource(enum.IntEnum):
    """Time sync source type (8-255 reserved, kept as ints)."""

    UNKNOWN = 0
    NETWORK_TIME_PROTOCOL = 1
    GPS = 2
    RADIO_TIME_SIGNAL = 3
    MANUAL = 4
    ATOMIC_CLOCK = 5
    CELLULAR_NETWORK = 6
    NOT_SYNCHRONIZED = 7


@dataclass(frozen=True, slots=True)
class ElapsedTime:
    """The 9-byte ETS time stamp.

    ``value`` counts ``resolution`` units: ticks when ``tick_counter``, else time since
    :data:`EPOCH` (UTC when ``utc``, else local). ``tz_dst_offset`` (15-minute units) is sent
    in every value; it is meaningful only when ``tz_dst_offset_used``.
    """

    value: int
    resolution: TimeResolution = TimeResolution.ONE_SECOND
    tick_counter: bool = False
    utc: bool = False
    tz_dst_offset_used: bool = False
    current_timeline: bool = True
    sync_source: TimeSyncSource | int = TimeSyncSource.UNKNOWN
    tz_dst_offset: int = 0

    @property
    def seconds(self) -> Decimal:
        """The time value in seconds (exact)."""
        return self.value * self.resolution.seconds

    def utc_offset(self) -> dt.timedelta | None:
        """The combined time zone and DST offset when used, else None."""
        if not self.tz_dst_offset_used:
            return None
        return dt.timedelta(minutes=15 * self.tz_dst_offset)

    def to_datetime(self) -> dt.datetime | None:
        """The time of day: aware when UTC or with a used offset, naive local otherwise; None for
        a tick counter or a value beyond the year 9999."""
        if self.tick_counter:
            return None
        try:
            wall = EPOCH + dt.timedelta(microseconds=self.value * _MICROSECONDS[self.resolution])
        except OverflowError:
            return None
        offset = self.utc_offset()
        if self.utc:
            aware = wall.replace(tzinfo=dt.UTC)
            return aware if offset is None else aware.astimezone(dt.timezone(offset))
        if offset is not None:
            return wall.replace(tzinfo=dt.timezone(offset))
        return wall

    def set_to(self, moment: dt.datetime, sync_source: TimeSyncSource | int) -> ElapsedTime:
        """A time stamp in this one's format (resolution; UTC or local; TZ/DST offset used or
        not; timeline bit) holding ``moment``, an aware datetime: the value a client writes to
        set a server's clock, which keeps the format the server reports. Local time is the
        wall clock of ``moment``'s own zone; a value finer than the resolution is truncated.
        EncodeError for a tick counter (it cannot be set), a naive ``moment``, an offset that
        is not a multiple of 15 minutes, or a time before 2000 or beyond the 48-bit range."""
        if self.tick_counter:
            raise EncodeError("a tick counter cannot be set to a time of day")
        offset = moment.utcoffset()
        if offset is None:
            raise EncodeError("the time to set needs a zone (an aware datetime)")
        quarters, rest = divmod(offset, dt.timedelta(minutes=15))
        if rest:
            raise EncodeError(f"UTC offset {offset} is not a multiple of 15 minutes")
        wall = moment.astimezone(dt.UTC) if self.utc else moment
        elapsed = wall.replace(tzinfo=None) - EPOCH
        if elapsed < dt.timedelta(0):
            raise EncodeError(f"{moment} is before the ETS epoch 2000-01-01")
        value = elapsed // dt.timedelta(microseconds=_MICROSECONDS[self.resolution])
        _bytes.check_range(value, 0, _MAX_TIME_VALUE, "time value")
        return replace(
            self,
            value=value,
            sync_source=sync_source,
            tz_dst_offset=_bytes.check_range(quarters, -127, 127, "TZ/DST offset")
            if self.tz_dst_offset_used
            else 0,
        )


def read_elapsed_time(r: Reader, what: str = "time stamp") -> ElapsedTime:
    """Read the 9-byte time stamp at the reader's position."""
    flags = r.u8(f"{what} flags")
    value = int.from_bytes(r.take(6, f"{what} time value"), "little")
    sync = r.u8(f"{what} time sync source")
    offset = r.s8(f"{what} TZ/DST offset")
    return ElapsedTime(
        value,
        TimeResolution((flags >> _RESOLUTION_SHIFT) & 0x03),
        bool(flags & _TICK_COUNTER),
        bool(flags & _UTC),
        bool(flags & _TZ_DST_USED),
        bool(flags & _CURRENT_TIMELINE),
        member_or_int(TimeSyncSource, sync),
        offset,
    )


def elapsed_time_bytes(t: ElapsedTime) -> bytes:
    """The 9-byte wire form of a time stamp."""
    flags = (
        (_TICK_COUNTER if t.tick_counter else 0)
        | (_UTC if t.utc else 0)
        | int(t.resolution) << _RESOLUTION_SHIFT
        | (_TZ_DST_USED if t.tz_dst_offset_used else 0)
        | (_CURRENT_TIMELINE if t.current_timeline else 0)
    )
    value = _bytes.check_range(t.value, 0, _MAX_TIME_VALUE, "time value")
    return (
        bytes((flags,))
        + value.to_bytes(6, "little")
        + _bytes.u8(int(t.sync_source), "time sync source")
        + _bytes.s8(t.tz_dst_offset, "TZ/DST offset")
    )


class ClockStatus(enum.IntFlag):
    """Clock status (uint8); bits 1-7 are reserved and ignored."""

    CLOCK_NEEDS_TO_BE_SET = 0x01


class ClockCapabilities(enum.IntFlag):
    """Clock capabilities (uint8); bits 2-7 are reserved and ignored."""

    DST_SUPPORTED = 0x01
    TIME_ZONE_SUPPORTED = 0x02


_NO_STATUS: Final = ClockStatus(0)
_NO_CAPABILITIES: Final = ClockCapabilities(0)


@dataclass(frozen=True, slots=True)
class CurrentElapsedTime:
    """Current Elapsed Time (0x2BF2): the server's clock, its status and capabilities."""

    time: ElapsedTime
    clock_status: ClockStatus = _NO_STATUS
    clock_capabilities: ClockCapabilities = _NO_CAPABILITIES

    @property
    def clock_needs_to_be_set(self) -> bool:
        return bool(self.clock_status & ClockStatus.CLOCK_NEEDS_TO_BE_SET)


def decode_current_elapsed_time(data: ByteString) -> CurrentElapsedTime:
    r = Reader(data, CURRENT_ELAPSED_TIME.name)
    time = read_elapsed_time(r, "elapsed time")
    status = ClockStatus(r.u8("clock status") & 0x01)
    capabilities = ClockCapabilities(r.u8("clock capabilities") & 0x03)
    r.end()
    return CurrentElapsedTime(time, status, capabilities)


def encode_current_elapsed_time(value: CurrentElapsedTime) -> bytes:
    return (
        elapsed_time_bytes(value.time)
        + _bytes.u8(int(value.clock_status) & 0x01, "clock status")
        + _bytes.u8(int(value.clock_capabilities) & 0x03, "clock capabilities")
    )


CURRENT_ELAPSED_TIME = Characteristic(
    0x2BF2,
    "current-elapsed-time",
    CurrentElapsedTime,
    decode_current_elapsed_time,
    encode_current_elapsed_time,
)
CHARACTERISTICS: Final = (CURRENT_ELAPSED_TIME,)
