"""How values evolve: the chartable numbers of a mapped reading (systolic, diastolic, pulse,
glucose with its meal context, weight, BMI, SpO2, temperature), and a bounded history of them
per patient and device for the status page's charts. Pure; reads the FHIR JSON the mapping
produced, by MDC code."""

from __future__ import annotations

import datetime as dt
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from gateway.fhir import display

HISTORY: Final = 30
"""Points kept per chart (patient and device)."""

MDC: Final = "urn:iso:std:iso:11073:10101"
MEAL_CODE: Final = "8417864"

# MDC code -> (chart, series). A chart draws its series on one axis.
_SERIES: Final = {
    "150021": ("blood-pressure", "systolic"),
    "150022": ("blood-pressure", "diastolic"),
    "149546": ("blood-pressure", "pulse"),
    "150456": ("spo2", "SpO2"),
    "149530": ("spo2", "pulse"),
    "188736": ("weight", "weight"),
    "188752": ("weight", "BMI"),
    "147842": ("heart-rate", "heart rate"),
}
_GLUCOSE_RANGE: Final = range(160184, 160369)
_TEMPERATURE_CODES: Final = frozenset(
    {"150364", "150392", "188420", "188424", "188428", "188432", "188448", "188452", "188456"}
)
CHART_TITLES: Final = {
    "blood-pressure": "Blood pressure",
    "glucose": "Glucose",
    "weight": "Weight",
    "spo2": "SpO2 and pulse",
    "temperature": "Temperature",
    "heart-rate": "Heart rate",
}


@dataclass(frozen=True, slots=True)
class Value:
    chart: str
    series: str
    value: float
    unit: str  # readable (display.unit)


@dataclass(frozen=True, slots=True)
class Point:
    at: dt.datetime
    values: tuple[Value, ...]
    context: str | None = None  # glucose: the meal ("Before a meal", ...)


def _mdc_code(concept: Any) -> str | None:
    if isinstance(concept, Mapping):
        for coding in concept.get("coding") or []:
            if isinstance(coding, Mapping) and coding.get("system") == MDC:
                return str(coding.get("code"))
    return None


def _classify(code: str | None) -> tuple[str, str] | None:
    if code is None:
        return None
    if code in _SERIES:
        return _SERIES[code]
    if code.isdigit() and int(code) in _GLUCOSE_RANGE:
        return ("glucose", "glucose")
    if code in _TEMPERATURE_CODES:
        return ("temperature", "temperature")
    return None


def _number(element: Mapping[str, Any]) -> tuple[float, str] | None:
    quantity = element.get("valueQuantity")
    if not isinstance(quantity, Mapping) or "value" not in quantity:
        return None
    try:
        number = float(quantity["value"])
    except (TypeError, ValueError):
        return None
    return number, display.unit(str(quantity.get("code") or quantity.get("unit") or ""))


def values_of(resources: Iterable[Mapping[str, Any]]) -> tuple[tuple[Value, ...], str | None]:
    """The chartable values of one reading's resources, and its meal context if any."""
    found: list[Value] = []
    meal: str | None = None
    for resource in resources:
        if resource.get("resourceType") != "Observation":
            continue
        code = _mdc_code(resource.get("code"))
        if code == MEAL_CODE:
            meal = display.concept_name(resource.get("valueCodeableConcept"))
        for element in (resource, *(resource.get("component") or [])):
            if not isinstance(element, Mapping):
                continue
            kind = _classify(_mdc_code(element.get("code")))
            number = _number(element)
            if kind is not None and number is not None:
                found.append(Value(kind[0], kind[1], number[0], number[1]))
    return tuple(found), meal


def effective(resources: Iterable[Mapping[str, Any]]) -> dt.datetime | None:
    """When the reading was taken (the first Observation's ``effectiveDateTime``)."""
    for resource in resources:
        stamp = resource.get("effectiveDateTime")
        if resource.get("resourceType") == "Observation" and isinstance(stamp, str):
            try:
                parsed = dt.datetime.fromisoformat(stamp)
            except ValueError:
                return None
            return parsed if parsed.tzinfo is not None else None
    return None


@dataclass(slots=True)
class Trend:
    """One chart's recent points for one patient on one device."""

    device: str
    patient: str  # a label (``User 2``, ``Patient``), never an identifier
    chart: str
    points: deque[Point] = field(default_factory=lambda: deque(maxlen=HISTORY))

    def add(self, point: Point) -> None:
        """Add ``point``, or merge it into the point taken at the same instant: a glucose
        Observation comes again with its context, a body composition repeats its weighing."""
        for i, known in enumerate(self.points):
            if known.at == point.at:
                merged = {(v.chart, v.series): v for v in (*known.values, *point.values)}
                self.points[i] = Point(
                    point.at, tuple(merged.values()), point.context or known.context
                )
                return
        self.points.append(point)

    def to_json(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "patient": self.patient,
            "chart": self.chart,
            "title": CHART_TITLES.get(self.chart, self.chart),
            "points": [  # oldest first, by when each reading was taken
                {
                    "at": p.at.isoformat(),
                    "values": {v.series: v.value for v in p.values if v.chart == self.chart},
                    "units": {v.series: v.unit for v in p.values if v.chart == self.chart},
                    **({"context": p.context} if p.context else {}),
                }
                for p in sorted(self.points, key=_when)
            ],
        }


def _when(point: Point) -> dt.datetime:
    return point.at


class Trends:
    """Per (device, patient label, chart) histories, fed with each stored reading."""

    def __init__(self) -> None:
        self.trends: dict[tuple[str, str, str], Trend] = {}

    def add(
        self, device: str, patient: str, at: dt.datetime, resources: Iterable[Mapping[str, Any]]
    ) -> None:
        resources = list(resources)
        values, meal = values_of(resources)
        for chart in dict.fromkeys(v.chart for v in values):
            key = (device, patient, chart)
            trend = self.trends.get(key)
            if trend is None:
                trend = self.trends[key] = Trend(device, patient, chart)
            trend.add(
                Point(effective(resources) or at, values, meal if chart == "glucose" else None)
            )

    def to_json(self) -> list[dict[str, Any]]:
        return [t.to_json() for _, t in sorted(self.trends.items())]
