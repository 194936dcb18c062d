"""Focused tests, one validator feature each, on small hand-made resources."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from gateway.validation import Issue, store, terminology, validate_resource
from tests.validation._fixtures import MDC, PHD, UCUM, example, numeric_observation

NUMERIC = PHD + "PhdNumericObservation"


def errors(issues: list[Issue]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for issue in issues:
        if issue.severity == "error":
            found.setdefault(issue.path, []).append(issue.message)
    return found


def warnings(issues: list[Issue]) -> set[str]:
    return {i.path for i in issues if i.severity == "warning"}


def base_observation(**changes: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "status": "final",
        "code": {"text": "heart rate"},
    }
    resource.update(changes)
    return resource


def test_hand_made_numeric_observation_is_clean() -> None:
    assert validate_resource(numeric_observation()) == []


# -- structure ---------------------------------------------------------------------------
def test_missing_required_element() -> None:
    resource = numeric_observation()
    del resource["subject"]
    assert "minimum required = 1" in errors(validate_resource(resource))["Observation.subject"][0]


def test_too_many_values() -> None:
    resource = base_observation(
        component=[{"code": {"text": "a"}, "valueString": "x", "valueBoolean": True}]
    )
    assert (
        "maximum allowed = 1"
        in errors(validate_resource(resource))["Observation.component[0].value[x]"][0]
    )


def test_unknown_element() -> None:
    found = errors(validate_resource(base_observation(colour="red")))
    assert found == {"Observation.colour": ["unknown element 'colour'"]}


def test_array_shape() -> None:
    found = errors(validate_resource(base_observation(category={"text": "x"}, status=["final"])))
    assert "must be a JSON array" in found["Observation.category"][0]
    assert "must not be an array" in found["Observation.status"][0]


def test_choice_type_restricted_by_profile() -> None:
    resource = numeric_observation(valueString="72")
    del resource["valueQuantity"]
    found = errors(validate_resource(resource))
    assert "type String is not allowed" in found["Observation.valueString"][0]


@pytest.mark.parametrize(
    ("changes", "path"),
    [
        ({"effectiveDateTime": "2024-13-01"}, "Observation.effectiveDateTime"),
        ({"effectiveDateTime": 20240101}, "Observation.effectiveDateTime"),
        ({"issued": "2024-05-01"}, "Observation.issued"),
        ({"valueInteger": True}, "Observation.valueInteger"),
        ({"valueQuantity": {"value": "72"}}, "Observation.valueQuantity.value"),
        ({"language": "en US  x"}, "Observation.language"),
        ({"status": ""}, "Observation.status"),
    ],
)
def test_primitive_formats(changes: dict[str, Any], path: str) -> None:
    assert path in errors(validate_resource(base_observation(**changes)))


def test_valid_primitives_and_primitive_extensions() -> None:
    resource = base_observation(
        issued="2024-05-01T10:00:00.123Z",
        valueInteger=-5,
        _status={"extension": [{"url": "http://example.org/x", "valueString": "y"}]},
    )
    assert errors(validate_resource(resource)) == {}


def test_empty_element_is_an_error() -> None:
    found = errors(validate_resource(base_observation(code={})))
    assert "ele-1" in found["Observation.code"][0]


# -- fixed and pattern --------------------------------------------------------------------
def test_fixed_value() -> None:
    resource = numeric_observation()
    resource["valueQuantity"]["system"] = "http://example.org/units"
    found = errors(validate_resource(resource))
    assert "must be exactly" in found["Observation.valueQuantity.system"][0]


def test_pattern_value_in_slice() -> None:
    device = example("phd-711000FEFF5F49B0.B0495F001071")
    resolution: dict[str, Any] = {
        "type": {"coding": [{"system": MDC, "code": "68222"}]},
        "valueQuantity": [{"value": 1000000, "unit": "us", "system": UCUM, "code": "us"}],
    }
    device["property"].append(resolution)
    assert errors(validate_resource(device)) == {}
    resolution["valueQuantity"][0]["code"] = "ms"
    index = len(device["property"]) - 1
    found = errors(validate_resource(device))
    assert found == {
        f"Device.property[{index}].valueQuantity[0].code": ['value must match "us" (patternCode)']
    }


# -- slicing ------------------------------------------------------------------------------
def test_slice_cardinality_by_value_discriminator() -> None:
    resource = numeric_observation()
    resource["category"][0]["coding"][0]["code"] = "vital-signs"
    found = errors(validate_resource(resource))
    assert "category:PHD-Observation: minimum required = 1" in found["Observation.category"][0]


def test_slice_maximum() -> None:
    resource = numeric_observation()
    resource["extension"].append(copy.deepcopy(resource["extension"][0]))
    found = errors(validate_resource(resource))
    assert "extension:GatewayDevice: maximum allowed = 1" in found["Observation.extension"][0]


def test_slice_chosen_by_required_binding() -> None:
    bits = example("bits-observation")
    bits["component"][0]["valueString"] = "on"
    del bits["component"][0]["valueBoolean"]
    found = errors(validate_resource(bits))
    assert "not allowed" in found["Observation.component[0].valueString"][0]


def test_nested_slices() -> None:
    """component:compound (chosen by a required binding) has its own slices on
    interpretation.coding; MsmtStatusInterpretation is 1..1 there."""
    bp = example("compound-numeric-blood-pressure")
    profile = [PHD + "PhdCompoundNumericObservation"]
    pocd = "http://hl7.org/fhir/uv/pocd/CodeSystem/measurement-status"
    interpretation = {"coding": [{"system": pocd, "code": "questionable"}]}
    bp["component"][0]["interpretation"] = [interpretation]
    assert errors(validate_resource(bp, profile)) == {}
    interpretation["coding"][0]["system"] = "http://example.org/other"
    found = errors(validate_resource(bp, profile))
    assert found == {
        "Observation.component[0].interpretation[0].coding": [
            "coding:MsmtStatusInterpretation: minimum required = 1, found 0"
        ]
    }


def test_type_slice_of_choice() -> None:
    bits = example("bits-observation")
    assert errors(validate_resource(bits)) == {}
    bits["component"][0]["valueBoolean"] = "true"
    assert "Observation.component[0].valueBoolean" in errors(validate_resource(bits))


CLOSED = "http://example.org/fhir/StructureDefinition/ClosedPatient"


def _register_closed_profile() -> None:
    definition = copy.deepcopy(store.load(PHD + "PhdPatient"))
    assert definition is not None
    definition["url"] = CLOSED
    for element in definition["snapshot"]["element"]:
        if element["id"] == "Patient.identifier":
            element["slicing"]["rules"] = "closed"
    store.register(definition)


def test_closed_slicing() -> None:
    _register_closed_profile()
    v2 = "http://terminology.hl7.org/CodeSystem/v2-0203"
    patient: dict[str, Any] = {
        "resourceType": "Patient",
        "identifier": [
            {"type": {"coding": [{"system": v2, "code": "MR"}]}, "system": "urn:x", "value": "1"}
        ],
    }
    assert errors(validate_resource(patient, [CLOSED])) == {}
    patient["identifier"].append({"system": "urn:x", "value": "2"})
    found = errors(validate_resource(patient, [CLOSED]))
    assert found == {
        "Patient.identifier[1]": ["does not match any slice of identifier (closed slicing)"]
    }
    # the same resource is fine against the IG profile, whose slicing is open
    assert errors(validate_resource(patient, [PHD + "PhdPatient"])) == {}


# -- extensions ---------------------------------------------------------------------------
def test_extension_validated_through_its_definition() -> None:
    resource = numeric_observation()
    resource["extension"].append({"url": PHD + "Accuracy", "valueString": "5%"})
    found = errors(validate_resource(resource))
    assert "Observation.extension[1].valueString" in found


def test_extension_needs_value_or_extensions() -> None:
    resource = base_observation(extension=[{"url": "http://example.org/x"}])
    assert "ext-1" in errors(validate_resource(resource))["Observation.extension[0]"][0]


def test_unknown_extension_is_accepted() -> None:
    resource = numeric_observation()
    resource["extension"].append({"url": "http://example.org/unknown", "valueBoolean": True})
    assert validate_resource(resource) == []


# -- terminology --------------------------------------------------------------------------
def test_required_binding_on_code() -> None:
    found = errors(validate_resource(base_observation(status="done")))
    assert "required value set" in found["Observation.status"][0]


def test_required_binding_on_coding() -> None:
    resource = base_observation(
        dataAbsentReason={
            "coding": [
                {"system": "http://terminology.hl7.org/CodeSystem/data-absent-reason", "code": "x"}
            ]
        }
    )
    assert "Observation.dataAbsentReason.coding[0]" not in errors(validate_resource(resource))
    issues = validate_resource(resource, [NUMERIC])
    assert "Observation.dataAbsentReason.coding[0]" in errors(issues)


def test_extensible_binding_is_a_warning() -> None:
    resource = numeric_observation(
        code={"coding": [{"system": "http://loinc.org", "code": "8867-4"}]}
    )
    issues = validate_resource(resource)
    assert errors(issues) == {}
    assert "Observation.code" in warnings(issues)


def test_mdc_partition_filter() -> None:
    not_object = "http://hl7.org/fhir/uv/phd/ValueSet/MDCnotObject"
    assert terminology.member(not_object, MDC, "150020") is True  # partition 2 (SCADA)
    assert terminology.member(not_object, MDC, "65573") is False  # partition 1 (object)
    assert terminology.member(not_object, MDC, "abc") is False
    assert terminology.member(not_object, "http://loinc.org", "150020") is False
    assert terminology.member("http://loinc.org/vs", "http://loinc.org", "1-8") is None


def test_code_system_filter_and_hierarchy() -> None:
    bits = "http://hl7.org/fhir/uv/phd/ValueSet/ASN1MeasurementBits"
    asn1 = "http://terminology.hl7.org/CodeSystem/ASN1ToHL7"
    assert terminology.member(bits, asn1, "8410608.0") is True
    assert terminology.member(bits, asn1, "68219.0") is False  # a device (clock) bit


# -- invariants -------------------------------------------------------------------------
def test_invariant_error() -> None:
    resource = base_observation(valueString="x", dataAbsentReason={"text": "unknown"})
    assert any("obs-6" in m for m in errors(validate_resource(resource))["Observation"])


def test_invariant_on_data_type() -> None:
    resource = base_observation(valueQuantity={"value": 1, "code": "mg"})
    assert any(
        "qty-3" in m for m in errors(validate_resource(resource))["Observation.valueQuantity"]
    )


def test_invariant_with_warning_severity() -> None:
    resource = numeric_observation(
        code={"coding": [{"system": "http://loinc.org", "code": "8867-4"}]}
    )
    messages = [i.message for i in validate_resource(resource) if i.severity == "warning"]
    assert any(m.startswith("mdc-1") for m in messages)


# -- references ---------------------------------------------------------------------------
def test_reference_target_type() -> None:
    resource = numeric_observation(device={"reference": "Patient/p1"})
    found = errors(validate_resource(resource))
    assert "reference to Patient is not allowed" in found["Observation.device"][0]
    resource = base_observation(subject={"reference": "https://example.org/fhir/Medication/1"})
    assert "Observation.subject" in errors(validate_resource(resource))


def test_reference_resolved_in_bundle() -> None:
    observation = numeric_observation()
    observation["extension"][0]["valueReference"] = {"reference": "urn:uuid:patient"}
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:patient", "resource": {"resourceType": "Patient"}},
            {"fullUrl": "urn:uuid:obs", "resource": observation},
        ],
    }
    found = errors(validate_resource(bundle))
    assert "Bundle.entry[1].resource.extension[0].valueReference" in found


# -- bundles and profiles -----------------------------------------------------------------
def test_bundle_entries_are_validated_with_paths() -> None:
    bundle = example("bundle-example-1")
    bundle["entry"][3]["resource"]["status"] = "bogus"
    bundle["entry"][0]["request"]["method"] = "FETCH"
    found = errors(validate_resource(bundle))
    assert "Bundle.entry[3].resource.status" in found
    assert "Bundle.entry[0].request.method" in found


def test_explicit_profile_replaces_meta_profile() -> None:
    device = example("phd-711000FEFF5F49B0.B0495F001071")
    del device["manufacturer"]
    assert errors(validate_resource(device, [])) == {}
    assert "Device.manufacturer" in errors(validate_resource(device, [PHD + "PhdDevice"]))


def test_unknown_profile_and_wrong_type() -> None:
    found = errors(validate_resource(base_observation(), ["http://example.org/nope"]))
    assert found == {"Observation": ["unknown profile http://example.org/nope"]}
    found = errors(validate_resource(base_observation(), [PHD + "PhdDevice"]))
    assert found == {"Observation": ["profile is for Device, not Observation"]}


def test_not_a_resource() -> None:
    assert errors(validate_resource({"status": "final"})) == {
        "$": ["not a FHIR resource (no resourceType)"]
    }


def test_issue_names_its_profile() -> None:
    resource = numeric_observation()
    resource["valueQuantity"]["system"] = "http://example.org/units"
    issue = next(i for i in validate_resource(resource) if i.severity == "error")
    assert issue.profile == NUMERIC
    assert str(issue).startswith("ERROR Observation.valueQuantity.system: ")


def test_ucum_system_constant_is_used() -> None:
    assert numeric_observation()["valueQuantity"]["system"] == UCUM


RESLICED = "http://example.org/fhir/StructureDefinition/Resliced"


def _element(element_id: str, card: str, type_code: str | None, **extra: Any) -> dict[str, Any]:
    low, high = card.split("..")
    path = ".".join(part.split(":")[0] for part in element_id.split("."))
    element: dict[str, Any] = {"id": element_id, "path": path, "min": int(low), "max": high}
    if type_code is not None:
        element["type"] = [{"code": type_code}]
    element["base"] = {"max": extra.pop("base_max", high)}
    element.update(extra)
    return element


def _register_resliced_profile() -> None:
    """category sliced by coding.system; slice ``a`` re-sliced (closed) by coding.code."""
    cat = "Observation.category"
    store.register(
        {
            "resourceType": "StructureDefinition",
            "url": RESLICED,
            "type": "Observation",
            "kind": "resource",
            "snapshot": {
                "element": [
                    _element("Observation", "0..*", None),
                    _element("Observation.status", "1..1", "code"),
                    _element("Observation.code", "1..1", "CodeableConcept"),
                    _element(
                        cat,
                        "0..*",
                        "CodeableConcept",
                        slicing={"discriminator": [{"type": "value", "path": "coding.system"}]},
                    ),
                    _element(
                        f"{cat}:a",
                        "1..*",
                        "CodeableConcept",
                        sliceName="a",
                        slicing={
                            "discriminator": [{"type": "value", "path": "coding.code"}],
                            "rules": "closed",
                        },
                    ),
                    _element(f"{cat}:a.coding", "1..*", "Coding"),
                    _element(f"{cat}:a.coding.system", "1..1", "uri", fixedUri="urn:a"),
                    _element(
                        f"{cat}:a/x", "1..1", "CodeableConcept", sliceName="a/x", base_max="*"
                    ),
                    _element(f"{cat}:a/x.coding", "1..*", "Coding"),
                    _element(f"{cat}:a/x.coding.system", "1..1", "uri"),
                    _element(f"{cat}:a/x.coding.code", "1..1", "code", fixedCode="x"),
                ]
            },
        }
    )


def test_reslicing() -> None:
    _register_resliced_profile()

    def category(code: str, system: str = "urn:a") -> dict[str, Any]:
        return {"coding": [{"system": system, "code": code}]}

    resource = base_observation(category=[category("x"), category("q", "urn:other")])
    assert errors(validate_resource(resource, [RESLICED])) == {}
    resource["category"] = [category("x"), category("y")]
    found = errors(validate_resource(resource, [RESLICED]))
    assert found == {
        "Observation.category[1]": ["does not match any slice of category:a (closed slicing)"]
    }
    resource["category"] = [category("q", "urn:other")]
    found = errors(validate_resource(resource, [RESLICED]))
    assert found == {
        "Observation.category": [
            "category:a: minimum required = 1, found 0",
            "category:a/x: minimum required = 1, found 0",
        ]
    }
