"""The local FHIR servers the demo and the tests can start, by name.

- ``sekmet``: SEKMET (FastAPI + SQLite), :mod:`gateway.demo.fhir_server`; the default;
- ``medplum``: Medplum's FHIR engine (Node, in memory, stricter: base R4 validation, at most 8
  entries in a transaction with a conditional create), :mod:`gateway.demo.medplum_server`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from gateway.demo.fhir_server import FhirServer
from gateway.demo.medplum_server import MedplumServer
from gateway.demo.server_process import ServerProcess

KINDS: Final = ("sekmet", "medplum")
DEFAULT_PORTS: Final = {"sekmet": 8090, "medplum": 8103}


def make_fhir_server(kind: str, workdir: Path, port: int | None = None) -> ServerProcess:
    """A (not yet started) server of ``kind``; raises FhirServerError when it is missing."""
    if kind == "sekmet":
        return FhirServer(workdir, port)
    if kind == "medplum":
        return MedplumServer(workdir, port)
    raise ValueError(f"unknown FHIR server {kind!r}; known: {', '.join(KINDS)}")
