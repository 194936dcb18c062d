"""pytest fixtures for real FHIR servers. Expose them with
``pytest_plugins = ("tests.fhirserver.plugin",)`` in the root ``tests/conftest.py``.

SEKMET only:

- ``fhir_server``: one SEKMET for the whole test session (fresh database);
- ``start_fhir_server``: a factory for a test's own SEKMET (fresh database each), which the
  test may stop and start again; stopped after the test.

Both servers (the test runs once per server, ids ``sekmet`` and ``medplum``):

- ``fhir_server_kind``: ``"sekmet"`` or ``"medplum"``;
- ``start_any_fhir_server``: a factory for a test's own server of that kind (fresh data each,
  may be stopped and started again with its data);
- ``any_fhir_server``: one started server of that kind for the test.

A server that is not installed fails the test (``scripts/test.sh`` installs both): a skipped
integration test would hide a broken set-up. The one exception: Medplum's server is skipped
when there is no Node.js at all on a developer's machine, never in CI (``CI=true``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fhirserver.server import (
    KINDS,
    FhirServerError,
    LocalFhirServer,
    SekmetServer,
    make_server,
)

StartFhirServer = Callable[[], SekmetServer]
StartAnyFhirServer = Callable[[], LocalFhirServer]


def _node_missing() -> bool:
    return not os.environ.get("NODE_BIN") and shutil.which("node") is None


def _start_kind(kind: str, workdir: Path) -> LocalFhirServer:
    try:
        server = make_server(kind, workdir)
        server.start()
    except FhirServerError as exc:
        if kind == "medplum" and _node_missing() and os.environ.get("CI") != "true":
            pytest.skip(f"Node.js is not installed (bash scripts/medplum-server.sh install): {exc}")
        pytest.fail(str(exc))
    return server


def _start(workdir: Path) -> SekmetServer:
    server = _start_kind("sekmet", workdir)
    assert isinstance(server, SekmetServer)
    return server


@pytest.fixture(scope="session")
def fhir_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SekmetServer]:
    server = _start(tmp_path_factory.mktemp("sekmet"))
    yield server
    server.stop()


@pytest.fixture
def start_fhir_server(tmp_path: Path) -> Iterator[StartFhirServer]:
    started: list[SekmetServer] = []

    def start() -> SekmetServer:
        server = _start(tmp_path / f"sekmet-{len(started)}")
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture(params=KINDS)
def fhir_server_kind(request: pytest.FixtureRequest) -> str:
    kind: str = request.param
    return kind


@pytest.fixture
def start_any_fhir_server(fhir_server_kind: str, tmp_path: Path) -> Iterator[StartAnyFhirServer]:
    started: list[LocalFhirServer] = []

    def start() -> LocalFhirServer:
        server = _start_kind(fhir_server_kind, tmp_path / f"{fhir_server_kind}-{len(started)}")
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def any_fhir_server(start_any_fhir_server: StartAnyFhirServer) -> LocalFhirServer:
    return start_any_fhir_server()
