"""Offline FHIR R4 validation against the HL7 PHD IG 2.0.0 profiles.

``validate_resource(resource, profiles=None)`` returns a list of :class:`Issue`.
"""

from __future__ import annotations

from gateway.validation.issues import Issue, Severity, has_errors
from gateway.validation.validator import validate_resource

__all__ = ["Issue", "Severity", "has_errors", "validate_resource"]
