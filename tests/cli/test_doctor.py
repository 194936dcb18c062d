"""``phg doctor``: each check with fake probes, then one run against the BLE test bus and a
real SEKMET server."""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.cli import doctor
from gateway.cli.doctor import FAIL, OK, WARN, AdapterInfo, Probes
from gateway.config import GatewayConfig
from simulators.testbus import TestBus
from tests.fhirserver.server import SekmetServer

ROOT = Path(__file__).resolve().parents[2]


def write_config(path: Path, base_url: str = "http://127.0.0.1:9/fhir", adapters: str = "") -> Path:
    path.write_text(
        f'[gateway]\nstate_dir = "state"\n[fhir]\nbase_url = "{base_url}"\n'
        f"[ble]\nadapters = [{adapters}]\n",
        encoding="utf-8",
    )
    return path


def probes(
    adapters: list[AdapterInfo] | Exception | None = None,
    fhir: str | Exception = "4.0.1",
    clock: bool | None = True,
) -> Probes:
    async def bluez() -> list[AdapterInfo] | None:
        if isinstance(adapters, Exception):
            raise adapters
        return adapters

    async def capability(_config: GatewayConfig) -> str:
        if isinstance(fhir, Exception):
            raise fhir
        return fhir

    return Probes(bluez=bluez, fhir=capability, clock=lambda: clock)


def statuses(config: Path, fake: Probes) -> dict[str, str]:
    return {f.check: f.status for f in asyncio.run(doctor.diagnose(config, fake))}


def test_all_good(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_config(tmp_path / "g.toml", adapters='"hci0"')
    fake = probes([AdapterInfo("hci0", True)])
    assert set(statuses(config, fake).values()) == {OK}
    assert doctor.run(argparse.Namespace(config=config), fake) == 0
    assert "0 failed" in capsys.readouterr().out


def test_each_failure_has_a_fix_and_exit_status_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path / "g.toml", adapters='"hci0", "hci1"')
    fake = probes(
        [AdapterInfo("hci0", False)],
        fhir=RuntimeError("FHIR version 3.0.2 is not R4"),
        clock=False,
    )
    found = statuses(config, fake)
    assert found == {
        "configuration": OK,
        "D-Bus system bus": OK,
        "BlueZ": OK,
        "adapters": FAIL,
        "FHIR server": FAIL,
        "clock": WARN,
    }
    assert doctor.run(argparse.Namespace(config=config), fake) == 1
    out = capsys.readouterr().out
    assert "not found: hci1; powered off: hci0" in out
    assert "3.0.2 is not R4" in out
    assert out.count("fix:") == 3


def test_no_bus_no_bluez_bad_config(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[fhir]\nbase_url = 'ftp://x'\n", encoding="utf-8")
    found = statuses(bad, probes(ConnectionRefusedError("refused")))
    assert found["configuration"] == FAIL
    assert found["D-Bus system bus"] == FAIL
    assert found["BlueZ"] == FAIL
    assert found["FHIR server"] == FAIL  # not checked without a configuration
    good = write_config(tmp_path / "g.toml")
    assert statuses(good, probes(None))["BlueZ"] == FAIL
    assert statuses(good, probes([AdapterInfo("hci0", False)]))["adapters"] == FAIL
    assert statuses(good, probes([AdapterInfo("hci0", True)], clock=None))["clock"] == WARN


@pytest.mark.integration
def test_doctor_against_the_test_bus_and_sekmet(tmp_path: Path) -> None:
    with TestBus(adapters=1) as bus, SekmetServer(tmp_path / "sekmet") as sekmet:
        good = write_config(tmp_path / "good.toml", sekmet.base_url, '"hci0"')
        missing = write_config(tmp_path / "missing.toml", sekmet.base_url, '"hci0", "hci7"')
        runs = [
            subprocess.run(
                [sys.executable, "-m", "gateway", "doctor", "--config", str(config)],
                cwd=ROOT,
                env=bus.env(os.environ),
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
            for config in (good, missing)
        ]
    ok_run, missing_run = runs
    assert "[  ok] BlueZ" in ok_run.stdout
    assert "[  ok] adapters: hci0 powered" in ok_run.stdout
    assert "FHIR 4.0" in ok_run.stdout
    assert "[FAIL]" not in ok_run.stdout  # the clock is only ever a warning
    assert ok_run.returncode == 0, ok_run.stdout
    assert missing_run.returncode == 1
    assert "not found: hci7" in missing_run.stdout
