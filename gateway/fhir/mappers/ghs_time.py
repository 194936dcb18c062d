"""Elapsed Time Service time stamps (GHS observations, Current Elapsed Time) on the PHD IG's
timeline (:mod:`gateway.fhir.timeline`), the same rules as every other PHD.

- A time-of-day stamp is a :class:`WallClockStamp`: the wall time since 2000-01-01 at the
  stamp's resolution, with its TZ/DST offset when the device uses one. A tick counter is a
  :class:`TickStamp` (ticks x resolution).
- The connection's :class:`DeviceClock` comes from the Current Elapsed Time read at connection
  time (:func:`device_clock`): its kind (UTC, local, tick) and resolution from the flags; it is
  *synchronised* when the time sync source names a source (not 0 "unknown", not 7 "not
  synchronised") and the clock does not need to be set; always *current*: the clock read and
  the stamps of the current timeline are on one timeline, whatever its wall time (a clock that
  needs to be set still counts on; whether a stamp is on that timeline is the stamp's own
  "current timeline" bit, below). So a UTC clock synchronised by NTP gives the stamp itself as
  effectiveDateTime; any other clock is skew-corrected with the coincident time stamp (which
  the Observations then reference).
- A stamp whose "current timeline" bit is clear was taken before the clock was last set: on an
  unsynchronised clock it cannot be placed on the gateway's timeline. PHG keeps the value and
  flags the time as faulty (:func:`time_fault`: the Observations reference a time-fault
  coincident time stamp) rather than dropping a measurement.
- ETS time sync source → MDCTimeSyncMethods: NTP 532226 NTPv4, GPS 532238, radio time signal
  532225 EBWW [Inf], cellular 532237 other mobile [Inf]; unknown, manual, atomic clock and not
  synchronised 532224 none (the IG's value set names no manual or atomic method).
"""

from __future__ import annotations

import datetime as dt
from typing import Final

from gateway.fhir import codes
from gateway.fhir.timeline import ClockKind, DeviceClock, Stamp, TickStamp, WallClockStamp
from profiles.elapsed_time import EPOCH, CurrentElapsedTime, ElapsedTime, TimeSyncSource

SYNC_METHODS: Final[dict[int, str]] = {
    TimeSyncSource.NETWORK_TIME_PROTOCOL: codes.MDC_TIME_SYNC_NTPV4,
    TimeSyncSource.GPS: "532238",
    TimeSyncSource.RADIO_TIME_SIGNAL: "532225",
    TimeSyncSource.CELLULAR_NETWORK: "532237",
}
_DAY: Final = dt.timedelta(days=1)
_UNSYNCHRONISED: Final = (TimeSyncSource.UNKNOWN, TimeSyncSource.NOT_SYNCHRONIZED)


def is_synchronised(t: ElapsedTime) -> bool:
    return t.sync_source not in _UNSYNCHRONISED


def stamp(t: ElapsedTime | None) -> Stamp | None:
    """The PHD stamp of an ETS time stamp (None when absent or beyond the year 9999).
    ValueError (a :class:`GhsMappingError` for observations) for an offset of a day or more."""
    if t is None:
        return None
    resolution = t.resolution.seconds
    if t.tick_counter:
        return TickStamp(t.value, resolution)
    try:
        wall = EPOCH + dt.timedelta(microseconds=int(t.seconds * 1_000_000))
    except OverflowError:
        return None
    offset = t.utc_offset()
    if offset is not None and abs(offset) >= _DAY:
        raise ValueError(f"TZ/DST offset {offset} is not a UTC offset")
    return WallClockStamp(wall, offset, resolution)


def device_clock(current: CurrentElapsedTime, read_at: dt.datetime) -> DeviceClock:
    """What the connection knows of a GHS device's clock, from its Current Elapsed Time."""
    t = current.time
    kind = ClockKind.TICK if t.tick_counter else ClockKind.UTC if t.utc else ClockKind.LOCAL
    sync = SYNC_METHODS.get(t.sync_source, codes.MDC_TIME_SYNC_NONE)
    return DeviceClock(
        read_at=read_at,
        device_now=stamp(t),
        kind=kind,
        synchronized=is_synchronised(t) and not current.clock_needs_to_be_set,
        current=True,
        sync_method=sync,
    )


def time_fault(t: ElapsedTime | None) -> str | None:
    """Why the stamp cannot be trusted on the current timeline, or None."""
    if t is None or t.current_timeline or is_synchronised(t):
        return None
    return "time stamp from before the device clock was last set"
