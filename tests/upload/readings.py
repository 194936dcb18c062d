"""Mapped blood pressure readings (through gateway.fhir, as the daemon produces them)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from gateway.fhir.connection import ConnectionMapper, Mapped
from profiles.date_time import DateTime
from tests.fhir.helpers import bp, mapper

RECEIVED = dt.datetime(2018, 11, 11, 16, 40, tzinfo=dt.UTC)
LAST = dt.datetime(2018, 11, 11, 11, 38, 15)
DEVICE = "B0:49:5F:00:10:71"


def stamp(minutes_before: int) -> DateTime:
    t = LAST - dt.timedelta(minutes=minutes_before)
    return DateTime(t.year, t.month, t.day, t.hour, t.minute, t.second)


def bp_readings(
    count: int, *, first: int = 0, connection: ConnectionMapper | None = None, **overrides: Any
) -> list[Mapped]:
    """``count`` readings, oldest first, systolic 100 + index (so each is recognisable)."""
    m = connection if connection is not None else mapper()
    out = []
    for index in range(first, first + count):
        values: dict[str, Any] = {"systolic": Decimal(100 + index % 100), "pulse_rate": Decimal(70)}
        values |= overrides
        result = m.map(bp(timestamp=stamp(100_000 - index), **values), RECEIVED)
        assert isinstance(result, Mapped), result
        out.append(result)
    return out


def mixed_readings() -> list[Mapped]:
    """One connection's readings of different kinds, as the daemon maps them: a blood pressure
    reading with a device time stamp and one without (Observations without the IG's
    identifier), a heart rate (no identifier), a battery level (a device observation), and a
    glucose measurement followed by its context (which derives from it and is stored as a
    reading of its own). All share one coincident time stamp."""
    from profiles.battery import BatteryLevel
    from profiles.glucose import (
        GlucoseConcentration,
        GlucoseMeasurement,
        GlucoseMeasurementContext,
        GlucoseType,
        Meal,
    )
    from profiles.heart_rate import HeartRateMeasurement

    m = mapper()
    at = [RECEIVED + dt.timedelta(seconds=s) for s in range(6)]
    glucose = GlucoseMeasurement(
        sequence_number=7,
        base_time=DateTime(2018, 11, 11, 11, 30, 0),
        time_offset_minutes=5,
        concentration=GlucoseConcentration(Decimal("0.00099"), type=GlucoseType.CAPILLARY_PLASMA),
    )
    results = [
        m.map(bp(systolic=Decimal(121), timestamp=stamp(30)), at[0]),
        m.map(bp(systolic=Decimal(132), timestamp=None), at[1]),
        m.map(HeartRateMeasurement(64), at[2]),
        m.map(BatteryLevel(80), at[3]),
        m.map(glucose, at[4]),
        m.map(GlucoseMeasurementContext(7, meal=Meal.FASTING), at[5]),
    ]
    return [r for r in results if isinstance(r, Mapped)]
