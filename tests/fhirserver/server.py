"""The real FHIR servers the tests use: the same launchers as the demo's
(:mod:`gateway.demo.servers`), under the names the test fixtures use.

- ``sekmet``: SEKMET (FastAPI + SQLite), :mod:`gateway.demo.fhir_server`;
- ``medplum``: Medplum's FHIR engine (Node, in memory, stricter: at most 8 entries in a
  transaction with a conditional create, base R4 validation), :mod:`gateway.demo.medplum_server`.
"""

from __future__ import annotations

from gateway.demo.fhir_server import FhirServer as SekmetServer
from gateway.demo.fhir_server import FhirServerError, free_port, sekmet_executable
from gateway.demo.medplum_server import MedplumServer
from gateway.demo.server_process import ServerProcess as LocalFhirServer
from gateway.demo.servers import KINDS
from gateway.demo.servers import make_fhir_server as make_server

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
