"""Trend histories: one point per instant (a glucose Observation sent again with its context,
a body composition repeating the weighing) and the chartable values found by MDC code."""

from __future__ import annotations

import datetime as dt
from typing import Any

from gateway.status.trends import Trends, values_of

AT = "2026-03-01T08:00:00+00:00"


def obs(code: str, value: float, unit: str, **extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "effectiveDateTime": AT,
        "code": {"coding": [{"system": "urn:iso:std:iso:11073:10101", "code": code}]},
        "valueQuantity": {"value": value, "code": unit},
        **extra,
    }


MEAL = {
    "resourceType": "Observation",
    "code": {"coding": [{"system": "urn:iso:std:iso:11073:10101", "code": "8417864"}]},
    "valueCodeableConcept": {
        "coding": [{"system": "urn:iso:std:iso:11073:10101", "code": "8417868"}]
    },
}


def test_values_are_found_by_code_with_readable_units() -> None:
    values, meal = values_of([obs("160184", 96, "mg/dL"), MEAL])
    assert [(v.chart, v.series, v.value, v.unit) for v in values] == [
        ("glucose", "glucose", 96.0, "mg/dL")
    ]
    assert meal == "Before a meal"
    temperature, _ = values_of([obs("188424", 36.8, "Cel")])
    assert [(v.chart, v.unit) for v in temperature] == [("temperature", "°C")]


def test_a_reading_sent_again_at_the_same_instant_is_one_point() -> None:
    trends = Trends()
    now = dt.datetime(2026, 3, 1, 9, tzinfo=dt.UTC)
    trends.add("dev", "Patient", now, [obs("160184", 96, "mg/dL")])
    trends.add("dev", "Patient", now, [obs("160184", 96, "mg/dL"), MEAL])
    trends.add("scale", "User 1", now, [obs("188736", 80.1, "kg"), obs("188752", 25.3, "kg/m2")])
    trends.add("scale", "User 1", now, [obs("188736", 80.1, "kg")])  # body composition
    [glucose, weight] = trends.to_json()
    assert glucose["points"] == [
        {
            "at": AT,
            "values": {"glucose": 96.0},
            "units": {"glucose": "mg/dL"},
            "context": "Before a meal",
        }
    ]
    assert weight["points"][0]["values"] == {"weight": 80.1, "BMI": 25.3}
    assert len(weight["points"]) == 1
