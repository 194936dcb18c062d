"""Time characteristics of the Bluetooth SIG GATT Specification Supplement.

Date Time (0x2A08) is the 7-byte time stamp the health profiles embed; Day Date Time (0x2A0A),
Current Time (0x2A2B, with its adjust reason) and Local Time Information (0x2A0F) come from the
Current Time Service. A year, month or day of 0 means "not known", as the specification says.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Final

from profiles import _bytes
from profiles._bytes import ByteString, Reader, read_whole
from profiles._fields import read_member
from profiles.errors import EncodeError
from profiles.registry_types import Characteristic

DATE_TIME_SIZE: Final = 7


@dataclass(frozen=True, slots=True)
class DateTime:
    """Date Time (0x2A08): a local wall-clock time with no zone; 0 = unknown year/month/day."""

    year: int
    month: int
    day: int
    hours: int
    minutes: int
    seconds: int

    def __post_init__(self) -> None:
        problem = _date_time_problem(
            self.year, self.month, self.day, self.hours, self.minutes, self.seconds
        )
        if problem:
            raise EncodeError(problem)

    def to_datetime(self) -> dt.datetime | None:
        """The naive datetime, or None when the year, month or day is unknown (0)."""
        if self.year == 0 or self.month == 0 or self.day == 0:
            return None
        return dt.datetime(self.year, self.month, self.day, self.hours, self.minutes, self.seconds)

    @classmethod
    def from_datetime(cls, value: dt.datetime) -> DateTime:
        """The wall-clock fields of ``value`` (its zone, if any, is dropped; no rounding)."""
        return cls(value.year, value.month, value.day, value.hour, value.minute, value.second)


def _date_time_problem(
    year: int, month: int, day: int, hours: int, minutes: int, seconds: int
) -> str | None:
    if year != 0 and not 1582 <= year <= 9999:
        return f"year {year} is out of range 1582..9999 (0 = unknown)"
    if 0 < month <= 12 and 0 < day <= 28 and hours < 24 and minutes < 60 and seconds < 60:
        return None  # the common case, cheaply
    if not 0 <= month <= 12:
        return f"month {month} is out of range 1..12 (0 = unknown)"
    if not 0 <= day <= 31:
        return f"day {day} is out of range 1..31 (0 = unknown)"
    if not 0 <= hours <= 23:
        return f"hours {hours} is out of range 0..23"
    if not 0 <= minutes <= 59:
        return f"minutes {minutes} is out of range 0..59"
    if not 0 <= seconds <= 59:
        return f"seconds {seconds} is out of range 0..59"
    if year and month and day:
        try:
            dt.date(year, month, day)
        except ValueError:
            return f"{year:04d}-{month:02d}-{day:02d} is not a calendar date"
    return None


def read_date_time(r: Reader, what: str = "date time") -> DateTime:
    """Read the 7-byte Date Time structure at the reader's position."""
    start = r.offset
    raw = r.take(DATE_TIME_SIZE, what)
    try:
        return DateTime(raw[0] | raw[1] << 8, raw[2], raw[3], raw[4], raw[5], raw[6])
    except EncodeError as exc:
        raise r.error(f"{what}: {exc}", start) from None


def date_time_bytes(value: DateTime) -> bytes:
    return _bytes.u16(value.year, "year") + bytes(
        (value.month, value.day, value.hours, value.minutes, value.seconds)
    )


def decode_date_time(data: ByteString) -> DateTime:
    return read_whole(data, DATE_TIME.name, read_date_time)


def encode_date_time(value: DateTime) -> bytes:
    return date_time_bytes(value)


class DayOfWeek(enum.IntEnum):
    UNKNOWN = 0
    MONDAY = 1
    TUESDAY = 2
    WEDNESDAY = 3
    THURSDAY = 4
    FRIDAY = 5
    SATURDAY = 6
    SUNDAY = 7


@dataclass(frozen=True, slots=True)
class DayDateTime:
    """Day Date Time (0x2A0A)."""

    date_time: DateTime
    day_of_week: DayOfWeek


def _read_day_of_week(r: Reader) -> DayOfWeek:
    return read_member(r, DayOfWeek, "day of week", "is out of range 1..7 (0 = unknown)")


def decode_day_date_time(data: ByteString) -> DayDateTime:
    return read_whole(
        data, DAY_DATE_TIME.name, lambda r: DayDateTime(read_date_time(r), _read_day_of_week(r))
    )


