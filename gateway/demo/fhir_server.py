"""A local SEKMET FHIR R4 server process, for the demo and the test fixtures.

SEKMET (``sekmet-fhir==0.1.1``) is installed by ``scripts/fhir-server.sh install`` into its own
venv (``.fhir-venv``; ``scripts/demo.sh`` and ``scripts/test.sh`` do it); ``SEKMET_BIN`` or a
``sekmet`` on ``PATH`` also work. The server runs in its own process group in a scratch
directory (so no ``settings.yaml`` is picked up by accident), with ``SEKMET_DB`` there and
``SEKMET_BASE_URL`` matching the port (its Location headers are built from it).
:meth:`FhirServer.stop` ends only that process group, and :meth:`FhirServer.start` can start it
again on the same port and database (a server that is down for a while).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

from gateway.demo.server_process import DemoError, FhirServerError, ServerProcess, free_port

__all__ = ["ROOT", "DemoError", "FhirServer", "FhirServerError", "free_port", "sekmet_executable"]

ROOT: Final = Path(__file__).resolve().parents[2]


def sekmet_executable() -> Path:
    configured = os.environ.get("SEKMET_BIN")
    if configured:
        return Path(configured)
    default = ROOT / ".fhir-venv" / "bin" / "sekmet"
    if default.is_file():
        return default
    found = shutil.which("sekmet")
    if found is None:
        raise FhirServerError(
            "the SEKMET FHIR server is not installed: run `bash scripts/fhir-server.sh install` "
            "(or `bash scripts/demo.sh`, which installs it), or set SEKMET_BIN"
        )
    return Path(found)


class FhirServer(ServerProcess):
    """One SEKMET process on ``port`` (a free loopback port when None)."""

    name = "SEKMET"
    fhir_path = "/fhir"
    log_name = "sekmet.log"

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        super().__init__(workdir, port)
        self.executable = sekmet_executable()
        self.console_url = f"{self.origin}/ui"
        self.db_path = workdir / "sekmet.db"

    def command(self) -> Sequence[str]:
        return [str(self.executable), "serve", "--host", "127.0.0.1", "--port", str(self.port)]

    def environment(self) -> Mapping[str, str]:
        return dict(os.environ, SEKMET_DB=str(self.db_path), SEKMET_BASE_URL=self.base_url)

    def __enter__(self) -> FhirServer:
        self.start()
        return self
