"""What a FHIR server holds, compared with what the gateway's outbox items carry: every
Observation exactly once, one Patient and one Device per identifier.

An Observation is recognised by its *content* (code, value, components, effective time,
status, category), not by its id, identifier or references (the server assigns ids and
rewrites ``urn:uuid`` references; an identifier may be added on the way): so Observations the
PHD IG posts without an identifier are counted too, and a duplicate shows up as a count of 2.
Numbers are compared by value (``72`` equals ``72.0``).
"""

from __future__ import annotations

import collections
import json
import urllib.parse
import urllib.request
from collections.abc import Iterable
from decimal import Decimal
from typing import Any, Final

from gateway import exact_json
from gateway.outbox import OutboxItem

Resource = dict[str, Any]
Fingerprint = str

IGNORED: Final = frozenset(
    {
        "id",
        "meta",
        "text",
        "identifier",
        "subject",
        "device",
        "derivedFrom",
        "hasMember",
        "extension",
        "performer",
    }
)
PAGE: Final = 500


def _plain(value: Any) -> Any:
    """JSON with every number as its normalised decimal text."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float | Decimal):
        number = Decimal(str(value)).normalize()
        return f"{number:f}"
    return value


def fingerprint(observation: Resource) -> Fingerprint:
    """The content of an Observation that the server must keep as sent."""
    wire = json.loads(exact_json.dumps(observation), parse_float=Decimal)
    kept = {k: v for k, v in wire.items() if k not in IGNORED}
    return json.dumps(_plain(kept), sort_keys=True)


def identifier_keys(resource: Resource) -> list[str]:
    return [f"{i.get('system')}|{i.get('value')}" for i in resource.get("identifier", [])]


class Expected:
    """The resources a set of outbox items puts on the server (each entry once: a Patient,
    Device or coincident time stamp shared by several items is one resource)."""

    def __init__(self, items: Iterable[OutboxItem]) -> None:
        by_url: dict[str, Resource] = {}
        for item in items:
            for entry in item.entries:
                by_url[entry.full_url] = entry.resource
        resources = list(by_url.values())
        self.observations = collections.Counter(
            fingerprint(r) for r in resources if r["resourceType"] == "Observation"
        )
        self.patients = {
            k for r in resources if r["resourceType"] == "Patient" for k in identifier_keys(r)
        }
        self.devices = {
            k for r in resources if r["resourceType"] == "Device" for k in identifier_keys(r)
        }

    def ambiguous(self) -> list[Fingerprint]:
        """Fingerprints shared by two different Observations (a test must not have any:
        a lost reading and a duplicated one would cancel out)."""
        return [f for f, n in self.observations.items() if n > 1]


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=30) as reply:
        return json.loads(reply.read(), parse_float=Decimal)


def everything(base_url: str, kind: str) -> list[Resource]:
    """Every resource of ``kind`` on the server (following ``next`` links)."""
    url: str | None = f"{base_url}/{kind}?{urllib.parse.urlencode({'_count': str(PAGE)})}"
    found: list[Resource] = []
    while url is not None:
        bundle = _get(url)
        found.extend(e["resource"] for e in bundle.get("entry", []) if "resource" in e)
        url = next(
            (link["url"] for link in bundle.get("link", []) if link.get("relation") == "next"),
            None,
        )
    return found


class Holdings:
    """A snapshot of what the server at ``base_url`` holds."""

    def __init__(self, base_url: str) -> None:
        observations = everything(base_url, "Observation")
        self.observations = collections.Counter(fingerprint(o) for o in observations)
        self.patients = collections.Counter(
            k for p in everything(base_url, "Patient") for k in identifier_keys(p)
        )
        self.devices = collections.Counter(
            k for d in everything(base_url, "Device") for k in identifier_keys(d)
        )

    def missing(self, expected: Expected) -> list[str]:
        """What ``expected`` puts on the server that the server does not hold (at all)."""
        problems = [
            f"Observation not on the server: {f}"
            for f in expected.observations
            if f not in self.observations
        ]
        problems += [f"no Patient {k}" for k in sorted(expected.patients - set(self.patients))]
        problems += [f"no Device {k}" for k in sorted(expected.devices - set(self.devices))]
        return problems

    def differences(self, expected: Expected) -> list[str]:
        """How the server differs from holding exactly ``expected``, each resource once."""
        problems = []
        for f in sorted(set(expected.observations) | set(self.observations)):
            want, have = expected.observations[f], self.observations[f]
            if want != have:
                problems.append(f"{have} Observation(s) on the server, {want} sent: {f}")
        for kind, want_keys, have_counts in (
            ("Patient", expected.patients, self.patients),
            ("Device", expected.devices, self.devices),
        ):
            for key in sorted(want_keys | set(have_counts)):
                want_n = 1 if key in want_keys else 0
                if have_counts[key] != want_n:
                    problems.append(
                        f"{have_counts[key]} {kind}(s) {key} on the server, {want_n} sent"
                    )
        return problems
