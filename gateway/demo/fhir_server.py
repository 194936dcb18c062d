"""A local SEKMET FHIR R4 server for the demo, in its own process group and scratch directory.

SEKMET is installed by ``scripts/fhir-server.sh install`` into ``.fhir-venv``
(``scripts/demo.sh`` does it); ``SEKMET_BIN`` or a ``sekmet`` on ``PATH`` also work.
:meth:`FhirServer.stop` ends only the process group it started.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import IO, Final

ROOT: Final = Path(__file__).resolve().parents[2]
START_TIMEOUT: Final = 60.0


class DemoError(RuntimeError):
    """Something the demo needs is missing or did not start."""


def sekmet_executable() -> Path:
    configured = os.environ.get("SEKMET_BIN")
    if configured:
        return Path(configured)
    default = ROOT / ".fhir-venv" / "bin" / "sekmet"
    if default.is_file():
        return default
    found = shutil.which("sekmet")
    if found is None:
        raise DemoError(
            "the SEKMET FHIR server is not installed: run `bash scripts/fhir-server.sh install` "
            "(or `bash scripts/demo.sh`, which installs it), or set SEKMET_BIN"
        )
    return Path(found)


class FhirServer:
    def __init__(self, workdir: Path, port: int) -> None:
        self.executable = sekmet_executable()
        self.workdir = workdir
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}/fhir"
        self.console_url = f"http://127.0.0.1:{port}/ui"
        self.log_path = workdir / "sekmet.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = dict(
            os.environ, SEKMET_DB=str(self.workdir / "sekmet.db"), SEKMET_BASE_URL=self.base_url
        )
        self._log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [str(self.executable), "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=self.workdir,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise DemoError(
                    f"SEKMET exited with status {self.process.returncode}: {self.tail()}"
                )
            try:
                with urllib.request.urlopen(f"{self.base_url}/metadata", timeout=2) as reply:
                    if reply.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise DemoError(f"SEKMET did not answer within {START_TIMEOUT:.0f} s: {self.tail()}")

    def tail(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-1500:]
        except OSError:
            return ""

    def stop(self) -> None:
        """SIGTERM to the server's process group, SIGKILL after 10 s."""
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            except ProcessLookupError:
                pass
        if self._log is not None:
            self._log.close()
            self._log = None
