"""The FHIR HTTP client (httpx): R4 JSON (``application/fhir+json``), timeouts, TLS.

TLS certificates are verified by default against the system store; ``ca_file`` replaces it
with a custom CA bundle (a private server's CA). ``verify=False`` exists for throw-away test
set-ups only and is logged as a warning.
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import httpx
import structlog

from gateway.upload.answer import MaybeConfiguration, Problem, RetryLater, read_answer
from gateway.upload.capability import CapabilityError, check_capability

FHIR_JSON: Final = "application/fhir+json"
EMPTY_TRANSACTION: Final = '{"resourceType":"Bundle","type":"transaction","entry":[]}'
_log = structlog.get_logger("gateway.upload.client")


@dataclass(frozen=True, slots=True)
class ServerConfig:
    base_url: str
    connect_timeout: float = 10.0
    timeout: float = 60.0
    """Read/write timeout: a large transaction can take a while on a slow server."""
    verify_tls: bool = True
    ca_file: Path | None = None

    def __post_init__(self) -> None:
        url = httpx.URL(self.base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"the FHIR base URL {self.base_url!r} must be an http(s) URL")


def error_detail(exc: BaseException) -> str:
    """``": message"`` of a request failure, fit to keep and show, or ``""``. A request httpx
    could not even build (``LocalProtocolError``: an illegal header value) may quote a header,
    which can carry a credential (field finding U7): its message is never given."""
    if isinstance(exc, httpx.LocalProtocolError) or not str(exc):
        return ""
    return f": {exc}"


def error_text(exc: BaseException) -> str:
    """``Type: message`` of a request failure (see :func:`error_detail`)."""
    return type(exc).__name__ + error_detail(exc)


def _may_use_tls(base_url: str, auth: httpx.Auth | None) -> bool:
    """Whether this client can ever open a TLS connection: an https base URL or token
    endpoint (redirects are not followed)."""
    token_url = str(getattr(auth, "token_url", "") or "")
    return base_url.lower().startswith("https:") or token_url.lower().startswith("https:")


def _no_trust_store() -> ssl.SSLContext:
    """For a plain-http server: a verifying TLS context that trusts nothing, so the system's
    CA store (about 1 MiB of memory) is not loaded for connections that never happen; if
    one did, verification would fail rather than pass."""
    return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED, check_hostname


class FhirClient:
    def __init__(
        self,
        config: ServerConfig,
        *,
        auth: httpx.Auth | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config
        self.base_url = config.base_url.rstrip("/")
        verify: ssl.SSLContext | bool = True
        if config.ca_file is not None:
            verify = ssl.create_default_context(cafile=str(config.ca_file))
        elif not config.verify_tls:
            _log.warning("tls_verification_disabled", base_url=self.base_url)
            verify = False
        elif not _may_use_tls(self.base_url, auth):
            verify = _no_trust_store()
        self._http = httpx.AsyncClient(
            auth=auth,
            verify=verify,
            transport=transport,
            timeout=httpx.Timeout(config.timeout, connect=config.connect_timeout),
            headers={"Accept": FHIR_JSON, "User-Agent": "phg"},
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._http.aclose()

    async def metadata(self) -> Any:
        response = await self._http.get(f"{self.base_url}/metadata")
        if response.is_redirect:
            where = response.headers.get("Location", "(no Location)")
            raise CapabilityError(
                f"{self.base_url}/metadata redirects (HTTP {response.status_code}) to "
                f"{where[:200]}: set fhir.base_url to the server's real base URL"
            )
        response.raise_for_status()
        return response.json()

    async def check(self) -> str:
        """GET /metadata and check it (raises CapabilityError); returns the FHIR version."""
        return check_capability(await self.metadata(), self.base_url)

    async def probe_transaction(self) -> None:
        """POST an empty transaction Bundle (it changes nothing): raise CapabilityError when
        the base URL redirects, is not found or refuses POST, or something other than a FHIR
        server answers (field finding U5)."""
        response = await self.transaction(EMPTY_TRANSACTION)
        answer = read_answer(response, 0)
        if isinstance(answer, MaybeConfiguration):
            raise CapabilityError(
                f"POST {self.base_url} answers HTTP {answer.status}: "
                "fhir.base_url is not the server's FHIR base"
            )
        if isinstance(answer, RetryLater) and answer.problem is not Problem.UNAVAILABLE:
            raise CapabilityError(f"POST {self.base_url}: {answer.brief}")

    async def transaction(self, body: str) -> httpx.Response:
        """POST a transaction Bundle (JSON text) to the base URL."""
        return await self._http.post(
            self.base_url,
            content=body.encode("utf-8"),
            headers={"Content-Type": FHIR_JSON, "Prefer": "return=minimal"},
        )

    async def get(self, path: str, params: dict[str, str] | None = None) -> httpx.Response:
        return await self._http.get(f"{self.base_url}/{path.lstrip('/')}", params=params)
