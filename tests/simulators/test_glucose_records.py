"""The glucose meter simulator's stored records say when they were taken."""

from __future__ import annotations

import datetime as dt
import random

from profiles import glucose as gl
from simulators.glucose import MEASUREMENT, RECORD_INTERVAL, generate_records

NEWEST = dt.datetime(2026, 12, 5, 8, 30)


def test_user_facing_time_is_when_each_record_was_taken_whatever_its_time_offset() -> None:
    records = generate_records(random.Random(3), 40, NEWEST)
    measurements = [
        gl.decode_glucose_measurement(value)
        for record in records
        for uuid, value in record.values
        if uuid == MEASUREMENT
    ]
    assert {m.time_offset_minutes for m in measurements} == {None, 0, 60}  # every kind seen
    taken = [NEWEST - (len(records) - 1 - i) * RECORD_INTERVAL for i in range(len(records))]
    assert [m.user_facing_time() for m in measurements] == taken
