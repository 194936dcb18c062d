"""The hostile proxy (tests/fhirserver/hostile.py) does what each mode says: one transaction
through it per mode, checking the answer the client gets and whether SEKMET stored it. (The
uploader's tests in tests/upload/test_hostile.py rely on this.)"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Final

import httpx
import pytest

from tests.fhirserver.hostile import SLOW_SECONDS, TLS_MODES, HostileServer, Mode, TlsFiles
from tests.fhirserver.plugin import StartFhirServer

pytestmark = pytest.mark.integration

PATIENT: Final = {
    "resourceType": "Patient",
    "identifier": [{"system": "urn:phg:hostile-test", "value": "p1"}],
}
TRANSACTION: Final = {
    "resourceType": "Bundle",
    "type": "transaction",
    "entry": [
        {
            "fullUrl": "urn:uuid:0b5a5d0e-8f7e-4b1e-9a55-7d1c1c5e0c01",
            "resource": PATIENT,
            "request": {
                "method": "POST",
                "url": "Patient",
                "ifNoneExist": "identifier=urn:phg:hostile-test|p1",
            },
        }
    ],
}

Check = Callable[[httpx.Response], bool]


def is_json(reply: httpx.Response) -> bool:
    try:
        reply.json()
    except ValueError:
        return False
    return True


def bundle(kind: str, entries: int) -> Check:
    return lambda r: r.json()["type"] == kind and len(r.json().get("entry", [])) == entries


# mode: (status the client gets, or the exception it raises; what else holds; SEKMET stored it)
EXPECTED: Final[dict[Mode, tuple[int | type[Exception], Check, bool]]] = {
    Mode.GOOD: (200, bundle("transaction-response", 1), True),
    Mode.HTML: (200, lambda r: "Welcome to nginx" in r.text, False),
    Mode.GARBAGE: (200, lambda r: not is_json(r), False),
    Mode.SHORT: (200, bundle("transaction-response", 0), True),
    Mode.WRONG_TYPE: (200, bundle("batch-response", 1), True),
    Mode.SEARCHSET: (200, bundle("searchset", 0), False),
    Mode.ERROR_OUTCOME: (200, lambda r: r.json()["issue"][0]["severity"] == "error", False),
    Mode.REDIRECT_301: (301, lambda r: r.headers["Location"].endswith("/moved/fhir"), False),
    Mode.REDIRECT_302: (302, lambda r: r.headers["Location"].endswith("/moved/fhir"), False),
    Mode.REDIRECT_307: (307, lambda r: r.headers["Location"].endswith("/moved/fhir"), False),
    Mode.NOT_FOUND: (404, lambda r: "nginx" in r.text, False),
    Mode.NOT_ALLOWED: (405, lambda r: r.headers["Allow"] == "GET", False),
    Mode.SERVER_ERROR: (500, is_json, False),
    Mode.TOO_MANY_REQUESTS: (429, lambda r: r.headers["Retry-After"] == "1", False),
    Mode.SLOW: (httpx.ReadTimeout, lambda r: True, True),
    Mode.COMMIT_THEN_DROP: (httpx.RemoteProtocolError, lambda r: True, True),
    Mode.TLS_UNTRUSTED: (httpx.ConnectError, lambda r: True, False),
    Mode.PLAIN_HTTP: (httpx.ConnectError, lambda r: True, False),
}


def patients(base_url: str) -> int:
    reply = httpx.get(f"{base_url}/Patient", params={"_summary": "count"}, timeout=30)
    total: int = reply.json()["total"]
    return total


@pytest.mark.parametrize("mode", list(Mode), ids=str)
def test_each_mode_answers_as_documented(
    mode: Mode, start_fhir_server: StartFhirServer, tmp_path: Path
) -> None:
    sekmet = start_fhir_server()
    tls = TlsFiles.create(tmp_path / "tls") if mode in TLS_MODES or mode is Mode.GOOD else None
    status, check, stored = EXPECTED[mode]
    with HostileServer(sekmet.base_url, tls=tls) as hostile:
        hostile.mode = mode
        verify = ssl.create_default_context(cafile=tls.ca_file) if tls is not None else True
        timeout = SLOW_SECONDS / 2 if mode is Mode.SLOW else 30
        with httpx.Client(verify=verify, timeout=timeout) as client:
            if isinstance(status, int):
                reply = client.post(hostile.base_url, json=TRANSACTION)
                assert reply.status_code == status
                assert check(reply), reply.text[:500]
            else:
                with pytest.raises(status):
                    client.post(hostile.base_url, json=TRANSACTION)
        assert hostile.hostile_answers == (0 if mode is Mode.GOOD else 1)
    assert patients(sekmet.base_url) == (1 if stored else 0)
