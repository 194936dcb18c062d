"""A simulated device's Elapsed Time Service clock (ETS 0x183F, :mod:`profiles.elapsed_time`):
the time stamps its observations carry and the Current Elapsed Time characteristic (0x2BF2:
read, write, indicate).

The clock counts milliseconds, as UTC since 2000-01-01 with the host's UTC offset as TZ/DST
offset, or as a tick counter since the simulator started. Until a client sets it, its status
says "clock needs to be set" and its sync source is "not synchronized". A client sets it by
writing a value in the clock's own format (tick counter, UTC, TZ/DST and resolution flags as
read; else the write is refused with "0x80: incorrect time format"); a tick counter cannot be
set (Write Not Permitted). After a write the new value is indicated to a subscribed client,
and the time stamps made before the write are no longer on the current timeline.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

from profiles import elapsed_time as ets
from profiles.errors import DecodeError
from simulators import bluez
from simulators.peripheral import INDICATE, READ, WRITE, Characteristic, GattError

CURRENT_ELAPSED_TIME = ets.CURRENT_ELAPSED_TIME.uuid
RESOLUTION = ets.TimeResolution.ONE_MILLISECOND
_QUARTER_HOUR = dt.timedelta(minutes=15)


def _host_offset() -> int:
    """The host's UTC offset in 15-minute units."""
    offset = dt.datetime.now().astimezone().utcoffset() or dt.timedelta(0)
    return offset // _QUARTER_HOUR


class ElapsedTimeClock:
    """The device clock: real UTC time plus ``offset`` (or ticks since start)."""

    def __init__(self, offset: dt.timedelta = dt.timedelta(0), tick_counter: bool = False) -> None:
        self.offset = offset
        self.tick_counter = tick_counter
        self.started = time.monotonic()
        self.timeline = 0
        """How many times the clock was set."""
        self.status = ets.ClockStatus.CLOCK_NEEDS_TO_BE_SET
        self.sync_source: ets.TimeSyncSource | int = ets.TimeSyncSource.NOT_SYNCHRONIZED
        self.tz_dst_offset = 0 if tick_counter else _host_offset()

    def _template(self) -> ets.ElapsedTime:
        return ets.ElapsedTime(
            0,
            RESOLUTION,
            tick_counter=self.tick_counter,
            utc=not self.tick_counter,
            tz_dst_offset_used=not self.tick_counter,
            sync_source=self.sync_source,
            tz_dst_offset=self.tz_dst_offset,
        )

    def at(self, moment: dt.datetime) -> ets.ElapsedTime:
        """The time stamp of ``moment`` (aware, real time) on this clock."""
        template = self._template()
        if self.tick_counter:
            ticks = (moment - self.now_real()).total_seconds() + time.monotonic() - self.started
            return ets.ElapsedTime(max(0, int(ticks * 1000)), RESOLUTION, tick_counter=True)
        shown = (moment + self.offset).astimezone(dt.timezone(self.tz_dst_offset * _QUARTER_HOUR))
        return template.set_to(shown, self.sync_source)

    @staticmethod
    def now_real() -> dt.datetime:
        return dt.datetime.now(dt.UTC)

    def now(self) -> ets.ElapsedTime:
        return self.at(self.now_real())

    def current(self) -> ets.CurrentElapsedTime:
        capabilities = ets.ClockCapabilities(0)
        if not self.tick_counter:
            capabilities = ets.ClockCapabilities.TIME_ZONE_SUPPORTED
        return ets.CurrentElapsedTime(self.now(), self.status, capabilities)

    def set(self, written: ets.ElapsedTime) -> None:
        """Set the clock to ``written`` (GattError when its format is not the clock's)."""
        if self.tick_counter:
            raise GattError(bluez.ERROR_NOT_PERMITTED, "a tick counter cannot be set")
        ours = self._template()
        if (written.tick_counter, written.utc, written.tz_dst_offset_used, written.resolution) != (
            ours.tick_counter,
            ours.utc,
            ours.tz_dst_offset_used,
            ours.resolution,
        ):
            raise GattError(bluez.ERROR_FAILED, "0x80: incorrect time format")
        moment = written.to_datetime()
        if moment is None:
            raise GattError(bluez.ERROR_FAILED, "0x80: incorrect time format")
        self.offset = moment - self.now_real()
        self.tz_dst_offset = written.tz_dst_offset
        self.sync_source = written.sync_source
        self.status = ets.ClockStatus(0)
        self.timeline += 1


def current_elapsed_time_characteristic(
    clock: ElapsedTimeClock,
    accept_write: Callable[[], bool],
    on_written: Callable[[], None],
) -> Characteristic:
    """Current Elapsed Time (read, write, indicate); ``accept_write`` False refuses a write
    with Write Not Permitted, ``on_written`` runs after the clock was set."""

    def on_write(value: bytes) -> None:
        if not accept_write():
            raise GattError(bluez.ERROR_NOT_PERMITTED, "clock write refused")
        try:
            written = ets.decode_current_elapsed_time(value)
        except DecodeError as e:
            raise GattError(bluez.ERROR_FAILED, str(e)) from e
        clock.set(written.time)
        on_written()

    return Characteristic(
        CURRENT_ELAPSED_TIME,
        [READ, WRITE, INDICATE],
        on_read=lambda: ets.encode_current_elapsed_time(clock.current()),
        on_write=on_write,
    )
