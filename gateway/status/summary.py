"""What a reading says, in words: the values and units of a mapped reading's Observations,
component by component, with human names and units (:mod:`gateway.fhir.display`:
``Systolic: 120 mmHg``, ``Meal: Before a meal``), for the status page, the demo and ``phg
outbox show``. Pure; takes the FHIR JSON the mapping produced."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from gateway.fhir import display

SUPPLEMENTAL_TYPES: Final = "68193"
COINCIDENT: Final = (
    "http://hl7.org/fhir/uv/phd/StructureDefinition/PhdCoincidentTimeStampObservation"
)


def _name(code: Any) -> str:
    return display.concept_name(code)


def _value(element: Mapping[str, Any]) -> str | None:
    quantity = element.get("valueQuantity")
    if isinstance(quantity, Mapping) and "value" in quantity:
        return display.quantity(quantity["value"], str(quantity.get("code") or ""))
    if isinstance(element.get("valueBoolean"), bool):
        return "yes" if element["valueBoolean"] else "no"
    for key in ("valueString", "valueInteger", "valueDateTime"):
        if key in element:
            return str(element[key])
    concept = element.get("valueCodeableConcept")
    if isinstance(concept, Mapping):
        return _name(concept)
    absent = element.get("dataAbsentReason")
    if isinstance(absent, Mapping):
        return f"absent ({_name(absent)})"
    return None


def _supplemental(component: Mapping[str, Any]) -> bool:
    """The pulse oximeter's measurement modality (spot check, fast, slow): for FHIR only."""
    code = component.get("code")
    codings = code.get("coding") if isinstance(code, Mapping) else None
    return any(
        isinstance(c, Mapping) and c.get("code") == SUPPLEMENTAL_TYPES for c in codings or []
    )


def observation_lines(resource: Mapping[str, Any]) -> list[str]:
    """``"Name: value unit"`` for the Observation and each of its components."""
    lines: list[str] = []
    name = _name(resource.get("code"))
    value = _value(resource)
    if value is not None:
        lines.append(f"{name}: {value}")
    for component in resource.get("component") or []:
        if isinstance(component, Mapping) and not _supplemental(component):
            part = _value(component)
            if part is not None:
                lines.append(f"{_name(component.get('code'))}: {part}")
    if not lines:
        lines.append(name)
    return lines


def reading_lines(resources: Iterable[Mapping[str, Any]]) -> list[str]:
    """The lines of every Observation but the coincident time stamp (the PHD's clock, which
    travels with the reading for FHIR and says nothing about the patient)."""
    lines: list[str] = []
    for resource in resources:
        profiles = (resource.get("meta") or {}).get("profile") or []
        if resource.get("resourceType") == "Observation" and COINCIDENT not in profiles:
            lines += observation_lines(resource)
    return lines
