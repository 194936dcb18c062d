"""The 20 altered resources of the PHD IG test set get exactly their expected outcome."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.validation import validate_resource
from tests.validation._fixtures import CASES, load_json, manifest

# Where the error must be reported, per "error" case.
ERROR_PATHS = {
    "neg-bp-no-gateway-ext": "Observation.extension",
    "neg-bp-no-phd-category": "Observation.category",
    "neg-bp-no-device": "Observation.device",
    "neg-numeric-quantity-no-system": "Observation.valueQuantity.system",
    "neg-numeric-quantity-wrong-system": "Observation.valueQuantity.system",
    "neg-numeric-value-string": "Observation.valueString",
    "neg-device-no-manufacturer": "Device.manufacturer",
    "neg-device-no-specialization": "Device.specialization",
    "neg-device-sysid-wrong-system": "Device.identifier[0].system",
    "neg-device-type-not-65573": "Device.type.coding",
    "neg-bits-component-quantity": "Observation.component[0].valueQuantity",
    "neg-bits-has-value": "Observation.value[x]",
    "neg-gateway-value-string": "Observation.extension[0].valueString",
    "neg-gateway-ref-patient": "Observation.extension[0].valueReference",
    "neg-status-not-in-vs": "Observation.status",
    "neg-dar-not-in-vs": "Observation.dataAbsentReason.coding[0]",
    "neg-device-sysid-no-value": "Device.identifier[0].value",
    "neg-numeric-value-as-string": "Observation.valueQuantity.value",
}
CASE_LIST = manifest()


def _outcome(case: dict[str, Any]) -> tuple[str, list[Any]]:
    resource = load_json(CASES / case["file"])
    issues = validate_resource(resource, case["profiles"])
    if any(i.severity == "error" for i in issues):
        return "error", issues
    if any(i.severity == "warning" for i in issues):
        return "warning", issues
    return "pass", issues


def test_every_error_case_has_an_expected_path() -> None:
    assert {c["id"] for c in CASE_LIST if c["expect"] == "error"} == set(ERROR_PATHS)
    assert len(CASE_LIST) == 20


@pytest.mark.parametrize("case", CASE_LIST, ids=lambda c: c["id"])
def test_case_outcome(case: dict[str, Any]) -> None:
    outcome, issues = _outcome(case)
    assert outcome == case["expect"], [str(i) for i in issues]
    if case["expect"] == "error":
        error_paths = {i.path for i in issues if i.severity == "error"}
        assert ERROR_PATHS[case["id"]] in error_paths, error_paths


def test_case_score_is_complete() -> None:
    score = sum(_outcome(case)[0] == case["expect"] for case in CASE_LIST)
    assert score == len(CASE_LIST)
