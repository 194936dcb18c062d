"""Transaction Bundle entries and the deterministic ``urn:uuid`` full URLs that link them.

A full URL is a name-based UUID (version 5) of the resource's natural key: the search identifier
of a Patient or Device (``system|value``), the conditional-create identifier of an Observation.
The same reading from the same device for the same patient therefore always gets the same
full URL, so bundles are reproducible byte for byte. Servers treat ``urn:uuid`` full URLs as
bundle-local names, so reuse across bundles is harmless.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote

from gateway.fhir.elements import JsonDict

PHG_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/phg/phg#fhir")


def urn_uuid(natural_key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(PHG_NAMESPACE, natural_key)}"


def identifier_search(system: str, value: str) -> str:
    """``ifNoneExist`` text for ``identifier=system|value``, percent-encoded (RFC 3986) except
    for ``:``, ``/`` and the ``|`` separator, which FHIR servers accept literally."""
    return "identifier=" + quote(f"{system}|{value}", safe=":/|")


@dataclass(frozen=True, slots=True)
class BundleEntry:
    """One ``POST`` entry of a transaction Bundle."""

    full_url: str
    resource: JsonDict
    if_none_exist: str | None = None

    def to_json(self) -> JsonDict:
        request: JsonDict = {"method": "POST", "url": self.resource["resourceType"]}
        if self.if_none_exist is not None:
            request["ifNoneExist"] = self.if_none_exist
        return {"fullUrl": self.full_url, "resource": self.resource, "request": request}


@dataclass(frozen=True, slots=True)
class Participant:
    """A Patient or Device that observations refer to: by server id when the server already has
    it (then it is not sent again), otherwise by the ``urn:uuid`` of its conditional create."""

    reference: str
    entry: BundleEntry | None


KnownIds = Mapping[str, str]
"""Server ids learnt from earlier responses: ``"system|value"`` → ``"Device/123"``."""


def participant(
    resource: JsonDict, system: str, value: str, known: KnownIds | None = None
) -> Participant:
    """A conditionally created Patient/Device, or a reference to its known server id."""
    key = f"{system}|{value}"
    if known is not None:
        server_id = known.get(key)
        if server_id is not None:
            return Participant(server_id, None)
    full_url = urn_uuid(f"{resource['resourceType']}|{key}")
    return Participant(full_url, BundleEntry(full_url, resource, identifier_search(system, value)))
