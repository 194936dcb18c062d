"""``phg run`` on a damaged outbox (field finding G3): instead of crashing (a restart loop under
systemd) it sets the file aside, salvages what it can, says so in one log line and on the
status page, and runs on; an empty outbox file is treated the same way, never silently as a
new outbox."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import httpx
import pytest

from gateway.outbox import ItemState, OutboxStore
from tests.daemon.process import Daemon
from tests.daemon.test_run_process import write_config
from tests.outbox.damage import outbox_with, scramble


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["DBUS_SYSTEM_BUS_ADDRESS"] = f"unix:path={tmp_path / 'no-bus'}"
    for name in ("PHG_FHIR_BASE_URL", "PHG_GATEWAY_STATE_DIR", "PHG_STATUS_TOKEN"):
        env.pop(name, None)
    return env


def damaged_outbox(path: Path) -> None:
    path.parent.mkdir(parents=True)
    outbox_with(path, 300)
    scramble(path)


def empty_outbox(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.touch()


@pytest.mark.parametrize("harm", [damaged_outbox, empty_outbox], ids=["random-pages", "empty"])
def test_damaged_outbox_is_set_aside_salvaged_and_reported(
    tmp_path: Path, env: dict[str, str], harm: object
) -> None:
    config = write_config(tmp_path, "[status]\nenabled = true\nport = 0\n")
    state = tmp_path / "state"
    harm(state / "outbox.sqlite")  # type: ignore[operator]
    daemon = Daemon(config, env)
    try:
        damaged = daemon.wait_for("outbox_damaged")
        url = daemon.wait_for("status_server_started")["url"].rstrip("/")
        status = httpx.get(f"{url}/api/status", timeout=10).json()
        page = httpx.get(f"{url}/", timeout=10).text
    finally:
        code = daemon.stop(signal.SIGTERM)
    assert code == 0
    aside = Path(damaged["damaged_file"])
    assert aside.parent == state
    assert aside.name.startswith("outbox.sqlite.damaged-")
    assert aside.exists()
    store = OutboxStore(state / "outbox.sqlite", readonly=True)
    try:
        pending = store.counts()[ItemState.PENDING]
    finally:
        store.close()
    assert damaged["salvaged"]["pending"] == pending
    if harm is empty_outbox:
        assert damaged["reason"] == "the file is empty"
        assert pending == 0
    else:
        assert 0 < pending < 300
        assert damaged["unreadable"] > 0
    [notice] = status["notices"]
    assert f"set aside as {aside}" in notice
    assert 'role="alert"' in page
    assert aside.name in page
