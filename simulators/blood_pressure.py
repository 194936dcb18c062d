"""A simulated blood pressure monitor (Blood Pressure Service 0x1810).

Blood Pressure Measurement (0x2A35, indicate), Intermediate Cuff Pressure (0x2A36, notify) and
Blood Pressure Feature (0x2A49, read), plus Device Information, Battery and Current Time. When
the central subscribes to measurements it sends its stored records, each one after the previous
one was confirmed; if Intermediate Cuff Pressure is subscribed too it first sends a deflation
ramp. Records are encoded with ``profiles.blood_pressure``.

    python -m simulators.blood_pressure --adapter hci1 --records 3 --seed 7 --disconnect-after 0.2
"""

from __future__ import annotations

import datetime as dt
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from profiles import blood_pressure as bp
from profiles.date_time import DateTime
from simulators import bluez
from simulators.base import DeviceSimulator, Event, main
from simulators.options import option
from simulators.peripheral import READ, Characteristic, Service

FEATURES = (
    bp.BloodPressureFeature.BODY_MOVEMENT_DETECTION
    | bp.BloodPressureFeature.CUFF_FIT_DETECTION
    | bp.BloodPressureFeature.IRREGULAR_PULSE_DETECTION
)
RECORD_INTERVAL = dt.timedelta(hours=12)
USER_ID = 1


def generate_measurements(
    rng: random.Random, count: int, newest: dt.datetime
) -> list[bp.BloodPressureMeasurement]:
    """``count`` plausible stored measurements, oldest first, the newest taken at ``newest``."""
    records = []
    for i in range(count):
        systolic = rng.randint(100, 165)
        diastolic = rng.randint(60, min(105, systolic - 25))
        mean = round(diastolic + (systolic - diastolic) / 3)
        irregular = rng.random() < 0.2
        taken = newest - (count - 1 - i) * RECORD_INTERVAL
        records.append(
            bp.BloodPressureMeasurement(
                systolic=Decimal(systolic),
                diastolic=Decimal(diastolic),
                mean_arterial_pressure=Decimal(mean),
                timestamp=DateTime.from_datetime(taken),
                pulse_rate=Decimal(rng.randint(52, 105)),
                user_id=USER_ID,
                status=bp.BloodPressureMeasurementStatus(irregular_pulse_detected=irregular),
            )
        )
    return records


def cuff_ramp(measurement: bp.BloodPressureMeasurement, steps: int) -> list[bytes]:
    """Intermediate Cuff Pressure values deflating from above systolic to below diastolic."""
    assert isinstance(measurement.systolic, Decimal)
    assert isinstance(measurement.diastolic, Decimal)
    top = measurement.systolic + 20
    bottom = measurement.diastolic - 10
    values = []
    for i in range(steps):
        pressure = top - (top - bottom) * i // max(steps - 1, 1)
        values.append(
            bp.encode_intermediate_cuff_pressure(
                bp.IntermediateCuffPressure(cuff_pressure=Decimal(int(pressure)))
            )
        )
    return values


@dataclass(frozen=True)
class BloodPressureOptions:
    cuff_steps: int = option(
        0, "Intermediate Cuff Pressure notifications before the records (if subscribed)"
    )


class BloodPressureSimulator(DeviceSimulator):
    default_name: ClassVar[str] = "PHG-BP"
    options_type: ClassVar[type[Any]] = BloodPressureOptions
    model: ClassVar[str] = "BP-SIM-1"
    appearance: ClassVar[int] = 0x0381  # Blood Pressure: Arm

    MEASUREMENT = bp.BLOOD_PRESSURE_MEASUREMENT.uuid
    CUFF_PRESSURE = bp.INTERMEDIATE_CUFF_PRESSURE.uuid
    FEATURE = bp.BLOOD_PRESSURE_FEATURE.uuid

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.records = generate_measurements(self.rng, self.options.records, self.clock.now())
        self.cuff_steps = self.device_options(BloodPressureOptions).cuff_steps

    def device_services(self) -> list[Service]:
        return [
            Service(
                bluez.uuid16(bp.SERVICE_UUID16),
                [
                    self.stored_records(
                        self.MEASUREMENT,
                        self.records,
                        bp.encode_blood_pressure_measurement,
                        self._cuff_ramp,
                    ),
                    self.notified(self.CUFF_PRESSURE),
                    Characteristic(
                        self.FEATURE, [READ], bp.encode_blood_pressure_feature(FEATURES)
                    ),
                ],
            )
        ]

    def ready_details(self) -> Event:
        return {
            "records": [bp.encode_blood_pressure_measurement(m).hex() for m in self.records],
            "features": int(FEATURES),
        }

    async def _cuff_ramp(self) -> None:
        """The cuff pressure rising to the newest record's, if the central subscribed to it."""
        if self.records and self.cuff_steps:
            ramp = cuff_ramp(self.records[-1], self.cuff_steps)
            await self.send_if_subscribed(self.CUFF_PRESSURE, ramp)


def run(argv: Sequence[str] | None = None) -> int:
    return main(BloodPressureSimulator, argv)


if __name__ == "__main__":
    sys.exit(run())
