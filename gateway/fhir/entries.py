"""Transaction Bundle entries and the deterministic ``urn:uuid`` full URLs that link them.

A full URL is a name-based UUID (version 5) of the resource's natural key: the search identifier
of a Patient or Device (``system|value``), the conditional-create identifier of an Observation,
or (for an Observation without one) the device, patient, reception time and code. The same
reading from the same device for the same patient therefore always gets the same full URL, so
bundles are reproducible byte for byte. Servers treat ``urn:uuid`` full URLs as bundle-local
names, so reuse across bundles is harmless.

**Every entry is idempotent** (see ``docs/exactly-once.md``): re-sending an entry whose first
transaction the server committed but whose answer was lost creates nothing new.

- Patients and identified Observations: ``POST`` with ``ifNoneExist`` on their identifier.
- Devices: a conditional update, ``PUT Device?identifier=system|value``: the server creates the
  Device once and *updates* it when the gateway learns more (a PhdDevice that gains a
  specialization), the IG's Device update pattern.
- Resources without an IG identifier (the coincident time stamp, Observations without a PHD
  time stamp: heart rate, continuous pulse oximetry, battery, ...) get an *upload identifier*,
  ``urn:ietf:rfc:3986`` | a ``urn:uuid`` named after their full URL (not the full URL itself,
  which servers replace by the new id wherever they find it), and a conditional create on it.
  The IG's identifier slice on Observations is open and the coincident time stamp allows
  identifiers, so this stays conformant.

Search values in ``ifNoneExist`` and conditional URLs are escaped as FHIR search requires
(``\\,`` ``\\$`` ``\\|`` ``\\\\``), then percent-encoded.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote

from gateway import exact_json
from gateway.fhir.elements import JsonDict

PHG_NAMESPACE: Final = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/phg/phg#fhir")
UPLOAD_IDENTIFIER_SYSTEM: Final = "urn:ietf:rfc:3986"
"""System of the upload identifier (a URI identifier whose value is the entry's ``urn:uuid``)."""

_SEARCH_ESCAPES: Final = str.maketrans({"\\": "\\\\", ",": "\\,", "$": "\\$", "|": "\\|"})


def urn_uuid(natural_key: str) -> str:
    return f"urn:uuid:{uuid.uuid5(PHG_NAMESPACE, natural_key)}"


def escape_search_value(text: str) -> str:
    """A FHIR search parameter value with ``\\``, ``,``, ``$`` and ``|`` escaped."""
    return text.translate(_SEARCH_ESCAPES)


def token_search(system: str, value: str) -> str:
    """``system|value`` of a token search, each part escaped, then percent-encoded (RFC 3986)
    except for ``:`` and ``/``, which servers accept literally, and the ``|`` separator."""
    escaped = f"{escape_search_value(system)}|{escape_search_value(value)}"
    return quote(escaped, safe=":/|")


def identifier_search(system: str, value: str) -> str:
    """``ifNoneExist`` text for ``identifier=system|value``."""
    return "identifier=" + token_search(system, value)


def cache_key(system: str, value: str) -> str:
    """Key of a conditionally created resource in the server-id cache."""
    return f"{system}|{value}"


def content_digest(resource: JsonDict) -> str:
    """A short digest of a resource's content (key order ignored)."""
    text = exact_json.dumps(resource, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(frozen=True, slots=True)
class BundleEntry:
    """One entry of a transaction Bundle: ``POST`` (with ``if_none_exist`` for a conditional
    create), or ``PUT`` to ``url`` (a conditional update). ``cache_key`` is set for participants
    (Patient, Device, coincident time stamp), whose server ids are cached and reused."""

    full_url: str
    resource: JsonDict
    if_none_exist: str | None = None
    method: str = "POST"
    url: str | None = None
    cache_key: str | None = None

    def request(self) -> JsonDict:
        request: JsonDict = {
            "method": self.method,
            "url": self.url or self.resource["resourceType"],
        }
        if self.if_none_exist is not None:
            request["ifNoneExist"] = self.if_none_exist
        return request

    def to_json(self) -> JsonDict:
        return {"fullUrl": self.full_url, "resource": self.resource, "request": self.request()}


def with_upload_identifier(full_url: str, resource: JsonDict) -> BundleEntry:
    """The entry of a resource without an IG identifier: it gets the upload identifier
    (placed after ``extension``/``meta``) and a conditional create on it."""
    value = upload_identifier(full_url)
    identifiers = [
        *resource.get("identifier", []),
        {"system": UPLOAD_IDENTIFIER_SYSTEM, "value": value},
    ]
    anchor = next((name for name in ("extension", "meta") if name in resource), None)
    identified: JsonDict = {} if anchor else {"identifier": identifiers}
    for name, element in resource.items():
        if name != "identifier":
            identified[name] = element
        if name == anchor:
            identified["identifier"] = identifiers
    return BundleEntry(
        full_url,
        identified,
        identifier_search(UPLOAD_IDENTIFIER_SYSTEM, value),
        cache_key=cache_key(UPLOAD_IDENTIFIER_SYSTEM, value),
    )


def upload_identifier(full_url: str) -> str:
    """The upload identifier value of the entry with ``full_url``: a ``urn:uuid`` of its own."""
    return urn_uuid(f"upload|{full_url}")


@dataclass(frozen=True, slots=True)
class Participant:
    """A Patient or Device that observations refer to: by server id when the server already has
    it (then it is not sent again), otherwise by the ``urn:uuid`` of its conditional create."""

    reference: str
    entry: BundleEntry | None


KnownIds = Mapping[str, str]
"""Server ids learnt from earlier responses: cache key (``"system|value"``, for a Device
``"system|value#digest"``) → ``"Device/123"``."""


def participant(
    resource: JsonDict, system: str, value: str, known: KnownIds | None = None
) -> Participant:
    """A Patient or Device, or a reference to its known server id.

    A Patient is a conditional create (``POST`` + ``ifNoneExist``): the gateway never
    overwrites a Patient the server may have enriched. A Device is a conditional update
    (``PUT Device?identifier=...``) cached under its identifier *and* a digest of its content,
    so a Device whose content changed is sent (and updated on the server) again.
    """
    resource_type = str(resource["resourceType"])
    key = cache_key(system, value)
    if resource_type == "Device":
        key = f"{key}#{content_digest(resource)}"
    if known is not None:
        server_id = known.get(key)
        if server_id is not None:
            return Participant(server_id, None)
    full_url = urn_uuid(f"{resource_type}|{cache_key(system, value)}")
    if resource_type == "Device":
        entry = BundleEntry(
            full_url,
            resource,
            method="PUT",
            url=f"Device?identifier={token_search(system, value)}",
            cache_key=key,
        )
    else:
        entry = BundleEntry(full_url, resource, identifier_search(system, value), cache_key=key)
    return Participant(full_url, entry)
