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
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Final

ROOT: Final = Path(__file__).resolve().parents[2]
START_TIMEOUT: Final = 60.0
STOP_TIMEOUT: Final = 10.0


class DemoError(RuntimeError):
    """Something the demo needs is missing or did not start."""


class FhirServerError(DemoError):
    """SEKMET is not installed, or did not start."""


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


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class FhirServer:
    """One SEKMET process on ``port`` (a free loopback port when None)."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.executable = sekmet_executable()
        self.workdir = workdir
        self.port = port if port is not None else free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/fhir"
        self.console_url = f"http://127.0.0.1:{self.port}/ui"
        self.db_path = workdir / "sekmet.db"
        self.log_path = workdir / "sekmet.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start (if not running) and wait until ``/metadata`` answers."""
        if self.running:
            return
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, SEKMET_DB=str(self.db_path), SEKMET_BASE_URL=self.base_url)
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            [str(self.executable), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=self.workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            self._wait_ready(self._process)
        except FhirServerError:
            self.stop()
            raise

    def _wait_ready(self, process: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise FhirServerError(
                    f"SEKMET exited with status {process.returncode} (log {self.log_path}):"
                    f" {self.tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.base_url}/metadata", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        raise FhirServerError(
            f"SEKMET did not answer /metadata within {START_TIMEOUT:.0f} s (log {self.log_path}):"
            f" {self.tail()}"
        )

    def tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-1500:]
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM to the server's own process group, SIGKILL after 10 s."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            except ProcessLookupError:
                pass
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> FhirServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
