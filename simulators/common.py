"""GATT services every simulated health device shares: Device Information, Battery and
Current Time, plus the device's own clock (which may be off by a configured offset)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from typing import Final

from profiles import battery, date_time
from profiles.device_information import SYSTEM_ID_SIZE, DeviceInformation
from profiles.errors import DecodeError
from simulators import bluez
from simulators.peripheral import READ, WRITE, Characteristic, GattError, Service

DEVICE_INFORMATION_UUID16 = 0x180A
CURRENT_TIME_SERVICE_UUID16 = 0x1805
SIMULATOR_OUI: Final = bytes.fromhex("025048")
"""The OUI of simulated System IDs: locally administered (bit 0x02 of the first octet), so it
can never be a real manufacturer's; 50 48 is "PH"."""


def system_id_for(*identity: object) -> bytes:
    """A simulated device's own System ID value, as sent on air (little-endian: the 40-bit
    manufacturer-defined identifier, then :data:`SIMULATOR_OUI`), derived from what makes the
    device itself (its model, seed and name): each simulated device gets its own, so a FHIR
    server shows one Device per simulated device, and the same device keeps it across runs."""
    text = "|".join(str(part) for part in identity)
    device_part = hashlib.sha256(text.encode()).digest()[:5]
    return bytes(reversed(SIMULATOR_OUI + device_part))


CURRENT_TIME_UUID16 = 0x2A2B


MANUFACTURER: Final = "PHG Simulators"
FIRMWARE: Final = "1.0.0"


def device_information(model: str, serial: str, system_id: bytes) -> DeviceInformation:
    """A simulated device's facts (:class:`profiles.device_information.DeviceInformation`)."""
    if len(system_id) != SYSTEM_ID_SIZE:
        raise ValueError("System ID is 8 bytes (manufacturer id + OUI)")
    return DeviceInformation(
        manufacturer=MANUFACTURER,
        model=model,
        serial_number=serial,
        firmware_revision=FIRMWARE,
        system_id=system_id,
    )


def device_information_service(info: DeviceInformation) -> Service:
    """The Device Information Service serving ``info``, encoded by the DIS codecs."""
    return Service(
        bluez.uuid16(DEVICE_INFORMATION_UUID16),
        [
            Characteristic(bluez.uuid16(uuid16), [READ], value)
            for uuid16, value in info.values().items()
        ],
    )


def battery_service(level: battery.BatteryLevel) -> Service:
    return Service(
        bluez.uuid16(battery.SERVICE_UUID16),
        [
            Characteristic(
                bluez.uuid16(battery.BATTERY_LEVEL.uuid16),
                [READ],
                battery.encode_battery_level(level),
            )
        ],
    )


class DeviceClock:
    """The device's wall clock: local time plus ``offset`` (a device whose clock is wrong)."""

    def __init__(self, offset: dt.timedelta = dt.timedelta(0)) -> None:
        self.offset = offset

    def now(self) -> dt.datetime:
        return dt.datetime.now().replace(microsecond=0) + self.offset

    def set(self, value: dt.datetime) -> None:
        self.offset = value - dt.datetime.now().replace(microsecond=0)


def current_time_bytes(clock: DeviceClock) -> bytes:
    now = clock.now()
    return date_time.encode_current_time(
        date_time.CurrentTime(
            date_time.DateTime.from_datetime(now),
            date_time.DayOfWeek(now.isoweekday()),
            0,
            date_time.AdjustReason(0),
        )
    )


def current_time_service(
    clock: DeviceClock,
    accept_write: Callable[[], bool] | None = None,
    on_written: Callable[[], None] | None = None,
) -> Service:
    """Current Time Service (0x1805) with Current Time (0x2A2B) readable and writable
    (``accept_write`` False refuses a write with Write Not Permitted)."""

    def on_write(value: bytes) -> None:
        if accept_write is not None and not accept_write():
            raise GattError(bluez.ERROR_NOT_PERMITTED, "clock write refused")
        try:
            written = date_time.decode_current_time(value).date_time.to_datetime()
        except DecodeError as e:
            raise GattError(bluez.ERROR_FAILED, str(e)) from e
        if written is None:
            raise GattError(bluez.ERROR_FAILED, "date unknown")
        clock.set(written)
        if on_written is not None:
            on_written()

    return Service(
        bluez.uuid16(CURRENT_TIME_SERVICE_UUID16),
        [
            Characteristic(
                bluez.uuid16(date_time.CURRENT_TIME.uuid16),
                [READ, WRITE],
                on_read=lambda: current_time_bytes(clock),
                on_write=on_write,
            )
        ],
    )
