"""The start-up check of the server's CapabilityStatement (``GET [base]/metadata``): FHIR R4
(4.0.x), JSON, and the ``transaction`` system interaction that uploads rely on."""

from __future__ import annotations

from typing import Any


class CapabilityError(Exception):
    """The server cannot take PHG's uploads; the message says why."""


def check_capability(statement: Any, base_url: str) -> str:
    """Raise CapabilityError unless ``statement`` allows uploads; returns the FHIR version."""
    where = f"the FHIR server at {base_url}"
    if not isinstance(statement, dict) or statement.get("resourceType") != "CapabilityStatement":
        raise CapabilityError(f"{where} did not return a CapabilityStatement from /metadata")
    version = statement.get("fhirVersion")
    if not isinstance(version, str) or not version.startswith("4.0."):
        raise CapabilityError(
            f"{where} speaks FHIR {version or '(unknown version)'}; PHG uploads FHIR R4 (4.0.x)"
        )
    formats = statement.get("format")
    if isinstance(formats, list) and not any("json" in str(f) for f in formats):
        raise CapabilityError(f"{where} does not accept JSON (formats: {formats})")
    rests = [r for r in statement.get("rest") or [] if isinstance(r, dict)]
    servers = [r for r in rests if r.get("mode") == "server"]
    interactions = {
        i.get("code") for r in servers for i in r.get("interaction") or [] if isinstance(i, dict)
    }
    if "transaction" not in interactions:
        raise CapabilityError(
            f"{where} does not declare the 'transaction' interaction, which PHG's uploads need "
            "(PHD IG: transaction Bundles with conditional creates)"
        )
    return version
