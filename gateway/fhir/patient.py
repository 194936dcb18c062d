"""Who a reading belongs to: a configured Patient, and the per-device binding of Bluetooth user
indexes to Patients.

A Patient is either known to the server by a logical id given out of band (``PatientId``: no
Patient resource is sent) or created by the gateway (``PatientIdentifier``: a PhdPatient with a
typed identifier, sent as a conditional create, no name, so no PII leaves the gateway).

Multi-user devices are not covered by the IG. PHG's rule: a reading with a user index is
attributed only through an explicit binding of that index; unbound indexes and 0xFF ("unknown
user") are *held back* (not attributed, not uploaded) so a reading is never filed under the
wrong person. A reading without a user index goes to the binding's default Patient.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from gateway.fhir import codes
from gateway.fhir.elements import JsonDict
from gateway.fhir.entries import KnownIds, Participant, participant


@dataclass(frozen=True, slots=True)
class PatientId:
    """A Patient the server already has, referenced as ``Patient/<logical_id>``."""

    logical_id: str

    @property
    def identifier_part(self) -> str:
        return self.logical_id

    def participant(self, _known: KnownIds | None = None) -> Participant:
        return Participant(f"Patient/{self.logical_id}", None)


@dataclass(frozen=True, slots=True)
class PatientIdentifier:
    """A PhdPatient the gateway creates with ``identifier`` (type from v2-0203, e.g. MR)."""

    system: str
    value: str
    type_code: str = "MR"

    @property
    def identifier_part(self) -> str:
        """The patient part of an Observation identifier: ``<value>-<system>``."""
        return f"{self.value}-{self.system}"

    def resource(self) -> JsonDict:
        return {
            "resourceType": "Patient",
            "meta": {"profile": [codes.PROFILE_PATIENT]},
            "identifier": [
                {
                    "type": {
                        "coding": [{"system": codes.IDENTIFIER_TYPE_V2, "code": self.type_code}]
                    },
                    "system": self.system,
                    "value": self.value,
                }
            ],
        }

    def participant(self, known: KnownIds | None = None) -> Participant:
        return participant(self.resource(), self.system, self.value, known)


Patient = PatientId | PatientIdentifier


@dataclass(frozen=True, slots=True)
class PatientBinding:
    """The Patients of one PHD: ``default`` for readings without a user index, ``users`` for
    user indexes (Bluetooth User Index / UDS). Anything else is held back."""

    default: Patient | None = None
    users: Mapping[int, Patient] = field(default_factory=lambda: MappingProxyType({}))

    def patient_for(self, user_index: int | None) -> Patient | None:
        if user_index is None:
            return self.default
        return self.users.get(user_index)
