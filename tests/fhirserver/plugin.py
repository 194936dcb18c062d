"""pytest fixtures for a real SEKMET FHIR server. Expose them with
``pytest_plugins = ("tests.fhirserver.plugin",)`` in the root ``tests/conftest.py``.

- ``fhir_server``: one server for the whole test session (fresh database);
- ``start_fhir_server``: a factory for a test's own server (fresh database each), which the
  test may stop and start again; stopped after the test.

A missing SEKMET fails the test (``scripts/test.sh`` installs it): a skipped integration test
would hide a broken set-up.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.fhirserver.server import FhirServerError, SekmetServer

StartFhirServer = Callable[[], SekmetServer]


def _start(workdir: Path) -> SekmetServer:
    try:
        server = SekmetServer(workdir)
        server.start()
    except FhirServerError as exc:
        pytest.fail(str(exc))
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
