"""Patient references in the configuration: ``"abc"`` / ``"Patient/abc"`` (a Patient the server
already has) or ``{ system = "...", value = "..." }`` (a PhdPatient the gateway creates
conditionally by that identifier), turned into :mod:`gateway.fhir.patient` values."""

from __future__ import annotations

import re
from typing import Annotated, Final

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
)

from gateway.fhir.patient import Patient, PatientId, PatientIdentifier

_FHIR_ID: Final = re.compile(r"[A-Za-z0-9\-.]{1,64}")


class PatientIdentifierSpec(BaseModel):
    """A Patient the gateway creates (conditional create on ``identifier=system|value``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    system: str = Field(min_length=1)
    value: str = Field(min_length=1)
    type: str = Field(default="MR", min_length=1)

    @field_validator("system")
    @classmethod
    def _uri(cls, system: str) -> str:
        if any(c.isspace() for c in system) or ":" not in system:
            raise ValueError("must be a URI such as urn:oid:1.2.3 or https://hospital.example/mrn")
        return system

    def patient(self) -> Patient:
        return PatientIdentifier(self.system, self.value, self.type)


def _logical_id(value: object) -> object:
    if not isinstance(value, str):
        return value
    text = value.removeprefix("Patient/")
    if not _FHIR_ID.fullmatch(text):
        raise ValueError(
            "must be a Patient logical id (letters, digits, '-', '.', at most 64) "
            "or a table { system = ..., value = ... }"
        )
    return text


def _form(value: object) -> str | None:
    if isinstance(value, str):
        return "id"
    if isinstance(value, dict | PatientIdentifierSpec):
        return "identifier"
    return None


LogicalId = Annotated[str, BeforeValidator(_logical_id)]
PatientSpec = Annotated[
    Annotated[LogicalId, Tag("id")] | Annotated[PatientIdentifierSpec, Tag("identifier")],
    Discriminator(
        _form,
        custom_error_type="patient",
        custom_error_message=(
            "must be a Patient logical id or a table { system = ..., value = ... }"
        ),
    ),
]


def to_patient(spec: PatientSpec) -> Patient:
    return PatientId(spec) if isinstance(spec, str) else spec.patient()
