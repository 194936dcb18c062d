"""What the BLE layer learnt about a connection, in the terms of the FHIR mapping (pure):
:class:`~gateway.fhir.device_info.PhdDeviceInfo` from the Device Information Service and the
address, and the :class:`~gateway.fhir.timeline.DeviceClock` a measurement's stamp is read
against.

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

import enum

from gateway.ble.events import ClockReading, ConnectionFacts, MeasurementEvent
from gateway.fhir.device_info import PhdDeviceInfo
from gateway.fhir.identifiers import parse_hex_bytes
from gateway.fhir.timeline import DeviceClock, WallClockStamp


class ClockEra(enum.Enum):
    """Which device clock a measurement's stamp belongs to."""

    AS_READ = "as-read"
    AS_SET = "as-set"


def phd_info(facts: ConnectionFacts, may_set_clock: bool) -> PhdDeviceInfo:
    dis = facts.device_information
    has_clock = facts.clock is not None
    return PhdDeviceInfo(
        manufacturer=dis.manufacturer,
        model=dis.model,
        serial=dis.serial_number,
        hardware_version=dis.hardware_revision,
        software_version=dis.software_revision,
        firmware_version=dis.firmware_revision,
        system_id=dis.system_id,
        bluetooth_address=parse_hex_bytes(facts.address, 6, "address"),
        real_time_clock=True if has_clock else None,
        set_clock=may_set_clock if has_clock else None,
    )


def era_of(event: MeasurementEvent) -> ClockEra:
    clock = event.connection.clock
    if clock is None or clock.set_to is None or event.stored:
        return ClockEra.AS_READ
    return ClockEra.AS_SET if event.received_at >= clock.set_to else ClockEra.AS_READ


def device_clock(reading: ClockReading | None, era: ClockEra) -> DeviceClock | None:
    """The PHD clock for stamps of ``era``; None when the clock was not read (the mapping then
    treats stamps as a time fault anchored at reception)."""
    if reading is None:
        return None
    if era is ClockEra.AS_SET and reading.set_to is not None:
        return DeviceClock(
            read_at=reading.set_to, device_now=WallClockStamp(reading.set_to.replace(tzinfo=None))
        )
    if reading.device_time is None:
        return DeviceClock(read_at=reading.gateway_time)
    return DeviceClock(read_at=reading.gateway_time, device_now=WallClockStamp(reading.device_time))