def encode_day_date_time(value: DayDateTime) -> bytes:
    return date_time_bytes(value.date_time) + bytes((value.day_of_week,))


class AdjustReason(enum.IntFlag):
    """Why the Current Time was last changed (bits 4-7 are reserved and ignored)."""

    MANUAL_TIME_UPDATE = 0x01
    EXTERNAL_REFERENCE_TIME_UPDATE = 0x02
    CHANGE_OF_TIME_ZONE = 0x04
    CHANGE_OF_DST = 0x08


@dataclass(frozen=True, slots=True)
class CurrentTime:
    """Current Time (0x2A2B): Exact Time 256 plus the adjust reason.

    ``fractions256`` counts 1/256 s; ``fraction_seconds`` gives it as an exact Decimal.
    """

    date_time: DateTime
    day_of_week: DayOfWeek
    fractions256: int
    adjust_reason: AdjustReason

    def __post_init__(self) -> None:
        _bytes.check_range(self.fractions256, 0, 255, "fractions256")


def decode_current_time(data: ByteString) -> CurrentTime:
    r = Reader(data, CURRENT_TIME.name)
    value = CurrentTime(
        read_date_time(r),
        _read_day_of_week(r),
        r.u8("fractions256"),
        AdjustReason(r.u8("adjust reason") & 0x0F),
    )
    r.end()
    return value


def encode_current_time(value: CurrentTime) -> bytes:
    return date_time_bytes(value.date_time) + bytes(
        (value.day_of_week, value.fractions256, value.adjust_reason & 0x0F)
    )


TIME_ZONE_UNKNOWN: Final = -128


class DstOffset(enum.IntEnum):
    """Daylight saving time offset (0x2A0D), in units of 15 minutes."""

    STANDARD_TIME = 0
    HALF_AN_HOUR_DAYLIGHT_TIME = 2
    DAYLIGHT_TIME = 4
    DOUBLE_DAYLIGHT_TIME = 8
    UNKNOWN = 255


@dataclass(frozen=True, slots=True)
class LocalTimeInformation:
    """Local Time Information (0x2A0F).

    ``time_zone`` is the offset from UTC in units of 15 minutes (-48..56), or -128 when unknown;
    it excludes daylight saving time, which ``dst_offset`` gives.
    """

    time_zone: int
    dst_offset: DstOffset

    def __post_init__(self) -> None:
        if self.time_zone != TIME_ZONE_UNKNOWN and not -48 <= self.time_zone <= 56:
            raise EncodeError(f"time zone {self.time_zone} is out of range -48..56 (-128 unknown)")

    def utc_offset(self) -> dt.timedelta | None:
        """Time zone plus DST offset, or None when either is unknown."""
        if self.time_zone == TIME_ZONE_UNKNOWN or self.dst_offset is DstOffset.UNKNOWN:
            return None
        return dt.timedelta(minutes=15 * (self.time_zone + self.dst_offset))


def read_time_zone(r: Reader) -> int:
    start = r.offset
    value = r.s8("time zone")
    if value != TIME_ZONE_UNKNOWN and not -48 <= value <= 56:
        raise r.error(f"time zone {value} is out of range -48..56 (-128 = unknown)", start)
    return value


def read_dst_offset(r: Reader) -> DstOffset:
    return read_member(r, DstOffset, "DST offset", "is not one of 0, 2, 4, 8, 255")


def decode_local_time_information(data: ByteString) -> LocalTimeInformation:
    return read_whole(
        data,
        LOCAL_TIME_INFORMATION.name,
        lambda r: LocalTimeInformation(read_time_zone(r), read_dst_offset(r)),
    )


def encode_local_time_information(value: LocalTimeInformation) -> bytes:
    return _bytes.s8(value.time_zone, "time zone") + bytes((value.dst_offset,))


DATE_TIME = Characteristic(0x2A08, "date-time", DateTime, decode_date_time, encode_date_time)
DAY_DATE_TIME = Characteristic(
    0x2A0A, "day-date-time", DayDateTime, decode_day_date_time, encode_day_date_time
)
CURRENT_TIME = Characteristic(
    0x2A2B, "current-time", CurrentTime, decode_current_time, encode_current_time
)
LOCAL_TIME_INFORMATION = Characteristic(
    0x2A0F,
    "local-time-information",
    LocalTimeInformation,
    decode_local_time_information,
    encode_local_time_information,
)
CHARACTERISTICS: Final = (DATE_TIME, DAY_DATE_TIME, CURRENT_TIME, LOCAL_TIME_INFORMATION)
