"""Shared test data: the PHD IG examples and cases copied into tests/fixtures/phd-ig/."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "phd-ig"
EXAMPLES = FIXTURES / "examples"
CASES = FIXTURES / "cases"
PHD = "http://hl7.org/fhir/uv/phd/StructureDefinition/"
MDC = "urn:iso:std:iso:11073:10101"
UCUM = "http://unitsofmeasure.org"


def load_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def example(name: str) -> dict[str, Any]:
    resource: dict[str, Any] = load_json(EXAMPLES / f"{name}.json")
    return copy.deepcopy(resource)


def manifest() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = load_json(CASES / "manifest.json")
    return cases


def numeric_observation(**changes: Any) -> dict[str, Any]:
    """A small, valid PhdNumericObservation (hand-made), with top-level ``changes`` applied."""
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "meta": {"profile": [PHD + "PhdNumericObservation"]},
        "extension": [
            {
                "url": "http://hl7.org/fhir/StructureDefinition/observation-gatewayDevice",
                "valueReference": {"reference": "Device/phg-1"},
            }
        ],
        "status": "final",
        "category": [
            {
                "coding": [
                    {
                        "system": "http://hl7.org/fhir/uv/phd/CodeSystem/PhdObservationCategories",
                        "code": "phd",
                    }
                ]
            }
        ],
        "code": {
            "coding": [{"system": MDC, "code": "149530", "display": "MDC_PULS_OXIM_PULS_RATE"}]
        },
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": "2024-05-01T10:00:00+02:00",
        "valueQuantity": {"value": 72, "unit": "bpm", "system": UCUM, "code": "/min"},
        "device": {"reference": "Device/phd-1"},
    }
    resource.update(changes)
    return resource
