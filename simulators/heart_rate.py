"""A simulated heart rate sensor (Heart Rate Service 0x180D).

Heart Rate Measurement (0x2A37, notify) with sensor contact, RR-intervals and, every
``--energy-every`` measurements, the energy expended; Body Sensor Location (0x2A38, read); Heart
Rate Control Point (0x2A39, write: 0x01 resets the energy expended, anything else is refused
with "Control Point value not supported"), plus Device Information, Battery and Current Time.
When the central subscribes it streams ``--records`` measurements, one every ``--interval``
seconds (``--interval 0``: a burst, as fast as the link takes them). A sensor has no stored
records: each connection gets a fresh stream.

    python -m simulators.heart_rate --adapter hci1 --records 60 --interval 1 --location chest
"""

from __future__ import annotations

import asyncio
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from profiles import heart_rate as hrs
from simulators import bluez
from simulators.base import DeviceSimulator, Event, main
from simulators.options import option
from simulators.peripheral import NOTIFY, READ, WRITE, Characteristic, GattError, Service

CONTROL_POINT_UUID16 = 0x2A39
RESET_ENERGY_EXPENDED = 0x01
ERROR_CONTROL_POINT_NOT_SUPPORTED = "org.bluez.Error.ControlPointValueNotSupported"
ENERGY_MAX = 0xFFFF
LOCATIONS = {loc.name.lower().replace("_", "-"): loc for loc in hrs.BodySensorLocation}


class HeartRateStream:
    """Plausible measurements: a wandering heart rate, RR-intervals that add up to the time
    between measurements, energy expended growing with the beats (held at 65535)."""

    def __init__(self, rng: random.Random, *, uint16: bool = False, energy_every: int = 10) -> None:
        self.rng = rng
        self.bpm = rng.randint(60, 90)
        self.uint16 = uint16
        self.energy_every = energy_every
        self.energy_kj = 0
        self.count = 0

    def reset_energy(self) -> None:
        self.energy_kj = 0

    def next(self) -> hrs.HeartRateMeasurement:
        self.bpm = max(40, min(200, self.bpm + self.rng.randint(-3, 3)))
        rr = tuple(
            (
                Decimal(round(60 * 1024 / (self.bpm + self.rng.randint(-2, 2))))
                * hrs.RR_INTERVAL_STEP
            )
            for _ in range(self.rng.randint(1, 2))
        )
        self.energy_kj = min(ENERGY_MAX, self.energy_kj + self.rng.randint(0, 2))
        with_energy = self.energy_every > 0 and self.count % self.energy_every == 0
        self.count += 1
        return hrs.HeartRateMeasurement(
            heart_rate=self.bpm,
            value_format=hrs.HeartRateValueFormat.UINT16
            if self.uint16
            else hrs.HeartRateValueFormat.UINT8,
            sensor_contact=hrs.SensorContact.DETECTED,
            energy_expended=self.energy_kj if with_energy else None,
            rr_intervals=rr,
        )


@dataclass(frozen=True)
class HeartRateOptions:
    location: hrs.BodySensorLocation = option(
        hrs.BodySensorLocation.CHEST, "body sensor location", choices=LOCATIONS
    )
    interval: float = option(1.0, "time between measurements (0 = a burst)", metavar="SECONDS")
    energy_every: int = option(
        10, "include the energy expended in every Nth measurement (0 = never)", metavar="N"
    )
    uint16: bool = option(False, "send the heart rate as uint16")

    def __post_init__(self) -> None:
        if self.interval < 0 or self.energy_every < 0:
            raise ValueError("--interval and --energy-every must not be negative")


class HeartRateSimulator(DeviceSimulator):
    default_name: ClassVar[str] = "PHG-HR"
    options_type: ClassVar[type[Any]] = HeartRateOptions
    fault_flags: ClassVar[bool] = True
    model: ClassVar[str] = "HR-SIM-1"
    appearance: ClassVar[int] = 0x0341  # Heart Rate Sensor: Belt

    MEASUREMENT = hrs.HEART_RATE_MEASUREMENT.uuid
    LOCATION = hrs.BODY_SENSOR_LOCATION.uuid
    CONTROL_POINT = bluez.uuid16(CONTROL_POINT_UUID16)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = self.device_options(HeartRateOptions)
        self.location = own.location
        self.interval = own.interval
        self.stream = HeartRateStream(self.rng, uint16=own.uint16, energy_every=own.energy_every)
        self._streaming = False

    def device_services(self) -> list[Service]:
        return [
            Service(
                bluez.uuid16(hrs.SERVICE_UUID16),
                [
                    Characteristic(
                        self.MEASUREMENT, [NOTIFY], on_subscribe=self._on_measurement_subscribe
                    ),
                    Characteristic(
                        self.LOCATION,
                        [READ],
                        hrs.encode_body_sensor_location(hrs.BodySensorLocationValue(self.location)),
                    ),
                    Characteristic(self.CONTROL_POINT, [WRITE], on_write=self._on_control_point),
                ],
            )
        ]

    def ready_details(self) -> Event:
        return {"location": int(self.location), "interval": self.interval}

    def _on_control_point(self, value: bytes) -> None:
        if value != bytes((RESET_ENERGY_EXPENDED,)):
            raise GattError(ERROR_CONTROL_POINT_NOT_SUPPORTED, "Control Point value not supported")
        self.stream.reset_energy()
        self.emit({"event": "energy-reset"})

    def _on_measurement_subscribe(self, subscribed: bool) -> None:
        self.on_subscribe(self.MEASUREMENT)(subscribed)
        if subscribed and not self._streaming:
            self._streaming = True
            self.spawn(self._stream())

    async def _stream(self) -> None:
        sent = 0
        try:
            first = hrs.encode_heart_rate_measurement(self.stream.next())
            await self.send_malformed(self.MEASUREMENT, first)
            value = first
            for i in range(self.options.records):
                if i:
                    value = hrs.encode_heart_rate_measurement(self.stream.next())
                    if self.interval > 0:
                        await asyncio.sleep(self.interval)
                await self.send(self.MEASUREMENT, value)
                sent += 1
        except ConnectionError as e:
            self.emit({"event": "transfer-aborted", "error": repr(e)})
            return
        finally:
            self._streaming = False
        self.emit({"event": "transfer-complete", "count": sent})
        await self.disconnect_after_transfer()


def run(argv: Sequence[str] | None = None) -> int:
    return main(HeartRateSimulator, argv)


if __name__ == "__main__":
    sys.exit(run())
