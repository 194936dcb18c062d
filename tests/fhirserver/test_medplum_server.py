"""The Medplum test server (gateway/demo/medplum/server.mjs) keeps the behaviours the tests rely
on: Medplum's cap on transactions with conditional creates, atomic transactions, validation on
write, conditional create without duplicates, and its data across a stop and start."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.fhirserver.plugin import StartAnyFhirServer
from tests.fhirserver.server import LocalFhirServer

pytestmark = pytest.mark.integration

# The two-server fixtures (tests/fhirserver/plugin.py), for the medplum kind only:
ONLY_MEDPLUM = pytest.mark.parametrize("fhir_server_kind", ["medplum"])

FHIR_JSON = {"Content-Type": "application/fhir+json"}


def observation(index: int, **changes: Any) -> dict[str, Any]:
    resource = {
        "resourceType": "Observation",
        "identifier": [{"system": "urn:phg:test", "value": str(index)}],
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "valueQuantity": {"value": 60 + index},
    }
    return resource | changes


def conditional(resource: dict[str, Any]) -> dict[str, Any]:
    value = resource["identifier"][0]["value"]
    return {
        "resource": resource,
        "request": {
            "method": "POST",
            "url": resource["resourceType"],
            "ifNoneExist": f"identifier=urn:phg:test|{value}",
        },
    }


def transaction(*entries: dict[str, Any]) -> dict[str, Any]:
    return {"resourceType": "Bundle", "type": "transaction", "entry": list(entries)}


def post(server: LocalFhirServer, body: dict[str, Any]) -> httpx.Response:
    return httpx.post(server.base_url, json=body, headers=FHIR_JSON, timeout=30)


def count(server: LocalFhirServer) -> int:
    reply = httpx.get(f"{server.base_url}/Observation", params={"_summary": "count"}, timeout=30)
    total: int = reply.json()["total"]
    return total


@ONLY_MEDPLUM
def test_medplum_caps_transactions_with_conditional_creates_at_8_entries(
    any_fhir_server: LocalFhirServer,
) -> None:
    nine = post(any_fhir_server, transaction(*(conditional(observation(i)) for i in range(9))))
    assert nine.status_code == 400
    assert "too many entries" in nine.text
    assert count(any_fhir_server) == 0
    eight = transaction(*(conditional(observation(i)) for i in range(8)))
    first = post(any_fhir_server, eight)
    assert first.status_code == 200
    assert first.json()["type"] == "transaction-response"
    assert [e["response"]["status"][:3] for e in first.json()["entry"]] == ["201"] * 8
    again = post(any_fhir_server, eight)
    assert [e["response"]["status"][:3] for e in again.json()["entry"]] == ["200"] * 8
    assert count(any_fhir_server) == 8


@ONLY_MEDPLUM
@pytest.mark.parametrize(
    "invalid",
    [
        pytest.param({"valueQuantity": {"value": "abc"}}, id="wrong-type"),
        pytest.param({"status": "not-a-status"}, id="required-binding"),
        pytest.param({"foo": 1}, id="unknown-element"),
    ],
)
def test_medplum_transactions_are_atomic_and_validated(
    any_fhir_server: LocalFhirServer, invalid: dict[str, Any]
) -> None:
    reply = post(
        any_fhir_server,
        transaction(conditional(observation(1)), conditional(observation(2, **invalid))),
    )
    assert reply.status_code == 400
    assert reply.json()["resourceType"] == "OperationOutcome"
    assert count(any_fhir_server) == 0  # the valid first entry was rolled back


@ONLY_MEDPLUM
def test_medplum_keeps_its_data_across_a_restart(start_any_fhir_server: StartAnyFhirServer) -> None:
    server = start_any_fhir_server()
    assert post(server, transaction(conditional(observation(1)))).status_code == 200
    server.stop()
    server.start()
    assert count(server) == 1
    metadata = httpx.get(f"{server.base_url}/metadata", timeout=30).json()
    assert {"code": "transaction"} in metadata["rest"][0]["interaction"]
