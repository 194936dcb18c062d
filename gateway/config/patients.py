"""Patient references in the configuration: ``"abc"`` / ``"Patient/abc"`` (a Patient the server
already has) or ``{ system = "...", value = "..." }`` (a PhdPatient the gateway creates
conditionally by that identifier), turned into :mod:`gateway.fhir.patient` values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from gateway.config.kinds import Context, checked, nonempty_text
from gateway.config.tables import setting, table_of
from gateway.fhir.patient import Patient, PatientId, PatientIdentifier

_FHIR_ID: Final = re.compile(r"[A-Za-z0-9\-.]{1,64}")


def _uri(system: str) -> str:
    if any(c.isspace() for c in system) or ":" not in system:
        raise ValueError("must be a URI such as urn:oid:1.2.3 or https://hospital.example/mrn")
    return system


@dataclass(frozen=True, slots=True, kw_only=True)
class PatientIdentifierSpec:
    """A Patient the gateway creates (conditional create on ``identifier=system|value``)."""

    system: str = setting(checked(nonempty_text, _uri))
    value: str = setting(nonempty_text)
    type: str = setting(nonempty_text, "MR")

    def patient(self) -> Patient:
        return PatientIdentifier(self.system, self.value, self.type)


PatientSpec = str | PatientIdentifierSpec
"""A Patient logical id (without ``Patient/``) or the identifier of a Patient to create."""

_identifier_spec: Final = table_of(PatientIdentifierSpec)


def patient_spec(value: object, context: Context) -> PatientSpec:
    """The kind of a Patient reference."""
    if isinstance(value, dict):
        return _identifier_spec(value, context)
    if not isinstance(value, str):
        raise ValueError("must be a Patient logical id or a table { system = ..., value = ... }")
    logical_id = value.removeprefix("Patient/")
    if not _FHIR_ID.fullmatch(logical_id):
        raise ValueError(
            "must be a Patient logical id (letters, digits, '-', '.', at most 64) "
            "or a table { system = ..., value = ... }"
        )
    return logical_id


def to_patient(spec: PatientSpec) -> Patient:
    return PatientId(spec) if isinstance(spec, str) else spec.patient()
