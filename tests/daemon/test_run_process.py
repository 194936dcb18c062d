"""``phg run`` as a process: configuration errors exit 2; SIGTERM/SIGINT stop it cleanly with
exit status 0 and nothing stored is lost (no Bluetooth and no FHIR server needed)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import signal
import socket
from pathlib import Path

import pytest

from gateway.cli import main as phg
from gateway.daemon.heldback import HeldBackStore
from gateway.daemon.pipeline import Pipeline
from gateway.fhir.patient import PatientBinding, PatientId
from gateway.outbox import ItemState, Outbox, OutboxItem
from tests.daemon.fakes import ADDRESS, PHG, bp_event
from tests.daemon.process import Daemon


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def write_config(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "gateway.toml"
    path.write_text(
        f"""
[gateway]
state_dir = "state"
system_id = "02-00-00-FF-FE-00-00-01"
time_zone = "UTC"
[fhir]
base_url = "http://127.0.0.1:{closed_port()}/fhir"
connect_timeout = 1
[[devices]]
address = "{ADDRESS}"
patient = "pat-1"
[logging]
format = "json"
level = "info"
{extra}
""",
        encoding="utf-8",
    )
    return path


def test_configuration_errors_exit_2_with_one_line_each(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('[fhir]\nbase_url = "ftp://x"\n[ble]\nclock_sync = "hourly"\n')
    assert phg(["run", "--config", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        "phg run: fhir.base_url: must be an http(s) URL",
        "phg run: ble.clock_sync: Input should be 'never', 'when-off' or 'always'",
    ]


def test_check_accepts_a_valid_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert phg(["run", "--config", str(write_config(tmp_path)), "--check"]) == 0
    assert "configuration is valid" in capsys.readouterr().err


def _prefill(outbox_path: Path, kept_path: Path) -> None:
    async def fill() -> None:
        outbox = await Outbox.open(outbox_path)
        kept = await HeldBackStore.open(kept_path)
        try:
            run = Pipeline(outbox, kept, PHG, dt.UTC, {ADDRESS: PatientBinding(PatientId("p"))})
            await run(bp_event(133))
            await run(bp_event(134))
        finally:
            await kept.close()
            await outbox.close()

    asyncio.run(fill())


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_cleanly_and_keeps_the_outbox(tmp_path: Path, signum: int) -> None:
    config = write_config(tmp_path)
    state = tmp_path / "state"
    _prefill(state / "outbox.sqlite", state / "heldback.sqlite")
    env = dict(os.environ)
    env["DBUS_SYSTEM_BUS_ADDRESS"] = f"unix:path={tmp_path / 'no-bus'}"
    env.pop("PHG_FHIR_BASE_URL", None)
    daemon = Daemon(config, env)
    try:
        started = daemon.wait_for("daemon_started")
        assert started["phg_system_id"] == "02-00-00-FF-FE-00-00-01"
        daemon.wait_for("bluetooth_unavailable")
        daemon.wait_for("upload_failed_retrying")
    finally:
        code = daemon.stop(signum)
    assert code == 0
    while not daemon.lines.empty():
        daemon.seen.append(json.loads(daemon.lines.get()))
    assert daemon.seen[-1]["event"] == "daemon_stopped"

    async def pending() -> list[OutboxItem]:
        outbox = await Outbox.open(state / "outbox.sqlite")
        try:
            return await outbox.next_items(100)
        finally:
            await outbox.close()

    items = asyncio.run(pending())
    assert [i.state for i in items] == [ItemState.PENDING, ItemState.PENDING]
    assert items[0].attempts >= 1  # an upload was tried, failed, and the readings stayed
