"""The /metadata check, Location parsing, Retry-After parsing, TLS/URL configuration."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.upload.answer import parse_retry_after
from gateway.upload.bundles import reference_from_location
from gateway.upload.capability import CapabilityError, check_capability
from gateway.upload.client import FhirClient, ServerConfig
from tests.upload.fake_server import BASE, metadata


def test_r4_with_transactions_is_accepted() -> None:
    assert check_capability(metadata("4.0.1"), BASE) == "4.0.1"


@pytest.mark.parametrize(
    ("statement", "message"),
    [
        (metadata("4.3.0"), "speaks FHIR 4.3.0; PHG uploads FHIR R4"),
        (metadata("5.0.0"), "speaks FHIR 5.0.0"),
        ({**metadata(), "fhirVersion": None}, "unknown version"),
        (metadata(interactions=("batch",)), "'transaction' interaction"),
        ({**metadata(), "format": ["xml"]}, "does not accept JSON"),
        ({"resourceType": "OperationOutcome"}, "did not return a CapabilityStatement"),
        ([], "did not return a CapabilityStatement"),
    ],
)
def test_unusable_servers_are_refused_clearly(statement: Any, message: str) -> None:
    with pytest.raises(CapabilityError, match=message):
        check_capability(statement, BASE)


def test_client_checks_metadata_and_sends_fhir_json() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path.endswith("/metadata"):
            return httpx.Response(200, json=metadata("4.0.1"))
        return httpx.Response(200, json={"resourceType": "Bundle"})

    async def scenario() -> None:
        client = FhirClient(ServerConfig(BASE + "/"), transport=httpx.MockTransport(handle))
        assert await client.check() == "4.0.1"
        await client.transaction('{"resourceType":"Bundle"}')
        await client.aclose()

    asyncio.run(scenario())
    assert str(seen[0].url) == f"{BASE}/metadata"
    post = seen[1]
    assert str(post.url) == BASE
    assert post.method == "POST"
    assert post.headers["Content-Type"] == "application/fhir+json"
    assert post.headers["Accept"] == "application/fhir+json"


def test_bad_base_url_and_missing_ca_file_are_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="http"):
        ServerConfig("fhir.example.org/r4")
    with pytest.raises(OSError, match="No such file"):
        FhirClient(ServerConfig(BASE, ca_file=tmp_path / "missing-ca.pem"))


@pytest.mark.parametrize(
    ("location", "reference"),
    [
        ("http://127.0.0.1:8090/fhir/Device/f1bc3a3a-cad4/_history/1", "Device/f1bc3a3a-cad4"),
        ("Patient/42/_history/3", "Patient/42"),
        ("Device/7", "Device/7"),
        ("https://x.org/r4/Observation/9", "Observation/9"),
        ("nonsense", None),
    ],
)
def test_location_to_reference(location: str, reference: str | None) -> None:
    assert reference_from_location(location) == reference


def test_retry_after_seconds_and_dates() -> None:
    now = dt.datetime(2026, 1, 1, 12, 0, tzinfo=dt.UTC)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None, now) is None
