"""The state directory belongs to one daemon and to nobody else: a second ``phg run`` with the
same state directory refuses to start (exit 3, one line) while the first goes on, ``phg
outbox retry`` refuses meanwhile; the directory is 0700 and every file in it 0600 whatever the
umask (field findings G1, G5)."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.cli import main as phg
from gateway.cli import run as run_cli
from tests.daemon.process import Daemon
from tests.daemon.test_run_process import _prefill, write_config
from tests.process_lines import ROOT


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["DBUS_SYSTEM_BUS_ADDRESS"] = f"unix:path={tmp_path / 'no-bus'}"
    env.pop("PHG_FHIR_BASE_URL", None)
    env.pop("PHG_GATEWAY_STATE_DIR", None)
    return env


@pytest.fixture
def loose_umask() -> Iterator[None]:
    old = os.umask(0o022)  # a shell outside systemd; children inherit it
    try:
        yield
    finally:
        os.umask(old)


def _phg_run(config: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """``phg run --config CONFIG`` in a process of its own, to its end."""
    return subprocess.run(
        [sys.executable, "-m", "gateway", "run", "--config", str(config)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_second_daemon_on_the_same_state_directory_refuses(
    tmp_path: Path, env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path)
    state = tmp_path / "state"
    _prefill(state / "outbox.sqlite", state / "heldback.sqlite")
    first = Daemon(config, env)
    try:
        first.wait_for("daemon_started")
        second = _phg_run(config, env)
        assert second.returncode == 3
        assert second.stderr.splitlines() == [
            f"phg run: another phg process (pid {first.proc.pid}) is using the state directory "
            f"{state}; stop it first (`systemctl stop phg` for the service)"
        ]
        assert first.proc.poll() is None
        assert phg(["outbox", "retry", "--config", str(config)]) == 3
        assert "the daemon is running" in capsys.readouterr().err
        assert phg(["outbox", "list", "--config", str(config)]) == 0
        assert capsys.readouterr().out.startswith("pending: 2  ")
    finally:
        assert first.stop(signal.SIGTERM) == 0
    assert phg(["outbox", "retry", "--config", str(config)]) == 1  # allowed; nothing quarantined


def modes(state: Path) -> dict[str, str]:
    found = {".": oct(stat.S_IMODE(state.stat().st_mode))}
    for path in state.iterdir():
        found[path.name] = oct(stat.S_IMODE(path.stat().st_mode))
    return found


@pytest.mark.usefixtures("loose_umask")
@pytest.mark.parametrize("earlier", [False, True], ids=["fresh", "left-by-an-earlier-run"])
def test_state_directory_0700_and_every_file_0600(
    tmp_path: Path, env: dict[str, str], earlier: bool
) -> None:
    config = write_config(tmp_path)
    state = tmp_path / "state"
    if earlier:  # files an older version made under umask 022
        _prefill(state / "outbox.sqlite", state / "heldback.sqlite")
        (state / "highwater.json").write_text("{}\n", encoding="utf-8")
        for path in (state, *state.iterdir()):
            path.chmod(0o755 if path.is_dir() else 0o644)
    daemon = Daemon(config, env)
    try:
        daemon.wait_for("daemon_started")
        # the outbox was opened (and, with items, written by the failed upload)
        daemon.wait_for("upload_failed_retrying" if earlier else "bluetooth_unavailable")
        running = modes(state)
    finally:
        assert daemon.stop(signal.SIGTERM) == 0
    expected = {".", "outbox.sqlite", "outbox.sqlite-wal", "outbox.sqlite-shm", "phg.lock"}
    expected |= {"heldback.sqlite", "heldback.sqlite-wal", "heldback.sqlite-shm"}
    assert expected <= set(running)
    assert running == {name: "0o700" if name == "." else "0o600" for name in running}
    assert modes(state) == {name: "0o700" if name == "." else "0o600" for name in modes(state)}


def test_a_file_that_is_not_an_outbox_exits_4_and_is_left_alone(
    tmp_path: Path, env: dict[str, str]
) -> None:
    other = tmp_path / "notes.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    config = write_config(tmp_path, f'[outbox]\npath = "{other}"\n')
    done = _phg_run(config, env)
    assert done.returncode == 4
    [line] = [x for x in done.stderr.splitlines() if not x.startswith("{")]
    assert line.startswith("phg run: cannot use the state directory ")
    assert "is not a PHG outbox" in line
    assert other.read_bytes() == before


def test_systemd_does_not_restart_into_a_loop_on_what_a_restart_cannot_fix() -> None:
    unit = (ROOT / "config" / "phg.service").read_text(encoding="utf-8")
    [line] = [x for x in unit.splitlines() if x.startswith("RestartPreventExitStatus=")]
    prevented = {int(code) for code in line.split("=", 1)[1].split()}
    assert prevented == {run_cli.EXIT_CONFIG, run_cli.EXIT_STATE}
    assert run_cli.EXIT_BUSY not in prevented  # a second daemon's exit: retried later
    assert (
        len({run_cli.EXIT_FAILED, run_cli.EXIT_CONFIG, run_cli.EXIT_BUSY, run_cli.EXIT_STATE}) == 4
    )
