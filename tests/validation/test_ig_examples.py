"""Every PHD IG example (and every entry of the example Bundles) validates without errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.validation import validate_resource
from tests.validation._fixtures import EXAMPLES, load_json

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.json"))
BUNDLE_ENTRIES = [
    pytest.param(path, index, id=f"{path.stem}-entry{index}")
    for path in EXAMPLE_FILES
    if load_json(path)["resourceType"] == "Bundle"
    for index in range(len(load_json(path)["entry"]))
]


def test_fixtures_are_present() -> None:
    assert len(EXAMPLE_FILES) == 29
    assert len(BUNDLE_ENTRIES) == 53


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_example_has_no_errors(path: Path) -> None:
    resource = load_json(path)
    errors = [i for i in validate_resource(resource) if i.severity == "error"]
    assert errors == []


@pytest.mark.parametrize(("path", "index"), BUNDLE_ENTRIES)
def test_bundle_entry_has_no_errors_alone(path: Path, index: int) -> None:
    resource = load_json(path)["entry"][index]["resource"]
    assert resource.get("meta", {}).get("profile"), "every example entry declares a profile"
    errors = [i for i in validate_resource(resource) if i.severity == "error"]
    assert errors == []


def test_profiled_examples_were_checked_against_their_profiles() -> None:
    """Guards against a validator that silently ignores meta.profile: the profile URL shows up
    on the issues (here: an extensible-binding warning raised by PhdDevice)."""
    device = load_json(EXAMPLES / "phd-711000FEFF5F49B0.B0495F001071.json")
    del device["manufacturer"]
    issues = validate_resource(device)
    assert any(
        i.profile == "http://hl7.org/fhir/uv/phd/StructureDefinition/PhdDevice"
        and i.path == "Device.manufacturer"
        for i in issues
    )
