"""Device clock: compare the Current Time read from a device with the gateway clock, and
decide whether to set it (pure; the session does the I/O)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass

from profiles.date_time import AdjustReason, CurrentTime, DateTime, DayOfWeek
from profiles.elapsed_time import ClockStatus, CurrentElapsedTime, TimeSyncSource

GATEWAY_SYNC_SOURCE = TimeSyncSource.NETWORK_TIME_PROTOCOL
"""The time sync source the gateway writes with an Elapsed Time Service clock: the time comes
from the gateway's clock, which PHG takes to be NTP-synchronised
(:mod:`gateway.fhir.timeline`)."""


class ClockSync(enum.Enum):
    NEVER = "never"
    """Only read the device clock (default: the device's clock is the user's business)."""
    WHEN_OFF = "when-off"
    """Set it when it is off by more than the policy's threshold (or unknown)."""
    ALWAYS = "always"


@dataclass(frozen=True, slots=True)
class ClockPolicy:
    sync: ClockSync = ClockSync.NEVER
    threshold: dt.timedelta = dt.timedelta(minutes=1)


def device_offset(device: CurrentTime, gateway_local: dt.datetime) -> dt.timedelta | None:
    """Device wall clock minus the gateway's local wall clock; None when the device's date is
    unknown. Fractions of a second are included."""
    device_dt = device.date_time.to_datetime()
    if device_dt is None:
        return None
    device_dt += dt.timedelta(seconds=device.fractions256 / 256)
    return device_dt - gateway_local.replace(tzinfo=None)


def should_set(
    policy: ClockPolicy, offset: dt.timedelta | None, quirk_min_offset: dt.timedelta | None
) -> bool:
    """Whether to write the clock. A quirk's minimum offset (a device that refuses small
    corrections) overrides the policy threshold upwards; an unknown device time counts as off."""
    if policy.sync is ClockSync.NEVER:
        return False
    threshold = dt.timedelta(0) if policy.sync is ClockSync.ALWAYS else policy.threshold
    if quirk_min_offset is not None:
        threshold = max(threshold, quirk_min_offset)
    if offset is None:
        return True
    return abs(offset) > threshold


def current_time_value(gateway_local: dt.datetime) -> CurrentTime:
    """The Current Time to write for the gateway's local wall-clock time."""
    return CurrentTime(
        DateTime.from_datetime(gateway_local),
        DayOfWeek(gateway_local.isoweekday()),
        gateway_local.microsecond * 256 // 1_000_000,
        AdjustReason.EXTERNAL_REFERENCE_TIME_UPDATE,
    )


def elapsed_offset(device: CurrentElapsedTime, gateway_local: dt.datetime) -> dt.timedelta | None:
    """An Elapsed Time Service clock minus the gateway clock: the true difference for a UTC
    clock or one with a TZ/DST offset, wall clock against the gateway's local wall clock for a
    local one; None for a tick counter (no time of day)."""
    device_dt = device.time.to_datetime()
    if device_dt is None:
        return None
    if device_dt.tzinfo is None:
        return device_dt - gateway_local.replace(tzinfo=None)
    return device_dt - gateway_local


def elapsed_time_value(read: CurrentElapsedTime, gateway_local: dt.datetime) -> CurrentElapsedTime:
    """The Current Elapsed Time to write for the gateway's (aware) local time: in the format
    the device reported (a device may refuse another), clock status cleared, the
    capabilities as read. EncodeError for a tick counter (it cannot be set) or a time the
    format cannot hold."""
    time = read.time.set_to(gateway_local, GATEWAY_SYNC_SOURCE)
    return CurrentElapsedTime(time, ClockStatus(0), read.clock_capabilities)
