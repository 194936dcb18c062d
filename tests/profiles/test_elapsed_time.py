"""Elapsed Time Service vectors.

Sources: ST's STM32WBA-BLE-GenericHealthSensor (stm32-hotspot, commit cedc31b), ``ets_app.c``
(the value it sets at start-up) and ``ghs_app.c`` (the time stamp of its example observations);
Philips' BLE-GHS-Server-Simulator ``DateExtensions.kt`` for the resolution bits.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from profiles import elapsed_time as ets
from profiles.errors import DecodeError, EncodeError


def test_st_start_up_value() -> None:
    # ets_app.c: flags current timeline | TZ/DST offset used (0x30), time value 0x2DF18600,
    # cellular network, offset 0, clock status "needs to be set", no capabilities.
    data = bytes.fromhex("300086f12d000006000100")
    value = ets.decode_current_elapsed_time(data)
    assert value == ets.CurrentElapsedTime(
        ets.ElapsedTime(
            0x2DF18600,
            ets.TimeResolution.ONE_SECOND,
            tick_counter=False,
            utc=False,
            tz_dst_offset_used=True,
            current_timeline=True,
            sync_source=ets.TimeSyncSource.CELLULAR_NETWORK,
            tz_dst_offset=0,
        ),
        ets.ClockStatus.CLOCK_NEEDS_TO_BE_SET,
        ets.ClockCapabilities(0),
    )
    assert value.clock_needs_to_be_set
    # ST's comment says 2024-06-06 8:00:00; 0x2DF18600 s after 2000-01-01 is 2024-06-04 08:00.
    assert value.time.to_datetime() == dt.datetime(2024, 6, 4, 8, 0, tzinfo=dt.UTC)
    assert ets.encode_current_elapsed_time(value) == data


def test_st_observation_time_stamp_is_utc() -> None:
    # ghs_app.c time stamp 22 729D2B290000 06 00: UTC, current timeline, seconds;
    # 690724210 s = 7994 days + 11:50:10 after 2000-01-01.
    data = bytes.fromhex("22729d2b29000006000003")
    value = ets.decode_current_elapsed_time(data)
    assert value.time.utc
    assert value.time.current_timeline
    assert not value.time.tz_dst_offset_used
    assert value.time.to_datetime() == dt.datetime(2021, 11, 20, 11, 50, 10, tzinfo=dt.UTC)
    assert value.clock_capabilities == (
        ets.ClockCapabilities.DST_SUPPORTED | ets.ClockCapabilities.TIME_ZONE_SUPPORTED
    )


@pytest.mark.parametrize(
    ("flags", "resolution", "seconds"),
    [
        (0x00, ets.TimeResolution.ONE_SECOND, Decimal(1000)),
        (0x04, ets.TimeResolution.HUNDRED_MILLISECONDS, Decimal("100.0")),
        (0x08, ets.TimeResolution.ONE_MILLISECOND, Decimal("1.000")),
        (0x0C, ets.TimeResolution.HUNDRED_MICROSECONDS, Decimal("0.1000")),
    ],
)
def test_resolution_bits(flags: int, resolution: ets.TimeResolution, seconds: Decimal) -> None:
    data = bytes((flags,)) + (1000).to_bytes(6, "little") + bytes(4)
    value = ets.decode_current_elapsed_time(data)
    assert value.time.resolution is resolution
    assert value.time.seconds == seconds
    assert str(value.time.seconds) == str(seconds)


def test_local_time_with_offset_and_tick_counter() -> None:
    # Local time, TZ/DST offset +8 (2 h) used, time value 1 day.
    local = ets.decode_current_elapsed_time(bytes.fromhex("3080510100000001080000"))
    assert local.time.utc_offset() == dt.timedelta(hours=2)
    assert local.time.to_datetime() == dt.datetime(
        2000, 1, 2, tzinfo=dt.timezone(dt.timedelta(hours=2))
    )
    naive = ets.decode_current_elapsed_time(bytes.fromhex("2080510100000004080000"))
    assert naive.time.utc_offset() is None
    assert naive.time.to_datetime() == dt.datetime(2000, 1, 2)
    ticks = ets.decode_current_elapsed_time(bytes.fromhex("2180510100000007000000"))
    assert ticks.time.tick_counter
    assert ticks.time.to_datetime() is None
    assert ticks.time.sync_source is ets.TimeSyncSource.NOT_SYNCHRONIZED


def test_reserved_bits_and_values() -> None:
    value = ets.decode_current_elapsed_time(bytes.fromhex("c00000000000002a80fefc"))
    assert value.time.sync_source == 0x2A
    assert not isinstance(value.time.sync_source, ets.TimeSyncSource)
    assert value.time.tz_dst_offset == -128
    assert value.clock_status == ets.ClockStatus(0)
    assert value.clock_capabilities == ets.ClockCapabilities(0)
    assert ets.encode_current_elapsed_time(value) == bytes.fromhex("000000000000002a800000")


@pytest.mark.parametrize(
    ("hex_value", "offset"), [("", 0), ("22729d2b29", 1), ("22" + "00" * 9, 10)]
)
def test_malformed(hex_value: str, offset: int) -> None:
    with pytest.raises(DecodeError) as caught:
        ets.decode_current_elapsed_time(bytes.fromhex(hex_value))
    assert caught.value.offset == offset


def test_unencodable() -> None:
    with pytest.raises(EncodeError):
        ets.encode_current_elapsed_time(ets.CurrentElapsedTime(ets.ElapsedTime(1 << 48)))
    with pytest.raises(EncodeError):
        ets.encode_current_elapsed_time(
            ets.CurrentElapsedTime(ets.ElapsedTime(0, tz_dst_offset=128))
        )


def test_datetime_is_exact_and_bounded() -> None:
    # 100 us resolution: 1 day + 0.0001 s; the largest uint48 in seconds is past the year 9999.
    fine = ets.ElapsedTime(864_000_001, ets.TimeResolution.HUNDRED_MICROSECONDS)
    assert fine.to_datetime() == dt.datetime(2000, 1, 2, 0, 0, 0, 100)
    assert ets.ElapsedTime((1 << 48) - 1).to_datetime() is None


ST_SERVER = ets.decode_current_elapsed_time(bytes.fromhex("300086f12d000006000100")).time


def test_set_to_keeps_the_server_format() -> None:
    # ST's server reports local time with a TZ/DST offset, in seconds. Setting it to
    # 2024-06-04 10:00:00.9 +02:00 writes the local wall clock, offset +8 quarters.
    moment = dt.datetime(2024, 6, 4, 10, 0, 0, 900_000, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    value = ST_SERVER.set_to(moment, ets.TimeSyncSource.NETWORK_TIME_PROTOCOL)
    assert value.value == 0x2DF18600 + 2 * 3600  # 10:00 local; the 0.9 s are truncated
    assert value.tz_dst_offset == 8
    assert value.sync_source is ets.TimeSyncSource.NETWORK_TIME_PROTOCOL
    assert value.to_datetime() == moment.replace(microsecond=0)
    # A UTC server in milliseconds gets 08:00:00.900 UTC.
    utc_ms = ets.ElapsedTime(0, ets.TimeResolution.ONE_MILLISECOND, utc=True)
    assert utc_ms.set_to(moment, 1).value == 0x2DF18600 * 1000 + 900
    assert utc_ms.set_to(moment, 1).tz_dst_offset == 0


@pytest.mark.parametrize(
    ("like", "moment"),
    [
        (ets.ElapsedTime(0, tick_counter=True), dt.datetime(2024, 1, 1, tzinfo=dt.UTC)),
        (ets.ElapsedTime(0), dt.datetime(2024, 1, 1)),
        (
            ets.ElapsedTime(0),
            dt.datetime(2024, 1, 1, tzinfo=dt.timezone(dt.timedelta(minutes=20))),
        ),
        (ets.ElapsedTime(0, utc=True), dt.datetime(1999, 12, 31, 23, 59, tzinfo=dt.UTC)),
    ],
)
def test_set_to_refuses(like: ets.ElapsedTime, moment: dt.datetime) -> None:
    with pytest.raises(EncodeError):
        like.set_to(moment, ets.TimeSyncSource.MANUAL)
