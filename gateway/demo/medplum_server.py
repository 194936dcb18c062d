"""A local Medplum FHIR engine process (``gateway/demo/medplum/server.mjs``), for the demo
(``phg demo --fhir-server medplum``) and the tests.

The server is Medplum's npm ``@medplum/fhir-router`` (pinned in ``gateway/demo/medplum/
package-lock.json``) with its in-memory repository, behind a small Node HTTP server of ours that
validates every write against base R4 and makes transactions atomic. It is stricter than SEKMET
in ways that matter to PHG: a transaction holding a conditional create may have at most 8
entries, and required bindings of base R4 are checked.

Node comes from ``NODE_BIN``, else the Node 22 that ``scripts/medplum-server.sh install`` puts in
``.node/`` on machines whose Debian Node is too old, else ``node`` on ``PATH``; Node 20 and 21 get
``--experimental-websocket`` (the package needs a global WebSocket). :meth:`MedplumServer.start`
runs ``npm ci`` first when ``node_modules`` is missing or was installed from another lock file.
Data lives in memory and is written to ``medplum-data.json`` in the work directory when the
server stops, and read back when it starts again (a server that is down for a while).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from gateway.demo.server_process import FhirServerError, ServerProcess

__all__ = ["MEDPLUM_DIR", "MedplumServer", "node_command", "npm_ci"]

MEDPLUM_DIR: Final = Path(__file__).resolve().parent / "medplum"
ROOT: Final = Path(__file__).resolve().parents[2]
NODE_DIR: Final = ROOT / ".node" / "node_modules"
INSTALL_HINT: Final = "run `bash scripts/medplum-server.sh install`"
MIN_NODE: Final = 20
NATIVE_WEBSOCKET_NODE: Final = 22
NPM_TIMEOUT: Final = 600.0
STAMP: Final = ".phg-lock-sha256"


def node_executable() -> Path:
    configured = os.environ.get("NODE_BIN")
    if configured:
        return Path(configured)
    bundled = sorted(NODE_DIR.glob("node-linux-*/bin/node"))
    if bundled:
        return bundled[0]
    found = shutil.which("node") or shutil.which("nodejs")
    if found is None:
        raise FhirServerError(f"Node.js is not installed: {INSTALL_HINT}, or set NODE_BIN")
    return Path(found)


def node_major(node: Path) -> int:
    try:
        version = subprocess.run(
            [str(node), "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        raise FhirServerError(f"{node} --version failed: {exc}") from exc
    match = re.fullmatch(r"v(\d+)\.\d+\.\d+.*", version)
    if match is None:
        raise FhirServerError(f"{node} --version printed {version!r}")
    return int(match.group(1))


def node_command() -> list[str]:
    """Node with the flags the Medplum packages need on this version."""
    node = node_executable()
    major = node_major(node)
    if major < MIN_NODE:
        raise FhirServerError(
            f"{node} is Node {major}; Medplum's FHIR engine needs Node {MIN_NODE} or later:"
            f" {INSTALL_HINT}, or set NODE_BIN"
        )
    if major < NATIVE_WEBSOCKET_NODE:
        return [str(node), "--experimental-websocket"]
    return [str(node)]


def _lock_hash(directory: Path) -> str:
    return hashlib.sha256((directory / "package-lock.json").read_bytes()).hexdigest()


def installed(directory: Path = MEDPLUM_DIR) -> bool:
    """``node_modules`` is there and was installed from the current lock file."""
    stamp = directory / "node_modules" / STAMP
    with contextlib.suppress(OSError):
        return stamp.read_text().strip() == _lock_hash(directory)
    return False


def npm_ci(directory: Path = MEDPLUM_DIR) -> None:
    """``npm ci`` unless ``node_modules`` matches the lock file (one process at a time)."""
    if installed(directory):
        return
    npm = shutil.which("npm")
    if npm is None:
        raise FhirServerError(f"npm is not installed: {INSTALL_HINT}")
    with (directory / ".npm-ci.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel test workers install once
        if installed(directory):
            return
        try:
            result = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=directory,
                capture_output=True,
                text=True,
                timeout=NPM_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise FhirServerError(f"npm ci in {directory} failed: {exc}") from exc
        if result.returncode != 0:
            raise FhirServerError(
                f"npm ci in {directory} failed (status {result.returncode}):"
                f" {(result.stderr or result.stdout)[-1500:]}"
            )
        (directory / "node_modules" / STAMP).write_text(_lock_hash(directory) + "\n")


class MedplumServer(ServerProcess):
    """One Medplum FHIR engine process on ``port`` (a free loopback port when None)."""

    name = "the Medplum FHIR engine"
    fhir_path = "/fhir/R4"
    log_name = "medplum.log"

    def __init__(self, workdir: Path, port: int | None = None) -> None:
        super().__init__(workdir, port)
        self.node = node_command()
        self.data_path = workdir / "medplum-data.json"

    def prepare(self) -> None:
        npm_ci()

    def command(self) -> Sequence[str]:
        return [
            *self.node,
            str(MEDPLUM_DIR / "server.mjs"),
            *("--host", "127.0.0.1", "--port", str(self.port), "--data", str(self.data_path)),
        ]

    def __enter__(self) -> MedplumServer:
        self.start()
        return self
