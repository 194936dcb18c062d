"""Authentication: static bearer, client credentials, SMART Backend Services; token caching,
refresh, failures; secrets never in logs."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest
import structlog
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from gateway.outbox import ItemState
from gateway.upload.auth import (
    ASSERTION_TYPE,
    BearerToken,
    ClientCredentials,
    SmartBackendServices,
    TokenError,
)
from gateway.upload.secrets import Secret
from tests.upload.fake_server import FakeFhirServer
from tests.upload.harness import Sleeps, run_upload
from tests.upload.readings import bp_readings

TOKEN_URL = "https://auth.example.org/token"
TOKEN = "tok-9f8e7d6c5b4a-SECRET"
CLIENT_SECRET = "s3cr3t-client-p@ss"


class TokenEndpoint:
    """Answers token requests; ``replies`` scripts them (default: a fresh 1-hour token)."""

    def __init__(self, replies: list[httpx.Response] | None = None) -> None:
        self.replies = replies or []
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.replies:
            return self.replies.pop(0)
        token = f"{TOKEN}-{len(self.requests)}"
        return httpx.Response(
            200, json={"access_token": token, "token_type": "Bearer", "expires_in": 3600}
        )


def transport(endpoint: TokenEndpoint, seen: list[str | None]) -> httpx.MockTransport:
    def handle(request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URL:
            return endpoint(request)
        seen.append(request.headers.get("Authorization"))
        return httpx.Response(200, json={})

    return httpx.MockTransport(handle)


def get_many(auth: httpx.Auth, endpoint: TokenEndpoint, count: int) -> list[str | None]:
    seen: list[str | None] = []
    with httpx.Client(auth=auth, transport=transport(endpoint, seen)) as client:
        for _ in range(count):
            client.get("https://fhir.example.org/r4/metadata")
    return seen


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_static_bearer_token() -> None:
    seen = get_many(BearerToken(Secret(TOKEN)), TokenEndpoint(), 2)
    assert seen == [f"Bearer {TOKEN}"] * 2


def test_client_credentials_token_is_cached_and_refreshed_before_expiry() -> None:
    clock = Clock()
    auth = ClientCredentials(
        TOKEN_URL, "phg-gw", Secret(CLIENT_SECRET), "system/*.write", clock=clock
    )
    endpoint = TokenEndpoint()
    seen: list[str | None] = []
    with httpx.Client(auth=auth, transport=transport(endpoint, seen)) as client:
        client.get("https://fhir.example.org/r4/metadata")
        clock.now += 3000  # within the token's hour, before the 60 s margin
        client.get("https://fhir.example.org/r4/metadata")
        clock.now += 541  # 59 s before expiry: refresh
        client.get("https://fhir.example.org/r4/metadata")
    assert seen == [f"Bearer {TOKEN}-1", f"Bearer {TOKEN}-1", f"Bearer {TOKEN}-2"]
    form = parse_qs(endpoint.requests[0].content.decode())
    assert form == {"grant_type": ["client_credentials"], "scope": ["system/*.write"]}
    basic = endpoint.requests[0].headers["Authorization"]
    assert base64.b64decode(basic.removeprefix("Basic ")).decode() == (
        "phg-gw:s3cr3t-client-p%40ss"  # RFC 6749 §2.3.1: form-urlencoded before Basic
    )


def test_an_already_expired_token_is_never_reused() -> None:
    expired = [
        httpx.Response(
            200, json={"access_token": f"{TOKEN}-{i}", "token_type": "bearer", "expires_in": 0}
        )
        for i in range(3)
    ]
    endpoint = TokenEndpoint(expired)
    auth = ClientCredentials(TOKEN_URL, "phg-gw", Secret(CLIENT_SECRET))
    seen = get_many(auth, endpoint, 3)
    assert len(endpoint.requests) == 3
    assert seen == [f"Bearer {TOKEN}-0", f"Bearer {TOKEN}-1", f"Bearer {TOKEN}-2"]


def test_a_rejected_token_is_replaced_once() -> None:
    endpoint = TokenEndpoint()
    auth = ClientCredentials(TOKEN_URL, "phg-gw", Secret(CLIENT_SECRET))
    answers = [httpx.Response(200), httpx.Response(401), httpx.Response(200)]
    seen: list[str | None] = []

    def handle(request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URL:
            return endpoint(request)
        seen.append(request.headers.get("Authorization"))
        return answers.pop(0)

    with httpx.Client(auth=auth, transport=httpx.MockTransport(handle)) as client:
        assert client.get("https://fhir.example.org/r4/a").status_code == 200
        assert client.get("https://fhir.example.org/r4/b").status_code == 200
    assert seen == [f"Bearer {TOKEN}-1", f"Bearer {TOKEN}-1", f"Bearer {TOKEN}-2"]


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (httpx.Response(401, json={"error": "invalid_client"}), "answered 401 (invalid_client)"),
        (httpx.Response(503, text="down"), "answered 503"),
        (httpx.Response(200, json={"token_type": "bearer"}), "without an access_token"),
        (httpx.Response(200, json={"access_token": "x", "token_type": "mac"}), "only bearer"),
        (httpx.Response(200, text="<html>"), "not answer with a JSON object"),
    ],
)
def test_token_endpoint_failures(reply: httpx.Response, message: str) -> None:
    auth = ClientCredentials(TOKEN_URL, "phg-gw", Secret(CLIENT_SECRET))
    with pytest.raises(TokenError, match=re.escape(message)) as info:
        get_many(auth, TokenEndpoint([reply]), 1)
    assert CLIENT_SECRET not in str(info.value)


def test_token_failure_delays_uploads_without_quarantine_and_never_logs_secrets(
    tmp_path: Path,
) -> None:
    endpoint = TokenEndpoint(
        [httpx.Response(500), httpx.Response(400, json={"error": "invalid_client"})]
    )
    server = FakeFhirServer(script=[lambda r: httpx.Response(401), lambda r: httpx.Response(503)])
    auth = ClientCredentials(TOKEN_URL, "phg-gw", Secret(CLIENT_SECRET))

    def handle(request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URL:
            return endpoint(request)
        return server.handle(request)

    server.transport = lambda: httpx.MockTransport(handle)  # type: ignore[method-assign]
    sleeps = Sleeps()

    async def state(outbox: Any) -> Any:
        return await outbox.counts()

    with structlog.testing.capture_logs() as logs:
        counts = run_upload(
            tmp_path, server, [bp_readings(2)], auth=auth, sleeps=sleeps, then=state
        )
    assert counts == {ItemState.PENDING: 0, ItemState.DONE: 2, ItemState.QUARANTINED: 0}
    assert len(sleeps.delays) >= 3
    assert any(e["event"] == "upload_failed_retrying" for e in logs)
    text = repr(logs)
    assert TOKEN not in text
    assert CLIENT_SECRET not in text
    for request in server.requests:
        assert request.headers["Authorization"].startswith(f"Bearer {TOKEN}")


def _verify(assertion: str, public_key: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    def part(text: str) -> bytes:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))

    header_b64, claims_b64, signature_b64 = assertion.split(".")
    signed = f"{header_b64}.{claims_b64}".encode()
    signature = part(signature_b64)
    if isinstance(public_key, rsa.RSAPublicKey):
        public_key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA384())
    else:
        assert len(signature) == 96
        der = encode_dss_signature(
            int.from_bytes(signature[:48], "big"), int.from_bytes(signature[48:], "big")
        )
        public_key.verify(der, signed, ec.ECDSA(hashes.SHA384()))
    return json.loads(part(header_b64)), json.loads(part(claims_b64))


@pytest.mark.parametrize("algorithm", ["RS384", "ES384"])
def test_smart_backend_services_client_assertion(algorithm: Any) -> None:
    key: Any = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        if algorithm == "RS384"
        else ec.generate_private_key(ec.SECP384R1())
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    auth = SmartBackendServices(
        TOKEN_URL,
        "phg-client",
        Secret(pem),
        algorithm,
        kid="key-1",
        wall_clock=lambda: 1_700_000_000,
    )
    endpoint = TokenEndpoint()
    seen = get_many(auth, endpoint, 2)
    assert seen == [f"Bearer {TOKEN}-1"] * 2
    form = parse_qs(endpoint.requests[0].content.decode())
    assert form["grant_type"] == ["client_credentials"]
    assert form["scope"] == ["system/*.write"]
    assert form["client_assertion_type"] == [ASSERTION_TYPE]
    header, claims = _verify(form["client_assertion"][0], key.public_key())
    assert header == {"alg": algorithm, "typ": "JWT", "kid": "key-1"}
    assert claims["iss"] == claims["sub"] == "phg-client"
    assert claims["aud"] == TOKEN_URL
    assert claims["exp"] == 1_700_000_300
    assert claims["jti"]
    assert "Authorization" not in endpoint.requests[0].headers


def test_smart_backend_services_rejects_a_key_of_the_wrong_kind() -> None:
    ec_key = ec.generate_private_key(ec.SECP256R1())
    pem = ec_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    with pytest.raises(ValueError, match="P-384"):
        SmartBackendServices(TOKEN_URL, "c", Secret(pem), "ES384")
    with pytest.raises(ValueError, match="RSA"):
        SmartBackendServices(TOKEN_URL, "c", Secret(pem), "RS384")
