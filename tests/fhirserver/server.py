"""The SEKMET server the tests use: the same launcher as the demo's
(:mod:`gateway.demo.fhir_server`), under the names the test fixtures use."""

from __future__ import annotations

from gateway.demo.fhir_server import FhirServer as SekmetServer
from gateway.demo.fhir_server import FhirServerError, free_port, sekmet_executable

__all__ = ["FhirServerError", "SekmetServer", "free_port", "sekmet_executable"]
