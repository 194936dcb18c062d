"""A plain-http FHIR server (no https token endpoint either) loads no CA store; the context
that stands in still verifies (and trusts nothing), so a TLS connection would fail, not pass."""

from __future__ import annotations

import ssl

from gateway.upload import client
from gateway.upload.auth import ClientCredentials
from gateway.upload.secrets import Secret


def test_tls_is_possible_only_with_an_https_url() -> None:
    assert not client._may_use_tls("http://127.0.0.1:8090/fhir", None)
    assert client._may_use_tls("HTTPS://fhir.example/fhir", None)
    https_token = ClientCredentials("https://auth.example/token", "id", Secret("s"))
    assert client._may_use_tls("http://127.0.0.1:8090/fhir", https_token)


def test_the_stand_in_context_verifies_and_trusts_nothing() -> None:
    context = client._no_trust_store()
    assert context.verify_mode is ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 0
