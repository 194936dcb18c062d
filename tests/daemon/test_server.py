"""The FHIR client and its authentication built from the configuration."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from gateway.config import parse
from gateway.config.settings import AuthSection
from gateway.daemon.server import auth_of, fhir_client
from gateway.upload.auth import BearerToken, ClientCredentials, SmartBackendServices

BASE = {"base_url": "https://fhir.example.org/r4"}


def auth_config(auth: dict[str, object], environ: dict[str, str] | None = None) -> AuthSection:
    return parse({"fhir": {**BASE, "auth": auth}}, environ or {}).fhir.auth


def test_no_auth() -> None:
    assert auth_of(auth_config({})) is None


def test_bearer_token_is_sent_from_the_environment() -> None:
    auth = auth_of(auth_config({"kind": "bearer"}, {"PHG_FHIR_AUTH_TOKEN": "tok-1"}))
    assert isinstance(auth, BearerToken)
    request = httpx.Request("GET", "https://fhir.example.org/r4/metadata")
    flow = auth.auth_flow(request)
    assert next(flow).headers["Authorization"] == "Bearer tok-1"


def test_client_credentials(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("s3cr3t\n")
    auth = auth_of(
        auth_config(
            {
                "kind": "client-credentials",
                "token_url": "https://auth.example.org/token",
                "client_id": "phg",
                "client_secret_file": str(secret),
                "scope": "system/*.write",
            }
        )
    )
    assert isinstance(auth, ClientCredentials)
    assert auth.client_id == "phg"
    assert "s3cr3t" not in repr(auth.__dict__)


def pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def smart(tmp_path: Path, key: bytes, algorithm: str) -> object:
    path = tmp_path / "key.pem"
    path.write_bytes(key)
    return auth_of(
        auth_config(
            {
                "kind": "smart-backend",
                "token_url": "https://auth.example.org/token",
                "client_id": "phg",
                "private_key_file": str(path),
                "algorithm": algorithm,
            }
        )
    )


def test_smart_backend_services_with_an_es384_key(tmp_path: Path) -> None:
    auth = smart(tmp_path, pem(ec.generate_private_key(ec.SECP384R1())), "ES384")
    assert isinstance(auth, SmartBackendServices)
    assert auth.algorithm == "ES384"


def test_a_key_that_does_not_fit_the_algorithm_names_the_setting(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"^fhir\.auth\.private_key_file: RS384 needs an RSA"):
        smart(tmp_path, pem(ec.generate_private_key(ec.SECP384R1())), "RS384")


def test_client_uses_the_configured_server_settings() -> None:
    config = parse({"fhir": {**BASE, "timeout": 12, "connect_timeout": 3}}, {}).fhir
    client = fhir_client(config)
    assert client.base_url == "https://fhir.example.org/r4"
    assert client.config.timeout == 12
    assert client.config.connect_timeout == 3
