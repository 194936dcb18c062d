"""An in-process fake FHIR server for httpx.MockTransport: answers /metadata and transaction
Bundles (assigning ids, resolving conditional creates and updates by identifier), with scripted
failures.
It is deliberately simple and independent of gateway.upload's own parsing."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

BASE = "https://fhir.example.org/r4"

Script = Callable[[httpx.Request], httpx.Response | None]


def metadata(version: str = "4.0.1", interactions: tuple[str, ...] = ("transaction",)) -> Any:
    return {
        "resourceType": "CapabilityStatement",
        "fhirVersion": version,
        "format": ["application/fhir+json"],
        "rest": [{"mode": "server", "interaction": [{"code": c} for c in interactions]}],
    }


def outcome(text: str) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "invalid", "diagnostics": text}],
    }


@dataclass
class FakeFhirServer:
    script: list[Script] = field(default_factory=list)
    """Consumed one per transaction request; a callable returning None lets it through."""
    reject: Callable[[dict[str, Any]], str | None] = lambda resource: None
    """A resource for which this returns a message makes its transaction fail with 400."""
    bundles: list[dict[str, Any]] = field(default_factory=list)
    """Every committed transaction Bundle as received, in order."""
    requests: list[httpx.Request] = field(default_factory=list)
    stored: dict[str, dict[str, Any]] = field(default_factory=dict)
    _by_identifier: dict[str, str] = field(default_factory=dict)

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.url.path.endswith("/metadata"):
            return httpx.Response(200, json=metadata())
        if self.script:
            scripted = self.script.pop(0)(request)
            if scripted is not None:
                return scripted
        bundle = json.loads(request.content)
        for entry in bundle["entry"]:
            message = self.reject(entry["resource"])
            if message is not None:
                return httpx.Response(400, json=outcome(message))
        return httpx.Response(200, json=self._commit(bundle))

    def _commit(self, bundle: dict[str, Any]) -> dict[str, Any]:
        replies = []
        for entry in bundle["entry"]:
            resource = entry["resource"]
            kind = resource["resourceType"]
            request = entry["request"]
            condition = request.get("ifNoneExist")
            update = request["method"] == "PUT" and "?" in request["url"]
            if update:  # conditional update: PUT Device?identifier=...
                condition = request["url"].split("?", 1)[1]
            existing = self._by_identifier.get(f"{kind}?{condition}") if condition else None
            if existing is not None and update:
                reference, status = existing, "200 OK"
                self.stored[reference] = resource
            elif existing is not None:
                reference, status = existing, "200 OK"
            else:
                reference, status = f"{kind}/{len(self.stored) + 1}", "201 Created"
                self.stored[reference] = resource
                if condition:
                    self._by_identifier[f"{kind}?{condition}"] = reference
            replies.append(
                {"response": {"status": status, "location": f"{BASE}/{reference}/_history/1"}}
            )
        # Like a real server: references to the bundle's full URLs become the new ids.
        assigned = {
            e["fullUrl"]: r["response"]["location"].removeprefix(BASE + "/").split("/_history")[0]
            for e, r in zip(bundle["entry"], replies, strict=True)
        }
        for reference in {r["response"]["location"] for r in replies}:
            ref = reference.removeprefix(BASE + "/").split("/_history")[0]
            self.stored[ref] = _resolve(self.stored[ref], assigned)
        self.bundles.append(bundle)
        return {"resourceType": "Bundle", "type": "transaction-response", "entry": replies}

    def observations(self) -> list[dict[str, Any]]:
        return [r for r in self.stored.values() if r["resourceType"] == "Observation"]


def _resolve(value: Any, assigned: dict[str, str]) -> Any:
    """``value`` with each ``reference`` naming a full URL of ``assigned`` replaced."""
    if isinstance(value, dict):
        out = {k: _resolve(v, assigned) for k, v in value.items()}
        if isinstance(out.get("reference"), str) and out["reference"] in assigned:
            out["reference"] = assigned[out["reference"]]
        return out
    if isinstance(value, list):
        return [_resolve(v, assigned) for v in value]
    return value
