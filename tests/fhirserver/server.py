"""The real FHIR servers the tests use: the same launchers as the demo's, under the names the
test fixtures use.

- ``sekmet``: SEKMET (FastAPI + SQLite), :mod:`gateway.demo.fhir_server`;
- ``medplum``: Medplum's FHIR engine (Node, in memory, stricter: at most 8 entries in a
  transaction with a conditional create, base R4 validation), :mod:`gateway.demo.medplum_server`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from gateway.demo.fhir_server import FhirServer as SekmetServer
from gateway.demo.fhir_server import FhirServerError, free_port, sekmet_executable
from gateway.demo.medplum_server import MedplumServer
from gateway.demo.server_process import ServerProcess as LocalFhirServer

__all__ = [
    "KINDS",
    "FhirServerError",
    "LocalFhirServer",
    "MedplumServer",
    "SekmetServer",
    "free_port",
    "make_server",
    "sekmet_executable",
]

KINDS: Final = ("sekmet", "medplum")


def make_server(kind: str, workdir: Path, port: int | None = None) -> LocalFhirServer:
    """A (not yet started) server of ``kind``; raises FhirServerError when not installed."""
    if kind == "sekmet":
        return SekmetServer(workdir, port)
    if kind == "medplum":
        return MedplumServer(workdir, port)
    raise ValueError(f"unknown FHIR server kind {kind!r}; known: {', '.join(KINDS)}")
