"""Which device clock a measurement's stamp is read against (pure): the
:class:`~gateway.fhir.timeline.DeviceClock` of a connection's clock era. (The PhdDevice facts of
a connection come from :func:`gateway.fhir.device_facts.phd_device_info`, the one converter.)

Clock choice. The session reads the device's Current Time when it connects and, if the policy
allows, sets it right after (``ClockReading.set_to``). Stamps taken before the write are on the
old clock, stamps taken after it on the new one, so:

- without a write, every measurement uses the clock reading;
- stored records (RACP) were taken before the connection: the reading *before* the write;
- live measurements received before the write (devices whose clock is set on the first
  notification): the reading before the write; received after it: the clock as written
  (device time = gateway time at ``set_to``).
"""

from __future__ import annotations

import datetime as dt
import enum

from gateway.ble.clock import elapsed_time_value
from gateway.ble.events import ClockReading, MeasurementEvent
from gateway.fhir.mappers import ghs_time
from gateway.fhir.timeline import DeviceClock, WallClockStamp


class ClockEra(enum.Enum):
    """Which device clock a measurement's stamp belongs to."""

    AS_READ = "as-read"
    AS_SET = "as-set"


def era_of(event: MeasurementEvent) -> ClockEra:
    return era_at(event.connection.clock, event.received_at, stored=event.stored)


def era_at(clock: ClockReading | None, received_at: dt.datetime, *, stored: bool) -> ClockEra:
    """The clock era of a value received at ``received_at`` (``stored``: an RACP record)."""
    if clock is None or clock.set_to is None or stored:
        return ClockEra.AS_READ
    return ClockEra.AS_SET if received_at >= clock.set_to else ClockEra.AS_READ


def device_clock(reading: ClockReading | None, era: ClockEra) -> DeviceClock | None:
    """The PHD clock for stamps of ``era``; None when the clock was not read (the mapping then
    treats stamps as a time fault anchored at reception). An Elapsed Time Service clock (a
    Generic Health Sensor) is what its Current Elapsed Time says (:func:`gateway.fhir.mappers.
    ghs_time.device_clock`); as set, it is the value the gateway wrote."""
    if reading is None:
        return None
    if reading.elapsed is not None:
        if era is ClockEra.AS_SET and reading.set_to is not None:
            written = elapsed_time_value(reading.elapsed, reading.set_to)
            return ghs_time.device_clock(written, reading.set_to)
        return ghs_time.device_clock(reading.elapsed, reading.gateway_time)
    if era is ClockEra.AS_SET and reading.set_to is not None:
        return DeviceClock(
            read_at=reading.set_to, device_now=WallClockStamp(reading.set_to.replace(tzinfo=None))
        )
    if reading.device_time is None:
        return DeviceClock(read_at=reading.gateway_time)
    return DeviceClock(read_at=reading.gateway_time, device_now=WallClockStamp(reading.device_time))
