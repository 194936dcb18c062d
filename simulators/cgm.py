"""A simulated continuous glucose monitor (CGM Service 0x181F).

CGM Measurement (0x2AA7, notify), CGM Feature (0x2AA8, read), CGM Session Start Time (0x2AAA,
read + write), CGM Session Run Time (0x2AAB, read) and the Record Access Control Point (0x2A52,
write + indicate; :mod:`simulators.racp_server`, filter type 1 = time offset in minutes), plus
Device Information, Battery and Current Time. With ``--e2e-crc`` the feature bit is set and every
CGM value carries its E2E-CRC.

The session started ``5 * (records - 1)`` minutes before the simulator did; its memory holds
``--records`` readings, one every 5 minutes from time offset 0. When the central subscribes to
CGM Measurement, ``--live`` new readings are taken and notified, ``--live-interval`` seconds
apart (5 minutes of session time each), and stored too. RACP reports send each stored reading
as its own CGM Measurement notification (after the RACP success response with
``--response-first``, as bluetoothd can deliver them). The CGM Specific Ops Control Point
(start/stop session, calibration) is not simulated.

    python -m simulators.cgm --adapter hci1 --records 12 --live 2 --e2e-crc
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import sys
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from profiles import cgm
from profiles.date_time import DateTime, DstOffset
from profiles.errors import DecodeError
from simulators import bluez
from simulators.base import RACP, DeviceSimulator, Event, main
from simulators.options import option
from simulators.peripheral import INDICATE, NOTIFY, READ, WRITE, Characteristic, GattError, Service
from simulators.racp_server import RacpSupport, RecordStore, StoredRecord

MEASUREMENT = cgm.CGM_MEASUREMENT.uuid
FEATURE = cgm.CGM_FEATURE.uuid
SESSION_START = cgm.CGM_SESSION_START_TIME.uuid
SESSION_RUN = cgm.CGM_SESSION_RUN_TIME.uuid
INTERVAL_MINUTES = 5
RUN_TIME_HOURS = 24 * 14
BASE_FEATURES = (
    cgm.CgmFeatureBits.LOW_BATTERY_DETECTION
    | cgm.CgmFeatureBits.SENSOR_MALFUNCTION_DETECTION
    | cgm.CgmFeatureBits.CGM_TREND_INFORMATION
    | cgm.CgmFeatureBits.CGM_QUALITY
)


def features(e2e_crc: bool) -> cgm.CgmFeature:
    bits = BASE_FEATURES | (cgm.CgmFeatureBits.E2E_CRC if e2e_crc else cgm.CgmFeatureBits(0))
    return cgm.CgmFeature(
        bits, cgm.CgmType.INTERSTITIAL_FLUID, cgm.CgmSampleLocation.SUBCUTANEOUS_TISSUE
    )


def generate_reading(
    rng: random.Random, time_offset: int, e2e_crc: bool
) -> cgm.CgmMeasurementRecord:
    low_battery = rng.random() < 0.1
    return cgm.CgmMeasurementRecord(
        glucose_mg_per_dl=Decimal(rng.randint(60, 250)),
        time_offset_minutes=time_offset,
        sensor_status=cgm.CgmSensorStatus.DEVICE_BATTERY_LOW
        if low_battery
        else cgm.CgmSensorStatus(0),
        annunciation_octets=cgm.CgmAnnunciationOctets.STATUS
        if low_battery
        else cgm.CgmAnnunciationOctets(0),
        trend_mg_per_dl_per_min=Decimal(rng.randint(-20, 20)).scaleb(-1),
        quality_percent=Decimal(rng.randint(80, 100)),
        e2e_crc=e2e_crc,
    )


def reading_record(reading: cgm.CgmMeasurementRecord) -> StoredRecord:
    value = cgm.encode_cgm_measurement(cgm.CgmMeasurement((reading,)))
    return StoredRecord(reading.time_offset_minutes, ((MEASUREMENT, value),))


def local_time_zone() -> int:
    """This machine's UTC offset in 15-minute units (the CGM time zone field)."""
    offset = dt.datetime.now().astimezone().utcoffset() or dt.timedelta(0)
    return int(offset.total_seconds() // 900)


def record_event(record: StoredRecord) -> Event:
    return {"time_offset": record.key, "value": record.values[0][1].hex()}


@dataclass(frozen=True)
class CgmOptions:
    e2e_crc: bool = option(False, "support and send E2E-CRCs")
    live: int = option(2, "readings notified after the central subscribes")
    live_interval: float = option(0.1, "seconds between live readings")
    response_first: bool = option(
        False,
        "send the RACP success response before the records (as bluetoothd can deliver them)",
    )


class CgmSimulator(DeviceSimulator):
    default_name: ClassVar[str] = "PHG-CGM"
    options_type: ClassVar[type[Any]] = CgmOptions
    model: ClassVar[str] = "CGM-SIM-1"
    appearance: ClassVar[int] = 0x0D40  # Continuous Glucose Monitor (generic)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = self.device_options(CgmOptions)
        self.e2e_crc = own.e2e_crc
        self.live = own.live
        self.live_interval = own.live_interval
        self.feature = features(self.e2e_crc)
        count = self.options.records
        start = self.clock.now() - dt.timedelta(minutes=INTERVAL_MINUTES * max(count - 1, 0))
        self.session_start = cgm.CgmSessionStartTime(
            DateTime.from_datetime(start), local_time_zone(), DstOffset.STANDARD_TIME, self.e2e_crc
        )
        self.store = RecordStore(
            reading_record(generate_reading(self.rng, i * INTERVAL_MINUTES, self.e2e_crc))
            for i in range(count)
        )
        self.racp = self.racp_server(
            self.store,
            RacpSupport(),  # filter type 1 (time offset) only
            response_first=own.response_first,
        )
        self._live_running = False

    def device_services(self) -> list[Service]:
        return [
            Service(
                bluez.uuid16(cgm.SERVICE_UUID16),
                [
                    Characteristic(MEASUREMENT, [NOTIFY], on_subscribe=self._on_subscribe),
                    Characteristic(FEATURE, [READ], cgm.encode_cgm_feature(self.feature)),
                    Characteristic(
                        SESSION_START,
                        [READ, WRITE],
                        on_read=lambda: cgm.encode_cgm_session_start_time(self.session_start),
                        on_write=self._write_session_start,
                    ),
                    Characteristic(
                        SESSION_RUN,
                        [READ],
                        cgm.encode_cgm_session_run_time(
                            cgm.CgmSessionRunTime(RUN_TIME_HOURS, self.e2e_crc)
                        ),
                    ),
                    Characteristic(RACP, [WRITE, INDICATE], on_write=self.racp.on_write),
                ],
            )
        ]

    def ready_details(self) -> Event:
        return {
            "records": [record_event(r) for r in self.store.records],
            "features": cgm.encode_cgm_feature(self.feature).hex(),
            "session_start": cgm.encode_cgm_session_start_time(self.session_start).hex(),
        }

    def _write_session_start(self, value: bytes) -> None:
        try:
            written = cgm.decode_cgm_session_start_time(value, e2e_crc=self.e2e_crc)
        except DecodeError as e:
            raise GattError(bluez.ERROR_FAILED, str(e)) from e
        self.session_start = written
        self.emit({"event": "session-start-written", "value": value.hex()})

    def _on_subscribe(self, subscribed: bool) -> None:
        self.on_subscribe(MEASUREMENT)(subscribed)
        if subscribed and self.live and not self._live_running:
            self._live_running = True
            self.spawn(self._live_readings())

    async def _live_readings(self) -> None:
        try:
            await self.send_live(MEASUREMENT, self._new_readings())
        finally:
            self._live_running = False

    async def _new_readings(self) -> AsyncIterator[bytes]:
        """A reading every ``live_interval`` seconds, each one stored too (RACP sees it)."""
        for _ in range(self.live):
            await asyncio.sleep(self.live_interval)
            last = max((r.key for r in self.store.records), default=-INTERVAL_MINUTES)
            offset = last + INTERVAL_MINUTES
            record = reading_record(generate_reading(self.rng, offset, self.e2e_crc))
            self.store.add(record)
            yield record.values[0][1]


def run(argv: Sequence[str] | None = None) -> int:
    return main(CgmSimulator, argv)


if __name__ == "__main__":
    sys.exit(run())
