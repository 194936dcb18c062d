"""Date Time, Day Date Time, Current Time and Local Time Information vectors."""

from __future__ import annotations

import datetime as dt

import pytest

from profiles.date_time import (
    AdjustReason,
    CurrentTime,
    DateTime,
    DayOfWeek,
    DstOffset,
    LocalTimeInformation,
    decode_current_time,
    decode_date_time,
    decode_day_date_time,
    decode_local_time_information,
    encode_current_time,
    encode_local_time_information,
)
from profiles.errors import DecodeError, EncodeError


def test_date_time() -> None:
    value = decode_date_time(bytes.fromhex("e4070c1f173b3a"))  # 2020-12-31 23:59:58
    assert value == DateTime(2020, 12, 31, 23, 59, 58)
    assert value.to_datetime() == dt.datetime(2020, 12, 31, 23, 59, 58)


def test_unknown_date_parts() -> None:
    value = decode_date_time(bytes.fromhex("00000000080000"))
    assert value == DateTime(0, 0, 0, 8, 0, 0)
    assert value.to_datetime() is None


@pytest.mark.parametrize(
    ("hex_value", "reason"),
    [
        ("e407010100000000", "overlong"),  # 8 bytes
        ("e40701010000", "truncated"),
        ("01000101000000", "year 1 "),
        ("2d060101000000", "year 1581"),
        ("e4070d01000000", "month 13"),
        ("e4070120000000", "day 32"),
        ("e4070101180000", "hours 24"),
        ("e40701010b3c00", "minutes 60"),
        ("e40701010b003c", "seconds 60"),
        ("e507021d000000", "not a calendar date"),  # 2021-02-29
    ],
)
def test_invalid_date_time(hex_value: str, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        decode_date_time(bytes.fromhex(hex_value))


def test_leap_day_is_valid() -> None:
    assert decode_date_time(bytes.fromhex("e407021d000000")).day == 29


def test_construction_is_validated() -> None:
    with pytest.raises(EncodeError):
        DateTime(2020, 13, 1, 0, 0, 0)


def test_day_date_time() -> None:
    value = decode_day_date_time(bytes.fromhex("ea070b16081e2d07"))
    assert value.day_of_week is DayOfWeek.SUNDAY
    with pytest.raises(DecodeError, match="day of week 8"):
        decode_day_date_time(bytes.fromhex("ea070b16081e2d08"))


def test_current_time_with_adjust_reason() -> None:
    data = bytes.fromhex("ea070b16081e2d0780f6")  # 0.5 s; reasons 0x06 + reserved 0xF0
    value = decode_current_time(data)
    assert value == CurrentTime(
        DateTime(2026, 11, 22, 8, 30, 45),
        DayOfWeek.SUNDAY,
        128,
        AdjustReason.EXTERNAL_REFERENCE_TIME_UPDATE | AdjustReason.CHANGE_OF_TIME_ZONE,
    )
    assert encode_current_time(value) == bytes.fromhex("ea070b16081e2d078006")


def test_local_time_information() -> None:
    value = decode_local_time_information(bytes.fromhex("0404"))  # UTC+1, DST +1 h
    assert value == LocalTimeInformation(4, DstOffset.DAYLIGHT_TIME)
    assert value.utc_offset() == dt.timedelta(hours=2)
    assert encode_local_time_information(value) == bytes.fromhex("0404")
    unknown = decode_local_time_information(bytes.fromhex("80ff"))
    assert unknown.utc_offset() is None
    with pytest.raises(DecodeError, match="time zone 57"):
        decode_local_time_information(bytes.fromhex("3900"))
    with pytest.raises(DecodeError, match="DST offset 3"):
        decode_local_time_information(bytes.fromhex("0003"))
