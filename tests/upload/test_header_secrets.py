"""U7: a token or secret that is not one line never reaches an HTTP header, so httpx never
quotes it (``Illegal header value b'Bearer ...'``) into the logs, the outbox or the status page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import structlog

from gateway.outbox import ItemState
from gateway.outbox.outbox import Outbox
from gateway.upload.auth import BearerToken, ClientCredentials
from gateway.upload.secrets import Secret, SecretError
from tests.upload.fake_server import FakeFhirServer
from tests.upload.harness import Sleeps, run_upload
from tests.upload.readings import bp_readings

TOKEN_URL = "https://auth.example.org/token"
TOKEN = "tok-9f8e7d6c5b4a-SECRET"


@pytest.mark.parametrize("bad", [f"{TOKEN}\nX-Evil: 1", f"{TOKEN}\n", f"{TOKEN}\r", "\x00" + TOKEN])
def test_a_bearer_token_with_a_control_character_is_refused(bad: str) -> None:
    with pytest.raises(SecretError) as info:
        BearerToken(Secret(bad, "fhir.auth token"))
    assert str(info.value).startswith("fhir.auth token: contains a control character (0x")
    assert TOKEN not in str(info.value)


def test_a_client_secret_with_a_control_character_is_refused() -> None:
    with pytest.raises(SecretError) as info:
        ClientCredentials(TOKEN_URL, "phg", Secret(f"{TOKEN}\r\nX", "client secret"))
    assert TOKEN not in str(info.value)


def test_an_access_token_that_is_not_one_line_is_never_echoed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The token endpoint first issues a token with an embedded newline: the upload waits
    (no quarantine) and the failure recorded in the outbox and the logs does not quote it."""
    replies = [
        httpx.Response(200, json={"access_token": f"{TOKEN}\nX-Evil: 1", "token_type": "Bearer"})
    ]
    server = FakeFhirServer()

    def handle(request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URL:
            if replies:
                return replies.pop(0)
            return httpx.Response(200, json={"access_token": "good", "token_type": "Bearer"})
        return server.handle(request)

    server.transport = lambda: httpx.MockTransport(handle)  # type: ignore[method-assign]
    recorded: list[str] = []
    original = Outbox.record_failure

    async def record_failure(self: Outbox, ids: Any, error: str) -> None:
        recorded.append(error)
        await original(self, ids, error)

    monkeypatch.setattr(Outbox, "record_failure", record_failure)

    async def state(outbox: Any) -> Any:
        return await outbox.counts()

    auth = ClientCredentials(TOKEN_URL, "phg", Secret("client-secret"))
    with structlog.testing.capture_logs() as logs:
        counts = run_upload(
            tmp_path, server, [bp_readings(1)], auth=auth, sleeps=Sleeps(), then=state
        )
    assert counts == {ItemState.PENDING: 0, ItemState.DONE: 1, ItemState.QUARANTINED: 0}
    assert recorded
    assert all("not one line" in error for error in recorded)
    assert TOKEN not in repr(recorded) + repr(logs)
