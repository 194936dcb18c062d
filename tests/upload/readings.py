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
