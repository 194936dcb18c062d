"""One test per row of the IG's clock table, plus offsets, DST and the identifier time part."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from gateway.fhir.timeline import (
    ClockKind,
    DeviceClock,
    Discarded,
    MappedTime,
    TickStamp,
    WallClockStamp,
    identifier_time,
    map_time,
    render_wall,
    wall_clock_stamp,
)
from profiles.date_time import DateTime
from tests.fhir.helpers import NEW_YORK

RECEIVED = dt.datetime(2024, 1, 15, 15, 0, 30, tzinfo=dt.UTC)
READ_AT = dt.datetime(2024, 1, 15, 15, 0, 0, tzinfo=dt.UTC)  # 10:00:00 in New York


def mapped(result: MappedTime | Discarded) -> MappedTime:
    assert isinstance(result, MappedTime), result
    return result


def test_row_utc_synchronised_keeps_the_stamp_with_gateway_offset() -> None:
    clock = DeviceClock(READ_AT, kind=ClockKind.UTC, synchronized=True, current=False)
    stamp = WallClockStamp(dt.datetime(2024, 1, 15, 14, 0, 0))
    result = mapped(map_time(stamp, clock, NEW_YORK, RECEIVED))
    assert result.effective == "2024-01-15T09:00:00-05:00"
    assert not result.references_coincident


def test_row_utc_synchronised_keeps_a_reported_offset() -> None:
    clock = DeviceClock(READ_AT, kind=ClockKind.UTC, synchronized=True)
    stamp = WallClockStamp(dt.datetime(2024, 1, 15, 14, 0, 0), offset=dt.timedelta(hours=1))
    result = mapped(map_time(stamp, clock, NEW_YORK, RECEIVED))
    assert result.effective == "2024-01-15T15:00:00+01:00"


@pytest.mark.parametrize(
    ("device_now", "kind", "synchronized", "stamp"),
    [
        # The PHD's UTC clock is 2 minutes fast.
        ((15, 2), ClockKind.UTC, False, (14, 2)),
        # The PHD's local clock is 6 minutes slow: add 6 minutes (the IG's example).
        ((9, 54), ClockKind.LOCAL, False, (8, 54)),
        # Synchronised, it also uses the coincident stamp.
        ((10, 0), ClockKind.LOCAL, True, (9, 0)),
    ],
    ids=["utc-unsynchronised-skew-corrected", "local-skew-corrected", "local-synchronised"],
)
def test_row_current_clock_places_the_stamp_through_the_coincident_stamp(
    device_now: tuple[int, int], kind: ClockKind, synchronized: bool, stamp: tuple[int, int]
) -> None:
    """A current clock read at READ_AT: a stamp an hour before the clock's reading is placed an
    hour before READ_AT (its skew corrected), UTC or local, synchronised or not."""
    now = WallClockStamp(dt.datetime(2024, 1, 15, *device_now))
    clock = DeviceClock(READ_AT, now, kind=kind, synchronized=synchronized)
    stamp_at = WallClockStamp(dt.datetime(2024, 1, 15, *stamp))
    result = mapped(map_time(stamp_at, clock, NEW_YORK, RECEIVED))
    assert result.effective == "2024-01-15T09:00:00-05:00"
    assert result.references_coincident


def test_row_local_not_current_synchronised_uses_the_offset_at_that_time() -> None:
    clock = DeviceClock(READ_AT, synchronized=True, current=False)
    stamp = WallClockStamp(dt.datetime(2023, 7, 1, 12, 0, 0))  # summer: EDT
    result = mapped(map_time(stamp, clock, NEW_YORK, RECEIVED))
    assert result.effective == "2023-07-01T12:00:00-04:00"
    assert not result.references_coincident


def test_row_tick_current_is_anchored() -> None:
    now = TickStamp(10_000, Decimal("0.001"))  # 10 s on the PHD's counter at READ_AT
    clock = DeviceClock(READ_AT, now, kind=ClockKind.TICK)
    result = mapped(map_time(TickStamp(4_000, Decimal("0.001")), clock, NEW_YORK, RECEIVED))
    assert result.effective == "2024-01-15T09:59:54-05:00"
    assert result.references_coincident
    assert result.identifier_time == "4.000"


@pytest.mark.parametrize("kind", list(ClockKind))
def test_row_neither_current_nor_synchronised_is_discarded(kind: ClockKind) -> None:
    clock = DeviceClock(READ_AT, kind=kind, synchronized=False, current=False)
    stamp: WallClockStamp | TickStamp = (
        TickStamp(1, Decimal(1))
        if kind is ClockKind.TICK
        else WallClockStamp(dt.datetime(2024, 1, 15, 9, 0, 0))
    )
    assert isinstance(map_time(stamp, clock, NEW_YORK, RECEIVED), Discarded)


def test_no_stamp_uses_reception_time_without_identifier_or_coincident_stamp() -> None:
    result = mapped(map_time(None, DeviceClock(READ_AT), NEW_YORK, RECEIVED))
    assert result.effective == "2024-01-15T10:00:30-05:00"
    assert result.identifier_time is None
    assert not result.references_coincident


def test_reception_time_keeps_milliseconds() -> None:
    received = RECEIVED.replace(microsecond=123456)
    result = mapped(map_time(None, None, NEW_YORK, received))
    assert result.effective == "2024-01-15T10:00:30.123-05:00"


def test_skew_correction_uses_the_offset_valid_at_the_measurement_dst() -> None:
    # Read on 2024-03-11 (EDT, -04:00); the stamp is from 2024-03-09 (EST, -05:00).
    read_at = dt.datetime(2024, 3, 11, 14, 0, 0, tzinfo=dt.UTC)  # 10:00 EDT
    now = WallClockStamp(dt.datetime(2024, 3, 11, 10, 0, 0))
    clock = DeviceClock(read_at, now)
    stamp = WallClockStamp(dt.datetime(2024, 3, 9, 10, 0, 0))
    result = mapped(map_time(stamp, clock, NEW_YORK, read_at))
    # 48 elapsed wall-clock hours before 14:00Z is 14:00Z on the 9th = 09:00 EST.
    assert result.effective == "2024-03-09T09:00:00-05:00"


def test_gateway_time_is_rounded_to_the_phd_resolution() -> None:
    read_at = READ_AT.replace(microsecond=700_000)
    clock = DeviceClock(read_at, WallClockStamp(dt.datetime(2024, 1, 15, 10, 0, 0)))
    stamp = WallClockStamp(dt.datetime(2024, 1, 15, 9, 0, 0))
    assert mapped(map_time(stamp, clock, NEW_YORK, read_at)).effective == (
        "2024-01-15T09:00:01-05:00"
    )


def test_unread_clock_is_a_time_fault_keeping_the_phd_wall_time() -> None:
    clock = DeviceClock(READ_AT)  # no device_now: the PHD clock could not be read
    stamp = WallClockStamp(dt.datetime(2024, 1, 15, 9, 0, 0))
    result = mapped(map_time(stamp, clock, NEW_YORK, RECEIVED))
    assert result.effective == "2024-01-15T09:00:00-05:00"
    assert result.references_coincident


def test_naive_read_at_is_rejected() -> None:
    with pytest.raises(ValueError, match="aware"):
        DeviceClock(dt.datetime(2024, 1, 1))


def test_identifier_time_counts_seconds_since_2000() -> None:
    # The IG's own arithmetic is off by 30 s (690897360); the correct count is 690897390.
    stamp = WallClockStamp(dt.datetime(2021, 11, 22, 11, 56, 30))
    assert identifier_time(stamp) == "690897390"
    assert identifier_time(WallClockStamp(dt.datetime(2018, 11, 13, 17, 59, 3))) == "595447143"


def test_identifier_time_appends_a_reported_offset_in_quarter_hours() -> None:
    stamp = WallClockStamp(dt.datetime(2021, 11, 22, 11, 56, 30), offset=dt.timedelta(hours=1))
    assert identifier_time(stamp) == "690897390+4"
    west = WallClockStamp(dt.datetime(2021, 11, 22, 11, 56, 30), offset=dt.timedelta(hours=-5))
    assert identifier_time(west) == "690897390-20"


def test_identifier_time_keeps_the_clock_resolution() -> None:
    stamp = WallClockStamp(dt.datetime(2000, 1, 1, 0, 0, 1, 500_000), resolution=Decimal("0.01"))
    assert identifier_time(stamp) == "1.50"


def test_identifier_time_is_the_raw_stamp_not_the_corrected_time() -> None:
    stamp = WallClockStamp(dt.datetime(2024, 1, 15, 8, 54, 0))
    a = DeviceClock(READ_AT, WallClockStamp(dt.datetime(2024, 1, 15, 9, 54, 0)))
    b = DeviceClock(READ_AT, WallClockStamp(dt.datetime(2024, 1, 15, 10, 30, 0)))
    first = mapped(map_time(stamp, a, NEW_YORK, RECEIVED))
    second = mapped(map_time(stamp, b, NEW_YORK, RECEIVED))
    assert first.effective != second.effective
    assert first.identifier_time == second.identifier_time


def test_bluetooth_date_time_with_unknown_date_is_no_stamp() -> None:
    assert wall_clock_stamp(DateTime(0, 0, 0, 10, 0, 0)) is None
    assert wall_clock_stamp(None) is None
    assert wall_clock_stamp(DateTime(2024, 1, 15, 10, 0, 0)) == WallClockStamp(
        dt.datetime(2024, 1, 15, 10, 0, 0)
    )


def test_historic_offsets_with_seconds_are_rounded_to_minutes() -> None:
    clock = DeviceClock(READ_AT, synchronized=True, current=False)
    stamp = WallClockStamp(dt.datetime(1582, 1, 1, 0, 0, 0))  # New York LMT is -04:56:02
    result = mapped(map_time(stamp, clock, NEW_YORK, RECEIVED))
    assert result.effective == "1582-01-01T00:00:02-04:56"


def test_offsets_beyond_fhir_range_are_written_in_utc() -> None:
    # A Bluetooth time zone of +12:15 plus double daylight time (+2 h) is +14:15, which FHIR's
    # dateTime does not allow: the same instant is written in UTC instead.
    wall = dt.datetime(2026, 1, 1, 19, 15)
    text = render_wall(wall, dt.timedelta(hours=14, minutes=15), dt.UTC)
    assert text == "2026-01-01T05:00:00+00:00"
    assert render_wall(wall, dt.timedelta(hours=14), dt.UTC) == "2026-01-01T19:15:00+14:00"
