"""A status board fed as the daemon feeds it (BLE events, stored readings mapped by the real
PHD IG mappers, uploads with server ids, a held-back and a quarantined reading, a banner), for
the page tests: a blood pressure monitor with two users, a glucose meter with meal contexts and
a weight scale with BMI."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from typing import Any

from gateway.ble.allowlist import Advertisement, Decision
from gateway.ble.events import DeviceSeenEvent, MeasurementEvent, SessionState, SessionStateEvent
from gateway.fhir.connection import ConnectionMapper, Mapped
from gateway.fhir.device_info import PhdDeviceInfo
from gateway.fhir.mappers.glucose import GlucoseReading
from gateway.fhir.patient import PatientBinding, PatientId
from gateway.fhir.timeline import DeviceClock, WallClockStamp
from gateway.status.board import Banner, StatusBoard
from profiles import blood_pressure as bp
from profiles import glucose, weight_scale
from profiles.date_time import DateTime
from tests.daemon.fakes import PHG, facts

BP_ADDRESS = "F0:00:00:00:00:01"
GLUCOSE_ADDRESS = "F0:00:00:00:00:02"
SCALE_ADDRESS = "F0:00:00:00:00:03"
START = dt.datetime(2026, 3, 1, 0, 0, tzinfo=dt.UTC)
NOW = START + dt.timedelta(days=6, hours=3)


def _mapper(address: str) -> ConnectionMapper:
    binding = PatientBinding(PatientId("p0"), {1: PatientId("p1"), 2: PatientId("p2")})
    info = PhdDeviceInfo(bluetooth_address=bytes.fromhex(address.replace(":", "")))
    return ConnectionMapper(
        phg=PHG,
        phd=info,
        patients=binding,
        zone=dt.UTC,
        clock=DeviceClock(read_at=NOW, device_now=WallClockStamp(NOW.replace(tzinfo=None))),
    )


def _stamp(day: int, hour: int, minute: int = 0) -> DateTime:
    t = START + dt.timedelta(days=day, hours=hour, minutes=minute)
    return DateTime(t.year, t.month, t.day, t.hour, t.minute, t.second)


def _facts(address: str, name: str, battery: int) -> Any:
    return dataclasses.replace(facts(address), name=name, battery_percent=battery)


class Feeder:
    def __init__(self, board: StatusBoard) -> None:
        self.board = board
        self.item = 0

    def reading(self, address: str, name: str, battery: int, value: object, key: str) -> int:
        received = NOW + dt.timedelta(seconds=2 * self.item)
        event = MeasurementEvent(
            key, 0, value, b"", received, False, None, _facts(address, name, battery)
        )
        self.board.on_event(event)
        result = _mapper(address).map(value, received)
        assert isinstance(result, Mapped), result
        self.item += 1
        self.board.on_stored(self.item, address, result)
        body = json.dumps({"entry": [{"fullUrl": e.full_url} for e in result.entries]})
        answer = {
            "entry": [
                {
                    "response": {
                        "location": f"http://fhir.test/fhir/Observation/{self.item}-{n}/_history/1"
                    }
                }
                for n, _ in enumerate(result.entries)
            ]
        }
        self.board.on_transaction(body, 200, answer, 0.2, "")
        self.board.on_uploaded([self.item])
        return self.item


def board() -> StatusBoard:
    clock = iter(NOW + dt.timedelta(seconds=s) for s in range(10_000))
    board = StatusBoard("http://fhir.test/fhir", clock=lambda: next(clock))
    feed = Feeder(board)
    for address in (BP_ADDRESS, GLUCOSE_ADDRESS, SCALE_ADDRESS):
        board.on_event(SessionStateEvent(address, SessionState.CONNECTED, adapter="hci0"))
        board.on_event(
            DeviceSeenEvent(
                Advertisement(address, None, (), -58 - len(board.devices) * 7, "hci0"),
                Decision.ALLOWED,
            )
        )
    for day, (sys_, dia, pulse) in enumerate(
        [(128, 84, 71), (135, 88, 76), (131, 86, 69), (124, 81, 66), (138, 90, 78), (126, 82, 70)]
    ):
        for user, shift in ((1, 0), (2, -12)):
            m = bp.BloodPressureMeasurement(
                Decimal(sys_ + shift),
                Decimal(dia + shift // 2),
                Decimal(round((sys_ + 2 * dia) / 3)),
                timestamp=_stamp(day, 7 + user),
                pulse_rate=Decimal(pulse - shift // 3),
                user_id=user,
            )
            feed.reading(BP_ADDRESS, "BP-SIM-1", 82, m, "blood-pressure-measurement")
    meals = [glucose.Meal.FASTING, glucose.Meal.POSTPRANDIAL, glucose.Meal.PREPRANDIAL,
             glucose.Meal.POSTPRANDIAL, glucose.Meal.FASTING, glucose.Meal.PREPRANDIAL,
             glucose.Meal.POSTPRANDIAL, glucose.Meal.BEDTIME]  # fmt: skip
    for n, (mg, meal) in enumerate(zip([96, 142, 104, 156, 91, 110, 138, 118], meals, strict=True)):
        g = glucose.GlucoseMeasurement(
            n + 1,
            _stamp(n // 2, 7 + 6 * (n % 2)),
            concentration=glucose.GlucoseConcentration(Decimal(mg) / Decimal(100000)),
            context_information_follows=True,
        )
        context = glucose.GlucoseMeasurementContext(n + 1, meal=meal)
        feed.reading(
            GLUCOSE_ADDRESS, "GL-SIM-1", 64, GlucoseReading(g, context), "glucose-measurement"
        )
    for day, kg in enumerate([81.4, 81.1, 80.9, 81.2, 80.6, 80.3]):
        w = weight_scale.WeightMeasurement(
            Decimal(str(kg)),
            timestamp=_stamp(day, 6, 45),
            user_id=1,
            bmi=(Decimal(str(kg)) / Decimal("3.1684")).quantize(Decimal("0.1")),
            height=Decimal("1.78"),
        )
        feed.reading(SCALE_ADDRESS, "WS-SIM-1", 37, w, "weight-measurement")
    board.on_kept(
        BP_ADDRESS,
        "blood-pressure-measurement",
        "held-back",
        "user index 4 is not bound to a patient",
    )
    feed.item += 1
    board.banners.append(
        Banner("warning", "The status page is reachable from the network without a token.")
    )
    return board


def snapshot() -> dict[str, Any]:
    b = board()
    quarantined = [
        {
            "id": 41,
            "device": GLUCOSE_ADDRESS,
            "created_at": NOW.isoformat(),
            "attempts": 1,
            "error": "HTTP 422: Observation.valueQuantity: value out of range",
            "diagnostics": ["glucose 1200 mg/dL is above the meter's range"],
        }
    ]
    return b.snapshot(
        {"pending": 0, "done": int(b.metrics.stored.value()), "quarantined": 1}, quarantined
    )
