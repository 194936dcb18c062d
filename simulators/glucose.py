"""A simulated glucose meter (Glucose Service 0x1808) with a record memory served over RACP.

Glucose Measurement (0x2A18, notify), Glucose Measurement Context (0x2A34, notify; sent after
the measurement for a seeded share of records), Glucose Feature (0x2A51, read) and the Record
Access Control Point (0x2A52, write + indicate; :mod:`simulators.racp_server`: every operation
and error response, filter type 1 = sequence number, 2 = user facing time), plus Device
Information, Battery and Current Time. Nothing is sent until the central asks through RACP, as
on a real meter; records stay in memory (sequence numbers ascending from ``--first-sequence``)
until RACP deletes them.

Behaviours a gateway must survive (all off by default):

- ``--clock-offset S`` / ``--clock-unset``: the device clock is off, or reset to 2000-01-01;
- ``--disconnect-after S``: the meter drops the link S seconds after a completed transfer;
- ``--drop-after K`` (``--drop-times T``): the meter drops the link after K records of a
  report, in the first T reports that get that far;
- ``--fail-after K``: the meter stops after K records of the first such report and answers
  "procedure not completed" (the link stays up);
- ``--malformed-every N``: every N-th Glucose Measurement value sent is corrupted (truncated);
- ``--pace S``: seconds between records (default 0: a burst);
- ``--add-records-per-connection M``: M new measurements are taken before every connection
  after the first (reported in a ``records-added`` event);
- ``--contour``: identifies as an Ascensia Contour and drops the link on "report all records"
  (the quirk ``gateway.ble.quirks`` works around by asking ">= 0");
- ``--indicate``: measurements and contexts are indications (each confirmed by the central)
  instead of notifications; a stack that queues indications apart from notifications
  (BlueZ's) then cannot let the RACP response overtake the last records;
- ``--response-first``: the RACP success response is indicated before the records, as a
  central receives them when the device's stack (bluetoothd's) sends a pending indication
  before queued notifications;
- ``--memory PATH``: the record memory lives in a JSON file, as a meter's flash does: a meter
  killed and restarted with the same file still has its records.

    python -m simulators.glucose --adapter hci1 --records 5 --seed 3 --drop-after 2
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
import random
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from profiles import glucose as gl
from profiles.date_time import DateTime
from profiles.racp import RacpFilterType, RacpOperator, RacpRequest
from simulators import bluez
from simulators.base import RACP, DeviceSimulator, Event, main
from simulators.options import flag_name, option
from simulators.peripheral import INDICATE, NOTIFY, READ, WRITE, Characteristic, Service
from simulators.racp_server import (
    RacpServer,
    RacpSupport,
    RecordStore,
    RecordTransferError,
    StoredRecord,
)

FEATURES = (
    gl.GlucoseFeature.LOW_BATTERY_DETECTION
    | gl.GlucoseFeature.SENSOR_MALFUNCTION_DETECTION
    | gl.GlucoseFeature.SENSOR_SAMPLE_SIZE
    | gl.GlucoseFeature.SENSOR_STRIP_INSERTION_ERROR_DETECTION
    | gl.GlucoseFeature.SENSOR_RESULT_HIGH_LOW_DETECTION
    | gl.GlucoseFeature.TIME_FAULT
)
RECORD_INTERVAL = dt.timedelta(hours=6)
UNSET_CLOCK = dt.datetime(2000, 1, 1)
CONTEXT_SHARE = 0.4
SUPPORT = RacpSupport(
    filter_types=frozenset(
        (int(RacpFilterType.SEQUENCE_NUMBER), int(RacpFilterType.USER_FACING_TIME))
    )
)

MEASUREMENT = gl.GLUCOSE_MEASUREMENT.uuid
CONTEXT = gl.GLUCOSE_MEASUREMENT_CONTEXT.uuid
FEATURE = gl.GLUCOSE_FEATURE.uuid


def _measurement(rng: random.Random, sequence: int, taken: dt.datetime) -> gl.GlucoseMeasurement:
    if rng.random() < 0.8:  # mg/dL as kg/L: 1 mg/dL = 1E-5 kg/L
        concentration = gl.GlucoseConcentration(
            Decimal(rng.randint(60, 260)).scaleb(-5),
            gl.GlucoseConcentrationUnit.KILOGRAM_PER_LITRE,
        )
    else:  # mmol/L as mol/L, one decimal: 5.8 mmol/L = 58E-4 mol/L
        concentration = gl.GlucoseConcentration(
            Decimal(rng.randint(35, 140)).scaleb(-4),
            gl.GlucoseConcentrationUnit.MOLE_PER_LITRE,
            gl.GlucoseType.CAPILLARY_PLASMA,
            gl.SampleLocation.ALTERNATE_SITE_TEST,
        )
    status = (
        gl.SensorStatusAnnunciation.DEVICE_BATTERY_LOW
        if rng.random() < 0.1
        else gl.SensorStatusAnnunciation(0)
    )
    # A meter whose user moved its clock (+60 min: summer time) after its base time was set:
    # the base time lags by the offset, and base time + offset is when the reading was taken.
    offset = rng.choice((None, 0, 60))
    return gl.GlucoseMeasurement(
        sequence_number=sequence,
        base_time=DateTime.from_datetime(taken - dt.timedelta(minutes=offset or 0)),
        time_offset_minutes=offset,
        concentration=concentration,
        sensor_status=status if status or rng.random() < 0.5 else None,
        context_information_follows=False,
    )


def _context(rng: random.Random, sequence: int) -> gl.GlucoseMeasurementContext:
    return gl.GlucoseMeasurementContext(
        sequence_number=sequence,
        carbohydrate=(
            gl.Carbohydrate(gl.CarbohydrateId.LUNCH, Decimal(rng.randint(20, 90)).scaleb(-3))
            if rng.random() < 0.5
            else None
        ),
        meal=rng.choice(list(gl.Meal)),
        tester_health=gl.TesterHealth(gl.Tester.SELF, gl.Health.NO_HEALTH_ISSUES),
        exercise=gl.Exercise(rng.randint(0, 3600), rng.randint(0, 100))
        if rng.random() < 0.3
        else None,
        hba1c_percent=Decimal(rng.randint(50, 90)).scaleb(-1) if rng.random() < 0.2 else None,
    )


def generate_record(rng: random.Random, sequence: int, taken: dt.datetime) -> StoredRecord:
    """One stored record: a measurement and, for a share of them, its context."""
    measurement = _measurement(rng, sequence, taken)
    values = []
    if rng.random() < CONTEXT_SHARE:
        context = _context(rng, sequence)
        measurement = gl.GlucoseMeasurement(
            measurement.sequence_number,
            measurement.base_time,
            measurement.time_offset_minutes,
            measurement.concentration,
            measurement.sensor_status,
            context_information_follows=True,
        )
        values.append((CONTEXT, gl.encode_glucose_measurement_context(context)))
    values.insert(0, (MEASUREMENT, gl.encode_glucose_measurement(measurement)))
    return record_from_values(tuple(values))


def record_from_values(values: tuple[tuple[str, bytes], ...]) -> StoredRecord:
    """The stored record of already encoded values (the measurement first)."""
    measurement = gl.decode_glucose_measurement(values[0][1])
    user_time = measurement.user_facing_time()
    return StoredRecord(
        measurement.sequence_number,
        values,
        DateTime.from_datetime(user_time) if user_time is not None else None,
    )


def generate_records(
    rng: random.Random, count: int, newest: dt.datetime, first_sequence: int = 1
) -> list[StoredRecord]:
    """``count`` records, oldest first, the newest taken at ``newest``."""
    return [
        generate_record(rng, first_sequence + i, newest - (count - 1 - i) * RECORD_INTERVAL)
        for i in range(count)
    ]


def record_event(record: StoredRecord) -> Event:
    return {
        "sequence": record.key,
        "values": [[uuid, value.hex()] for uuid, value in record.values],
    }


def corrupt(value: bytes) -> bytes:
    """A malformed Glucose Measurement: cut inside the base time (a decoder must refuse it)."""
    return value[:6]


@dataclass(frozen=True)
class GlucoseMeterOptions:
    first_sequence: int = option(1, "sequence number of the oldest record")
    clock_unset: bool = option(False, "device clock reset to 2000-01-01 00:00")
    drop_after: int | None = option(None, "drop the link after K records of a report", metavar="K")
    drop_times: int = option(1, "reports dropped", metavar="T")
    fail_after: int | None = option(None, "'procedure not completed' after K records", metavar="K")
    malformed_every: int | None = option(None, "corrupt every N-th measurement sent", metavar="N")
    pace: float = option(0.0, "seconds between records", metavar="S")
    add_records_per_connection: int = option(
        0, "new measurements taken before every connection after the first", metavar="M"
    )
    indicate: bool = option(
        False,
        "send measurements and contexts as indications (each confirmed) instead of notifications",
    )
    response_first: bool = option(
        False,
        "send the RACP success response before the records (as bluetoothd can deliver them)",
    )
    contour: bool = option(False, "Contour quirk: drop the link on 'report all'")
    memory: str | None = option(None, "keep the record memory in this JSON file", metavar="PATH")

    def __post_init__(self) -> None:
        for name in ("drop_after", "fail_after", "malformed_every"):
            value = getattr(self, name)
            if value is not None and value < (1 if name == "malformed_every" else 0):
                raise ValueError(f"{flag_name(name)} must not be {value}")


class GlucoseMeterSimulator(DeviceSimulator):
    default_name: ClassVar[str] = "PHG-GLUCOSE"
    options_type: ClassVar[type[Any]] = GlucoseMeterOptions
    model: ClassVar[str] = "GL-SIM-1"
    appearance: ClassVar[int] = 0x0400  # Generic Glucose Meter

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = self.device_options(GlucoseMeterOptions)
        if own.clock_unset:
            self.clock.set(UNSET_CLOCK)
        self.contour = own.contour
        if self.contour:
            self.info = dataclasses.replace(
                self.info, manufacturer="Ascensia Diabetes Care", model="Contour Next One"
            )
        self.drop_after = own.drop_after
        self.drops_left = own.drop_times
        self.fail_after = own.fail_after
        self.malformed_every = own.malformed_every
        self.pace = own.pace
        self.add_per_connection = own.add_records_per_connection
        self.first_sequence = own.first_sequence
        self.record_flag = INDICATE if own.indicate else NOTIFY
        self.memory: Path | None = Path(own.memory) if own.memory else None
        self.measurements_sent = 0
        self.connections = 0
        self.store = RecordStore(self._load() or self._generate())
        self._save()
        self.racp = RacpServer(
            self.store,
            self._send_record,
            self.indicate_racp,
            self.emit,
            SUPPORT,
            is_subscribed=self.racp_subscribed,
            before_report=self._before_report,
            on_change=self._save,
            after_report=self.disconnect_after_transfer,
            response_first=own.response_first,
        )

    # -- memory ----------------------------------------------------------------------------

    def _generate(self) -> list[StoredRecord]:
        return generate_records(
            self.rng, self.options.records, self.clock.now(), self.first_sequence
        )

    def _load(self) -> list[StoredRecord] | None:
        if self.memory is None or not self.memory.exists():
            return None
        data = json.loads(self.memory.read_text(encoding="utf-8"))
        return [
            record_from_values(tuple((uuid, bytes.fromhex(value)) for uuid, value in values))
            for values in data["records"]
        ]

    def _save(self) -> None:
        if self.memory is None:
            return
        data = {"records": [record_event(r)["values"] for r in self.store.records]}
        tmp = self.memory.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(self.memory)

    def add_records(self, count: int) -> list[StoredRecord]:
        """Take ``count`` new measurements now (sequence numbers continue)."""
        added = []
        for _ in range(count):
            record = generate_record(
                self.rng, self.store.next_key(self.first_sequence), self.clock.now()
            )
            self.store.add(record)
            added.append(record)
        self._save()
        self.emit({"event": "records-added", "records": [record_event(r) for r in added]})
        return added

    # -- GATT ------------------------------------------------------------------------------

    def device_services(self) -> list[Service]:
        return [
            Service(
                bluez.uuid16(gl.SERVICE_UUID16),
                [
                    Characteristic(
                        MEASUREMENT, [self.record_flag], on_subscribe=self.on_subscribe(MEASUREMENT)
                    ),
                    Characteristic(
                        CONTEXT, [self.record_flag], on_subscribe=self.on_subscribe(CONTEXT)
                    ),
                    Characteristic(FEATURE, [READ], gl.encode_glucose_feature(FEATURES)),
                    Characteristic(
                        RACP,
                        [WRITE, INDICATE],
                        on_write=self.racp.on_write,
                        on_subscribe=self._on_racp_subscribe,
                    ),
                ],
            )
        ]

    def ready_details(self) -> Event:
        return {
            "records": [record_event(r) for r in self.store.records],
            "features": int(FEATURES),
            "manufacturer": self.info.manufacturer,
            "model": self.info.model,
        }

    def _on_racp_subscribe(self, subscribed: bool) -> None:
        self.on_subscribe(RACP)(subscribed)
        if not subscribed:
            return
        self.connections += 1
        if self.connections > 1 and self.add_per_connection:
            self.add_records(self.add_per_connection)

    # -- behaviours ------------------------------------------------------------------------

    def _before_report(self, request: RacpRequest) -> bool:
        if self.contour and request.operator == RacpOperator.ALL_RECORDS:
            self.emit({"event": "quirk-disconnect", "reason": "report all records"})
            self.spawn(self._drop_link("contour: report all records"))
            return False
        return True

    async def _drop_link(self, reason: str) -> None:
        assert self.peripheral is not None
        count = await self.peripheral.disconnect()
        self.emit({"event": "device-disconnect", "centrals": count, "reason": reason})

    async def _send_record(self, record: StoredRecord, index: int) -> None:
        if self.drop_after is not None and index == self.drop_after and self.drops_left > 0:
            self.drops_left -= 1
            await self._drop_link(f"mid-transfer after {index} records")
            raise ConnectionError("the meter dropped the link mid-transfer")
        if self.fail_after is not None and index == self.fail_after:
            self.fail_after = None
            raise RecordTransferError(f"memory read error after {index} records")
        for uuid, value in record.values:
            if uuid == MEASUREMENT:
                self.measurements_sent += 1
                if self.malformed_every and self.measurements_sent % self.malformed_every == 0:
                    value = corrupt(value)
                    self.emit({"event": "malformed", "sequence": record.key})
            await self.send(uuid, value)
        if self.pace:
            await asyncio.sleep(self.pace)


def run(argv: Sequence[str] | None = None) -> int:
    return main(GlucoseMeterSimulator, argv)


if __name__ == "__main__":
    sys.exit(run())
