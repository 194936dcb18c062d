"""The FHIR client of the configuration: :class:`gateway.upload.client.FhirClient` with the
configured TLS settings and authentication (:mod:`gateway.upload.auth`), secrets read through
:mod:`gateway.config.secrets`. Raises ``ValueError`` (a configuration problem: exit code 2)
for a private key that does not fit the algorithm."""

from __future__ import annotations

import httpx

from gateway.config import secrets
from gateway.config.settings import AuthSection, FhirSection
from gateway.daemon.observed import ObservedFhirClient
from gateway.upload.auth import BearerToken, ClientCredentials, SmartBackendServices
from gateway.upload.client import ServerConfig
from gateway.upload.secrets import Secret


def _secret(value: Secret | None, source: str) -> Secret:
    if value is None:
        raise ValueError(f"{source}: no secret")
    return value


def auth_of(auth: AuthSection) -> httpx.Auth | None:
    if auth.kind == "none":
        return None
    if auth.kind == "bearer":
        token = secrets.token(auth)
        return BearerToken(_secret(token, "fhir.auth token"))
    assert auth.token_url is not None  # validated
    assert auth.client_id is not None
    if auth.kind == "client-credentials":
        secret = secrets.client_secret(auth)
        return ClientCredentials(
            auth.token_url,
            auth.client_id,
            _secret(secret, "fhir.auth client secret"),
            auth.scope,
            secret_in_body=auth.client_secret_in_body,
        )
    key = secrets.private_key(auth)
    try:
        return SmartBackendServices(
            auth.token_url,
            auth.client_id,
            _secret(key, "fhir.auth.private_key_file"),
            auth.algorithm,
            auth.scope or "system/*.write",
            kid=auth.key_id,
        )
    except ValueError as exc:
        raise ValueError(f"fhir.auth.private_key_file: {exc}") from None


def fhir_client(
    fhir: FhirSection, transport: httpx.AsyncBaseTransport | None = None
) -> ObservedFhirClient:
    """The client; it reports its transactions to the status board the daemon gives it."""
    server = ServerConfig(
        base_url=fhir.base_url,
        connect_timeout=fhir.connect_timeout,
        timeout=fhir.timeout,
        verify_tls=fhir.verify_tls,
        ca_file=fhir.ca_file,
    )
    return ObservedFhirClient(server, auth=auth_of(fhir.auth), transport=transport)
