"""``phg run`` started on a state directory whose disk is full (field finding G2: every restart
exited within a second, a restart loop under systemd): SQLite cannot even make the outbox's
``-wal``/``-shm`` files, so the daemon says so once and waits for room instead of exiting,
then starts normally. (A disk that fills while the daemon runs: tests/outbox/test_full_disk.py
and the SIGKILL test in tests/daemon/test_kill_restart.py.)"""

from __future__ import annotations

import os
import signal
from pathlib import Path

from gateway.outbox import ItemState, OutboxStore
from tests.daemon.process import Daemon
from tests.daemon.test_run_process import _prefill, write_config
from tests.tinyfs import fill, free, mounted_tmpfs


def test_daemon_waits_for_room_instead_of_exiting(tmp_path: Path) -> None:
    env = dict(os.environ)
    env["DBUS_SYSTEM_BUS_ADDRESS"] = f"unix:path={tmp_path / 'no-bus'}"
    env.pop("PHG_FHIR_BASE_URL", None)
    env.pop("PHG_GATEWAY_STATE_DIR", None)
    config = write_config(tmp_path)
    with mounted_tmpfs(tmp_path / "state", "2m") as state:
        _prefill(state / "outbox.sqlite", state / "heldback.sqlite")  # closed cleanly
        filler = fill(state)
        daemon = Daemon(config, env)
        try:
            full = daemon.wait_for("state_dir_full")
            assert full["level"] == "error"
            assert daemon.proc.poll() is None
            free(filler)
            daemon.wait_for("daemon_started", timeout=60)
        finally:
            code = daemon.stop(signal.SIGTERM)
        assert code == 0
        store = OutboxStore(state / "outbox.sqlite", readonly=True)
        try:
            assert store.counts()[ItemState.PENDING] == 2  # nothing lost meanwhile
        finally:
            store.close()
