"""A simulated pulse oximeter (Pulse Oximeter Service 0x1822).

PLX Spot-check Measurement (0x2A5E, indicate), PLX Continuous Measurement (0x2A5F, notify), PLX
Features (0x2A60, read) and the Record Access Control Point (0x2A52, write + indicate) over the
stored spot-checks (:mod:`simulators.racp_server`; as the Pulse Oximeter Service specifies, only
the "all records" operator: every other one is answered "operator not supported"), plus Device
Information, Battery and Current Time.

When the central subscribes to spot-checks, ``--spot-checks`` new spot-checks are indicated,
each after the previous one was confirmed; when it subscribes to continuous measurements,
``--continuous`` values are notified ``--interval`` seconds apart. ``--records`` stored
spot-checks (time-stamped, flagged "data from measurement storage") are reported through RACP as
spot-check indications. Live spot-checks are not added to the storage.

    python -m simulators.pulse_oximeter --adapter hci1 --records 3 --spot-checks 1 --continuous 5
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import sys
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from profiles import pulse_oximeter as plx
from profiles.date_time import DateTime
from profiles.racp import RacpOperator
from simulators import bluez
from simulators.base import RACP, DeviceSimulator, Event, main
from simulators.options import option
from simulators.peripheral import INDICATE, NOTIFY, READ, WRITE, Characteristic, Service
from simulators.racp_server import RacpSupport, RecordStore, StoredRecord

SPOT_CHECK = plx.PLX_SPOT_CHECK_MEASUREMENT.uuid
CONTINUOUS = plx.PLX_CONTINUOUS_MEASUREMENT.uuid
FEATURES_UUID = plx.PLX_FEATURES.uuid
STORED_INTERVAL = dt.timedelta(hours=8)
SUPPORT = RacpSupport(operators=frozenset((RacpOperator.ALL_RECORDS,)), filter_types=frozenset())

FEATURES = plx.PlxFeatures(
    plx.PlxSupportedFeatures.MEASUREMENT_STATUS_SUPPORT_PRESENT
    | plx.PlxSupportedFeatures.SPOT_CHECK_MEASUREMENT_STORAGE
    | plx.PlxSupportedFeatures.SPOT_CHECK_TIMESTAMP
    | plx.PlxSupportedFeatures.SPO2PR_FAST
    | plx.PlxSupportedFeatures.PULSE_AMPLITUDE_INDEX,
    measurement_status_support=plx.PlxMeasurementStatus.MEASUREMENT_ONGOING
    | plx.PlxMeasurementStatus.DATA_FROM_MEASUREMENT_STORAGE
    | plx.PlxMeasurementStatus.VALIDATED_DATA,
)


def _spo2(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(88, 100))


def _pulse(rng: random.Random) -> Decimal:
    return Decimal(rng.randint(50, 120))


def generate_spot_check(
    rng: random.Random, taken: dt.datetime, stored: bool
) -> plx.PlxSpotCheckMeasurement:
    status = plx.PlxMeasurementStatus.VALIDATED_DATA
    if stored:
        status |= plx.PlxMeasurementStatus.DATA_FROM_MEASUREMENT_STORAGE
    return plx.PlxSpotCheckMeasurement(
        spo2=_spo2(rng),
        pulse_rate=_pulse(rng),
        timestamp=DateTime.from_datetime(taken),
        measurement_status=status,
        pulse_amplitude_index=Decimal(rng.randint(5, 200)).scaleb(-1),
    )


def generate_continuous(rng: random.Random) -> plx.PlxContinuousMeasurement:
    spo2, pulse = _spo2(rng), _pulse(rng)
    return plx.PlxContinuousMeasurement(
        normal=plx.SpO2PR(spo2, pulse),
        fast=plx.SpO2PR(spo2 + rng.randint(-1, 0), pulse + rng.randint(-3, 3)),
        measurement_status=plx.PlxMeasurementStatus.MEASUREMENT_ONGOING,
        pulse_amplitude_index=Decimal(rng.randint(5, 200)).scaleb(-1),
    )


@dataclass(frozen=True)
class PulseOximeterOptions:
    spot_checks: int = option(1, "spot-checks indicated on subscription")
    continuous: int = option(3, "continuous values notified on subscription")
    interval: float = option(0.05, "seconds between continuous values")


class PulseOximeterSimulator(DeviceSimulator):
    default_name: ClassVar[str] = "PHG-PLX"
    options_type: ClassVar[type[Any]] = PulseOximeterOptions
    model: ClassVar[str] = "PLX-SIM-1"
    appearance: ClassVar[int] = 0x0C41  # Pulse Oximeter: Fingertip

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = self.device_options(PulseOximeterOptions)
        self.spot_checks = own.spot_checks
        self.continuous = own.continuous
        self.interval = own.interval
        count = self.options.records
        newest = self.clock.now() - dt.timedelta(minutes=5)
        self.store = RecordStore(
            StoredRecord(
                i,
                (
                    (
                        SPOT_CHECK,
                        plx.encode_plx_spot_check_measurement(
                            generate_spot_check(
                                self.rng, newest - (count - 1 - i) * STORED_INTERVAL, True
                            )
                        ),
                    ),
                ),
            )
            for i in range(count)
        )
        self.racp = self.racp_server(self.store, SUPPORT)
        self._running: set[str] = set()

    def device_services(self) -> list[Service]:
        return [
            Service(
                bluez.uuid16(plx.SERVICE_UUID16),
                [
                    Characteristic(
                        SPOT_CHECK, [INDICATE], on_subscribe=self._subscriber(SPOT_CHECK)
                    ),
                    Characteristic(CONTINUOUS, [NOTIFY], on_subscribe=self._subscriber(CONTINUOUS)),
                    Characteristic(FEATURES_UUID, [READ], plx.encode_plx_features(FEATURES)),
                    Characteristic(RACP, [WRITE, INDICATE], on_write=self.racp.on_write),
                ],
            )
        ]

    def ready_details(self) -> Event:
        return {
            "records": [r.values[0][1].hex() for r in self.store.records],
            "features": plx.encode_plx_features(FEATURES).hex(),
        }

    def _subscriber(self, uuid: str) -> Callable[[bool], None]:
        def handler(subscribed: bool) -> None:
            self.on_subscribe(uuid)(subscribed)
            if subscribed and uuid not in self._running:
                self._running.add(uuid)
                self.spawn(self._live(uuid))

        return handler

    async def _live(self, uuid: str) -> None:
        values = self._spot_checks() if uuid == SPOT_CHECK else self._continuous()
        try:
            await self.send_live(uuid, values, {"uuid": uuid})
        finally:
            self._running.discard(uuid)

    async def _spot_checks(self) -> AsyncIterator[bytes]:
        for _ in range(self.spot_checks):
            m = generate_spot_check(self.rng, self.clock.now(), False)
            yield plx.encode_plx_spot_check_measurement(m)

    async def _continuous(self) -> AsyncIterator[bytes]:
        for _ in range(self.continuous):
            await asyncio.sleep(self.interval)
            yield plx.encode_plx_continuous_measurement(generate_continuous(self.rng))


def run(argv: Sequence[str] | None = None) -> int:
    return main(PulseOximeterSimulator, argv)


if __name__ == "__main__":
    sys.exit(run())
