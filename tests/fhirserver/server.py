"""One SEKMET process on a free loopback port with its own temporary database.

SEKMET (``sekmet-fhir==0.1.1``) is installed by ``scripts/fhir-server.sh install`` into its own
venv (``.fhir-venv``); ``SEKMET_BIN`` overrides the executable. The server runs in its own
process group in a scratch directory (so no ``settings.yaml`` is picked up by accident), with
``SEKMET_DB`` in that directory and ``SEKMET_BASE_URL`` matching the port (its Location
headers are built from it). :meth:`SekmetServer.stop` ends only that process group, and
:meth:`SekmetServer.start` can start it again on the same port and database (a server that is
down for a while).
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


class FhirServerError(RuntimeError):
    pass


def sekmet_executable() -> Path | None:
    configured = os.environ.get("SEKMET_BIN")
    if configured:
        return Path(configured)
    default = ROOT / ".fhir-venv" / "bin" / "sekmet"
    if default.is_file():
        return default
    found = shutil.which("sekmet")
    return None if found is None else Path(found)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class SekmetServer:
    def __init__(self, workdir: Path, port: int | None = None) -> None:
        executable = sekmet_executable()
        if executable is None:
            raise FhirServerError(
                "SEKMET is not installed: run `scripts/fhir-server.sh install` (or set SEKMET_BIN)"
            )
        self.executable = executable
        self.workdir = workdir
        self.port = port if port is not None else free_port()
        self.base_url = f"http://127.0.0.1:{self.port}/fhir"
        self.db_path = workdir / "sekmet.db"
        self.log_path = workdir / "sekmet.log"
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
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
        self._wait_ready()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self._process is not None
            if self._process.poll() is not None:
                raise FhirServerError(
                    f"SEKMET exited with status {self._process.returncode}; see {self.log_path}"
                )
            try:
                with urllib.request.urlopen(f"{self.base_url}/metadata", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.1)
        self.stop()
        raise FhirServerError(
            f"SEKMET did not answer /metadata within {START_TIMEOUT:.0f} s; see {self.log_path}"
        )

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

    def __enter__(self) -> SekmetServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
