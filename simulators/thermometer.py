"""A simulated health thermometer (Health Thermometer Service 0x1809).

Temperature Measurement (0x2A1C, indicate), Temperature Type (0x2A1D, read: the fixed
measurement site, so measurements carry no type field, as HTS requires when the characteristic
exists) and Intermediate Temperature (0x2A1E, notify), plus Device Information, Battery and
Current Time. When the central subscribes to measurements the thermometer sends its stored
readings, each after the previous one was confirmed; if Intermediate Temperature is subscribed
too it first sends ``--intermediate-steps`` rising readings (the reading in progress).

    python -m simulators.thermometer --adapter hci1 --records 3 --site ear --fahrenheit
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from profiles import health_thermometer as hts
from profiles.date_time import DateTime
from profiles.units import TemperatureUnit
from simulators import bluez
from simulators.base import DeviceSimulator, Event, main
from simulators.options import option
from simulators.peripheral import READ, Characteristic, Service

RECORD_INTERVAL = dt.timedelta(hours=8)
SITES = {t.name.lower().replace("_", "-"): t for t in hts.TemperatureType}


def to_unit(celsius: Decimal, unit: TemperatureUnit) -> Decimal:
    """A Celsius reading in ``unit``, to one decimal (as thermometers show it)."""
    value = celsius if unit is TemperatureUnit.CELSIUS else celsius * 9 / 5 + 32
    return value.quantize(Decimal("0.1"))


def generate_measurements(
    rng: random.Random, count: int, newest: dt.datetime, unit: TemperatureUnit
) -> list[hts.TemperatureMeasurement]:
    """``count`` plausible stored readings (35.8-39.5 °C), oldest first, newest at ``newest``."""
    return [
        hts.TemperatureMeasurement(
            temperature=to_unit(Decimal(rng.randint(358, 395)) / 10, unit),
            unit=unit,
            timestamp=DateTime.from_datetime(newest - (count - 1 - i) * RECORD_INTERVAL),
        )
        for i in range(count)
    ]


def rising_readings(
    final: hts.TemperatureMeasurement, steps: int
) -> list[hts.IntermediateTemperature]:
    """Intermediate readings climbing to ``final`` over ``steps`` values."""
    assert isinstance(final.temperature, Decimal)
    start = final.temperature - 3
    return [
        hts.IntermediateTemperature(
            temperature=(start + (final.temperature - start) * i / max(steps - 1, 1)).quantize(
                Decimal("0.1")
            ),
            unit=final.unit,
        )
        for i in range(steps)
    ]


@dataclass(frozen=True)
class ThermometerOptions:
    site: hts.TemperatureType = option(hts.TemperatureType.EAR, "measurement site", choices=SITES)
    fahrenheit: bool = option(False, "readings in °F (default °C)")
    intermediate_steps: int = option(
        0,
        "Intermediate Temperature notifications before the records (if subscribed)",
        metavar="N",
    )

    def __post_init__(self) -> None:
        if self.intermediate_steps < 0:
            raise ValueError("--intermediate-steps must not be negative")


class ThermometerSimulator(DeviceSimulator):
    default_name: ClassVar[str] = "PHG-THERMO"
    options_type: ClassVar[type[Any]] = ThermometerOptions
    fault_flags: ClassVar[bool] = True
    model: ClassVar[str] = "HT-SIM-1"
    appearance: ClassVar[int] = 0x0301  # Thermometer: Ear

    MEASUREMENT = hts.TEMPERATURE_MEASUREMENT.uuid
    INTERMEDIATE = hts.INTERMEDIATE_TEMPERATURE.uuid
    TYPE = hts.TEMPERATURE_TYPE.uuid

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = self.device_options(ThermometerOptions)
        self.site = own.site
        unit = TemperatureUnit.FAHRENHEIT if own.fahrenheit else TemperatureUnit.CELSIUS
        self.records = generate_measurements(self.rng, self.options.records, self.clock.now(), unit)
        self.intermediate_steps = own.intermediate_steps

    def device_services(self) -> list[Service]:
        return [
            Service(
                bluez.uuid16(hts.SERVICE_UUID16),
                [
                    self.stored_records(
                        self.MEASUREMENT,
                        self.records,
                        hts.encode_temperature_measurement,
                        self._before_records,
                    ),
                    Characteristic(
                        self.TYPE,
                        [READ],
                        hts.encode_temperature_type(hts.TemperatureTypeValue(self.site)),
                    ),
                    self.notified(self.INTERMEDIATE),
                ],
            )
        ]

    def ready_details(self) -> Event:
        return {
            "records": [hts.encode_temperature_measurement(m).hex() for m in self.records],
            "site": int(self.site),
        }

    async def _before_records(self) -> None:
        """The malformed values asked for, then the intermediate readings rising to the newest
        record's, if the central subscribed to them."""
        if not self.records:
            return
        await self.send_malformed(
            self.MEASUREMENT, hts.encode_temperature_measurement(self.records[0])
        )
        if self.intermediate_steps:
            readings = rising_readings(self.records[-1], self.intermediate_steps)
            values = (hts.encode_intermediate_temperature(r) for r in readings)
            await self.send_if_subscribed(self.INTERMEDIATE, values)


def run(argv: Sequence[str] | None = None) -> int:
    return main(ThermometerSimulator, argv)


if __name__ == "__main__":
    sys.exit(run())
