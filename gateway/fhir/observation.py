"""The frame every PHD measurement Observation shares (PhdBaseObservation), and the context a
profile mapper gets to fill it.

Frame: ``meta.profile``; ``extension`` gatewayDevice → PhgDevice (and CoincidentTimeStampReference
when the time was mapped through the coincident stamp); ``identifier`` (the IG's
conditional-create identifier for PHD-stamped data, else PHG's upload identifier: see
:mod:`gateway.fhir.entries`); ``status``; ``category`` vital-signs (when a LOINC vital sign)
and phd; ``code``; ``subject``; ``performer`` (the Patient, when the subject is one and the
patient took the measurement); ``effectiveDateTime``; ``device`` → PhdDevice.

Observation identifier (IG 2.0, PhdBaseObservation notes)::

    <device>-<patient>-<type>-<timestamp>[-<supplemental type>...]

device: the PHD's System ID (else Bluetooth address) as upper-case hex without dashes; patient:
``<identifier value>-<identifier system>`` or the configured logical id; type: the MDC code of
the Observation; timestamp: :func:`gateway.fhir.timeline.identifier_time` of the raw PHD stamp.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gateway.fhir import codes
from gateway.fhir.elements import JsonDict, phd_category, reference, vital_signs_category
from gateway.fhir.entries import (
    BundleEntry,
    identifier_search,
    urn_uuid,
    with_upload_identifier,
)


@dataclass(frozen=True, slots=True)
class ObservationContext:
    """Per-measurement facts shared by all the Observations mapped from it."""

    subject: str
    patient_is_subject: bool
    device: str
    gateway: str
    coincident: str | None
    effective: str
    device_key: str
    patient_key: str
    identifier_time: str | None
    reception_key: str

    def identifier(self, type_code: str, supplemental: Sequence[str] = ()) -> str | None:
        """The conditional-create identifier value, or None for data without a PHD stamp."""
        if self.identifier_time is None:
            return None
        parts = [self.device_key, self.patient_key, type_code, self.identifier_time]
        parts.extend(supplemental)
        return "-".join(parts)

    def observation(
        self,
        profiles: Sequence[str],
        code: JsonDict,
        identifier: str | None,
        *,
        vital_signs: bool = False,
        performer: bool = True,
        status: str = "final",
    ) -> JsonDict:
        """A new Observation with the common frame filled in (value/components to be added)."""
        extension = [{"url": codes.EXT_GATEWAY_DEVICE, "valueReference": reference(self.gateway)}]
        if self.coincident is not None:
            extension.append(
                {
                    "url": codes.EXT_COINCIDENT_TIME_STAMP,
                    "valueReference": reference(self.coincident),
                }
            )
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "meta": {"profile": list(profiles)},
            "extension": extension,
        }
        if identifier is not None:
            resource["identifier"] = [
                {"system": codes.OBSERVATION_IDENTIFIER_SYSTEM, "value": identifier}
            ]
        resource["status"] = status
        resource["category"] = (
            [vital_signs_category(), phd_category()] if vital_signs else [phd_category()]
        )
        resource["code"] = code
        resource["subject"] = reference(self.subject)
        if performer and self.patient_is_subject:
            resource["performer"] = [reference(self.subject)]
        resource["effectiveDateTime"] = self.effective
        resource["device"] = reference(self.device)
        return resource

    def entry(self, resource: JsonDict, type_code: str, identifier: str | None) -> BundleEntry:
        """The Bundle entry of a mapped Observation: conditional create on its identifier, or
        on an upload identifier when it has none (data without a PHD time stamp)."""
        if identifier is None:
            full_url = urn_uuid(f"Observation|{self.reception_key}|{type_code}")
            return with_upload_identifier(full_url, resource)
        return BundleEntry(
            urn_uuid(f"Observation|{identifier}"),
            resource,
            identifier_search(codes.OBSERVATION_IDENTIFIER_SYSTEM, identifier),
        )
