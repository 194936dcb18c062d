"""Authentication for the FHIR client (httpx ``Auth`` flows).

- :class:`BearerToken`: a static token;
- :class:`ClientCredentials`: OAuth 2.0 client credentials grant, client secret sent with HTTP
  Basic (or in the form with ``secret_in_body``);
- :class:`SmartBackendServices`: SMART Backend Services, the client credentials grant with a
  ``private_key_jwt`` client assertion signed RS384 or ES384 (:mod:`gateway.upload.jws`).

Tokens from a token endpoint are cached and fetched again ``refresh_margin`` seconds before
they expire (a token whose lifetime is shorter than the margin is used for one request only);
a 401 from the FHIR server drops the cached token and the request is repeated once with a
fresh one. Token endpoint failures raise :class:`TokenError` (the uploader backs off and
retries; no reading is quarantined for it). Tokens and secrets are never logged: errors carry
the endpoint, the status and the OAuth ``error`` code only. Every token and client secret must
be one line (:func:`gateway.upload.secrets.one_line`): one with a control character is refused
before it reaches a header, so httpx never quotes it in an ``Illegal header value`` error.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from urllib.parse import quote_plus

import httpx
import structlog

if TYPE_CHECKING:  # cryptography is loaded only when SMART Backend Services is configured
    from gateway.upload import jws
from gateway.upload.secrets import Secret, SecretError, one_line

DEFAULT_REFRESH_MARGIN: Final = 60.0
DEFAULT_LIFETIME: Final = 300.0
"""Assumed lifetime when the token response has no ``expires_in``."""
ASSERTION_LIFETIME: Final = 300
"""SMART Backend Services: the client assertion expires within five minutes."""
ASSERTION_TYPE: Final = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

_log = structlog.get_logger("gateway.upload.auth")


class TokenError(Exception):
    """No access token could be obtained (the message never contains a secret)."""


class BearerToken(httpx.Auth):
    """A static bearer token."""

    def __init__(self, token: Secret) -> None:
        one_line(token.reveal(), token.source)
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token.reveal()}"
        yield request


@dataclass(frozen=True, slots=True)
class _Token:
    value: Secret
    expires_at: float


class _TokenEndpointAuth(httpx.Auth):
    """Shared caching and refresh; subclasses build the token request."""

    requires_response_body = True

    def __init__(
        self,
        token_url: str,
        scope: str | None,
        *,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.token_url = token_url
        self.scope = scope
        self.refresh_margin = refresh_margin
        self._clock = clock
        self._token: _Token | None = None
        self.fetches = 0
        """How many tokens were requested (for tests and diagnostics)."""

    def _form(self) -> dict[str, str]:
        form = {"grant_type": "client_credentials"}
        if self.scope:
            form["scope"] = self.scope
        return form

    def token_request(self) -> httpx.Request:
        raise NotImplementedError

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        fresh = False
        if self._token is None or self._clock() >= self._token.expires_at:
            self._token = self._parse((yield self.token_request()))
            fresh = True
        request.headers["Authorization"] = f"Bearer {self._token.value.reveal()}"
        response = yield request
        if response.status_code == 401 and not fresh:
            _log.info("access_token_rejected_refreshing", token_url=self.token_url)
            self._token = self._parse((yield self.token_request()))
            request.headers["Authorization"] = f"Bearer {self._token.value.reveal()}"
            yield request

    def _parse(self, response: httpx.Response) -> _Token:
        self.fetches += 1
        where = f"the token endpoint {self.token_url}"
        try:
            data = response.json()
        except ValueError:
            data = None
        if response.status_code != 200:
            code = data.get("error") if isinstance(data, dict) else None
            detail = f" ({code})" if isinstance(code, str) else ""
            raise TokenError(f"{where} answered {response.status_code}{detail}")
        if not isinstance(data, dict):
            raise TokenError(f"{where} did not answer with a JSON object")
        value = data.get("access_token")
        kind = data.get("token_type", "bearer")
        if not isinstance(value, str) or not value:
            raise TokenError(f"{where} answered without an access_token")
        try:
            one_line(value, where)
        except SecretError:
            raise TokenError(
                f"{where} answered with an access_token that is not one line"
            ) from None
        if not isinstance(kind, str) or kind.lower() != "bearer":
            raise TokenError(f"{where} issued a {kind!r} token; only bearer tokens are supported")
        lifetime = data.get("expires_in", DEFAULT_LIFETIME)
        if not isinstance(lifetime, int | float) or isinstance(lifetime, bool):
            raise TokenError(f"{where} answered with a non-numeric expires_in")
        _log.debug("access_token_obtained", token_url=self.token_url, expires_in=lifetime)
        return _Token(Secret(value, where), self._clock() + float(lifetime) - self.refresh_margin)


class ClientCredentials(_TokenEndpointAuth):
    """OAuth 2.0 client credentials grant (RFC 6749 §4.4)."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        client_secret: Secret,
        scope: str | None = None,
        *,
        secret_in_body: bool = False,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(token_url, scope, refresh_margin=refresh_margin, clock=clock)
        one_line(client_secret.reveal(), client_secret.source)
        self.client_id = client_id
        self._secret = client_secret
        self.secret_in_body = secret_in_body

    def token_request(self) -> httpx.Request:
        form = self._form()
        headers = {"Accept": "application/json"}
        if self.secret_in_body:
            form |= {"client_id": self.client_id, "client_secret": self._secret.reveal()}
        else:
            headers["Authorization"] = basic_credentials(self.client_id, self._secret.reveal())
        return httpx.Request("POST", self.token_url, data=form, headers=headers)


def basic_credentials(client_id: str, secret: str) -> str:
    """RFC 6749 §2.3.1: both parts form-urlencoded, then HTTP Basic."""
    pair = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


class SmartBackendServices(_TokenEndpointAuth):
    """SMART Backend Services (``private_key_jwt``, RS384 or ES384)."""

    def __init__(
        self,
        token_url: str,
        client_id: str,
        private_key: Secret,
        algorithm: jws.Algorithm,
        scope: str = "system/*.write",
        *,
        kid: str | None = None,
        refresh_margin: float = DEFAULT_REFRESH_MARGIN,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(token_url, scope, refresh_margin=refresh_margin, clock=clock)
        self.client_id = client_id
        self.algorithm = algorithm
        self.kid = kid
        from gateway.upload import jws

        self._key = jws.load_private_key(private_key.reveal(), algorithm)
        self._wall_clock = wall_clock

    def client_assertion(self) -> str:
        now = int(self._wall_clock())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": self.token_url,
            "exp": now + ASSERTION_LIFETIME,
            "iat": now,
            "jti": str(uuid.uuid4()),
        }
        from gateway.upload import jws

        return jws.sign(claims, self._key, self.algorithm, self.kid)

    def token_request(self) -> httpx.Request:
        form = self._form() | {
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.client_assertion(),
        }
        return httpx.Request(
            "POST", self.token_url, data=form, headers={"Accept": "application/json"}
        )
