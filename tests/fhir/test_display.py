"""Every code the mappers can emit has a human name and every unit a readable form
(gateway.fhir.display), walking the Observations mapped from every characteristic's strategy."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
from collections.abc import Iterator, Mapping
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.fhir import codes, display
from gateway.fhir.connection import Mapped
from gateway.fhir.mappers.glucose import GlucoseReading
from gateway.fhir.registry import BY_TYPE, MAPPER_MODULES
from profiles.registry import lookup
from tests.fhir.helpers import GENERATED, mapper
from tests.strategies import ALL_STRATEGIES

RECEIVED = dt.datetime(2024, 3, 11, 14, 0, tzinfo=dt.UTC)
UNREADABLE_UNITS = ("[", "Cel", "/min", "Ohm", "us", "m2")


def _mapped_names() -> list[str]:
    return sorted(n for n in ALL_STRATEGIES if lookup(n).measurement_type in BY_TYPE)


def _names_of_codes_phg_chooses() -> list[str]:
    """The characteristics whose mappers choose every code they emit. A Generic Health Sensor
    sends its own MDC codes (any 32-bit number, valid term or not) and the mapper passes them
    through: PHG can name only those its tables know, and shows the others as the number
    (``test_names_and_units_read_as_words``)."""
    return [
        n
        for n in _mapped_names()
        if not lookup(n).measurement_type.__module__.startswith("profiles.ghs")
    ]


def codings(element: Any) -> Iterator[Mapping[str, Any]]:
    """The codings a person reads: code, component code, valueCodeableConcept."""
    if isinstance(element, Mapping):
        for key in ("code", "valueCodeableConcept"):
            concept = element.get(key)
            if isinstance(concept, Mapping):
                yield from (c for c in concept.get("coding") or [] if isinstance(c, Mapping))
        for component in element.get("component") or []:
            yield from codings(component)


def units(element: Any) -> Iterator[str]:
    if isinstance(element, Mapping):
        quantity = element.get("valueQuantity")
        if isinstance(quantity, Mapping) and "code" in quantity:
            yield str(quantity["code"])
        for component in element.get("component") or []:
            yield from units(component)


def observations(measurement: object) -> list[Mapping[str, Any]]:
    try:
        result = mapper().map(measurement, RECEIVED)
    except ValueError:  # e.g. one packet of a multi-packet body composition measurement
        return []
    if not isinstance(result, Mapped):
        return []
    return [e.resource for e in result.entries if e.resource["resourceType"] == "Observation"]


def test_every_mdc_and_loinc_constant_has_a_name() -> None:
    missing = [
        key
        for key, value in vars(codes).items()
        if key.startswith(("MDC_", "LOINC_"))
        and isinstance(value, str)
        and "." not in value
        and display.name(codes.LOINC if key.startswith("LOINC") else codes.MDC, value) is None
    ]
    assert missing == []


def test_every_mdc_code_in_the_mappers_tables_has_a_name() -> None:
    """Table entries the random walk below may not reach (rare sample locations, meals...)."""
    found: list[str] = []
    for module_name in MAPPER_MODULES:
        for table in vars(importlib.import_module(module_name)).values():
            if not isinstance(table, dict):
                continue
            for value in table.values():
                code = value[0] if isinstance(value, tuple) and value else value
                if isinstance(code, str) and code.isdigit():
                    ref = value[1] if isinstance(value, tuple) and len(value) > 1 else "MDC_"
                    if str(ref).startswith("MDC_"):  # SNOMED body sites carry their own names
                        found.append(code)
    assert len(found) > 40
    assert [c for c in found if display.name(codes.MDC, c) is None] == []


def test_names_and_units_read_as_words() -> None:
    assert display.name(codes.MDC, codes.MDC_CTXT_GLU_SAMPLELOCATION) == "Sample location"
    assert display.name(codes.MDC, "8417772") == "Carbohydrates (lunch)"
    assert display.name(codes.ASN1_TO_HL7, "8417752.0") == "Device battery low"
    bp = {
        "coding": [{"system": codes.MDC, "code": "150021", "display": "MDC_PRESS_BLD_NONINV_SYS"}]
    }
    assert display.concept_name(bp) == "Systolic"
    unknown = {"coding": [{"system": codes.MDC, "code": "1", "display": "MDC_SOMETHING"}]}
    assert display.concept_name(unknown) == "1"  # never a reference id
    assert display.quantity("120", "mm[Hg]") == "120 mmHg"
    assert display.quantity("36.6", "Cel") == "36.6°C"
    assert display.quantity("72", "/min") == "72 bpm"
    assert display.quantity("98", "%") == "98%"


@settings(GENERATED, max_examples=400)
@given(st.data())
def test_every_code_the_mappers_emit_has_a_name_and_a_readable_unit(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(_names_of_codes_phg_chooses()))
    measurement = data.draw(ALL_STRATEGIES[name])
    if name == "glucose-measurement-context":
        glucose = data.draw(ALL_STRATEGIES["glucose-measurement"])
        context = dataclasses.replace(measurement, sequence_number=glucose.sequence_number)
        measurement = GlucoseReading(glucose, context)
    for observation in observations(measurement):
        for coding in codings(observation):
            shown = display.coding_name(coding)
            assert shown != coding.get("code"), coding
            assert not shown.startswith("MDC_"), coding
        for ucum in units(observation):
            assert not any(part in display.unit(ucum) for part in UNREADABLE_UNITS), ucum
