"""A local FHIR server as a child process: started in its own process group in a scratch
directory, ready when ``GET [base]/metadata`` answers 200, stopped by its process group only.

The demo and the test fixtures use the two subclasses: :class:`gateway.demo.fhir_server.FhirServer`
(SEKMET) and :class:`gateway.demo.medplum_server.MedplumServer` (Medplum's FHIR engine).
:meth:`ServerProcess.stop` then :meth:`ServerProcess.start` restarts the server on the same port
with the same data (a server that is down for a while).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import IO, Final

START_TIMEOUT: Final = 60.0
STOP_TIMEOUT: Final = 10.0


class DemoError(RuntimeError):
    """Something the demo needs is missing or did not start."""


class FhirServerError(DemoError):
    """A local FHIR server is not installed, or did not start."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerProcess:
    """One server process on ``port`` (a free loopback port when None). Subclasses set
    :attr:`name`, :attr:`fhir_path` and :attr:`log_name` and build the command line."""

    name = "the FHIR server"
    fhir_path = ""
    """Where the FHIR base is on the server (``base_url`` is the origin and this path)."""
    log_name = "server.log"
    """The server's log file in the work directory."""
    console_url: str | None = None
    """A web page for people, when the server has one."""

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        self.workdir = workdir
        self.port = port if port is not None else free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.base_url = self.origin + self.fhir_path
        self.log_path = workdir / self.log_name
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def command(self) -> Sequence[str]:
        raise NotImplementedError

    def environment(self) -> Mapping[str, str]:
        return os.environ

    def prepare(self) -> None:
        """Runs before each start (installing what is missing); raises FhirServerError."""

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start (if not running) and wait until ``/metadata`` answers."""
        if self.running:
            return
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.prepare()
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(
            list(self.command()),
            cwd=self.workdir,
            env=dict(self.environment()),
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
                    f"{self.name} exited with status {process.returncode} (log {self.log_path}):"
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
            f"{self.name} did not answer /metadata within {START_TIMEOUT:.0f} s"
            f" (log {self.log_path}): {self.tail()}"
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

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
