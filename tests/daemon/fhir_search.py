"""Reading back what a FHIR server holds: every resource of a search (following ``next``
links), totals with ``_summary=count``, and the identifier/code/value views the daemon tests
compare against what the simulators sent."""

from __future__ import annotations

import collections
import json
import urllib.parse
import urllib.request
from decimal import Decimal
from typing import Any, Final

MDC: Final = "urn:iso:std:iso:11073:10101"
LOINC: Final = "http://loinc.org"
PAGE: Final = 500

Resource = dict[str, Any]


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as reply:
        return json.loads(reply.read(), parse_float=Decimal)


def search(base_url: str, kind: str, **params: str) -> list[Resource]:
    """Every resource a search matches, page by page."""
    query = urllib.parse.urlencode({**params, "_count": str(PAGE)})
    url: str | None = f"{base_url}/{kind}?{query}"
    found: list[Resource] = []
    while url is not None:
        bundle = get_json(url)
        found.extend(e["resource"] for e in bundle.get("entry", []))
        url = next(
            (link["url"] for link in bundle.get("link", []) if link["relation"] == "next"), None
        )
    return found


def total(base_url: str, kind: str, **params: str) -> int:
    query = urllib.parse.urlencode({**params, "_summary": "count"})
    count: int = get_json(f"{base_url}/{kind}?{query}")["total"]
    return count


def codes(resource: Resource) -> set[str]:
    return {c["code"] for c in resource.get("code", {}).get("coding", [])}


def identifier(resource: Resource) -> str | None:
    values = [i["value"] for i in resource.get("identifier", [])]
    return values[0] if values else None


def duplicate_identifiers(resources: list[Resource]) -> list[str]:
    counts = collections.Counter(identifier(r) for r in resources)
    return sorted(v for v, n in counts.items() if v is not None and n > 1)


def quantity(resource: Resource) -> tuple[Decimal, str]:
    value = resource["valueQuantity"]
    return Decimal(value["value"]), str(value.get("code") or value.get("unit"))


def patient_reference(base_url: str, system: str, value: str) -> str:
    """``Patient/<id>`` of the one Patient with that identifier."""
    found = search(base_url, "Patient", identifier=f"{system}|{value}")
    assert len(found) == 1, found
    return f"Patient/{found[0]['id']}"
