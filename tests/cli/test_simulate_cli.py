"""``phg simulate``: the device list, clear errors, options passed through, and the README's
recipe (a simulator started with ``phg simulate bp`` is listed by ``phg scan``) on the test bus."""

from __future__ import annotations

import json
import shutil

import pytest

from gateway.cli import main as phg
from simulators import registry
from simulators.runner import SimulatorProcess
from simulators.testbus import TestBus

EXPECTED_NAMES = [
    "blood-pressure",
    "glucose",
    "weight-scale",
    "health-thermometer",
    "pulse-oximeter",
    "heart-rate",
    "continuous-glucose-monitoring",
    "generic-health-sensor",
]
SHORT_NAMES = [
    "bp",
    "glucose",
    "weight",
    "thermometer",
    "pulse-oximeter",
    "heart-rate",
    "cgm",
    "ghs",
]


def test_list_names_every_device(capsys: pytest.CaptureFixture[str]) -> None:
    assert phg(["simulate", "--list"]) == 0
    out = capsys.readouterr().out
    names = [line.split()[0] for line in out.splitlines()]
    assert names == EXPECTED_NAMES


def test_the_short_names_users_type_still_work() -> None:
    modules = [registry.entry(name).module for name in SHORT_NAMES]
    assert modules == [registry.entry(name).module for name in EXPECTED_NAMES]
    assert registry.entry("body-composition").module == "simulators.weight_scale"


def test_unknown_device_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert phg(["simulate", "toaster"]) == 2
    err = capsys.readouterr().err
    assert "toaster" in err
    assert "heart-rate" in err  # the known names are listed


def test_missing_device_argument(capsys: pytest.CaptureFixture[str]) -> None:
    assert phg(["simulate"]) == 2
    assert "--list" in capsys.readouterr().err


def test_missing_module_is_reported_not_raised(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ghost = registry.SimulatorEntry("ghost", "simulators.no_such_module", "not written yet")
    monkeypatch.setitem(registry.BY_NAME, "ghost", ghost)
    assert not registry.available("ghost")
    assert phg(["simulate", "ghost"]) == 2
    assert "simulators.no_such_module is missing" in capsys.readouterr().err


def test_aliases_resolve() -> None:
    assert registry.entry("blood-pressure").module == "simulators.blood_pressure"
    assert registry.entry("HR").module == "simulators.heart_rate"


def test_options_reach_the_simulator(capsys: pytest.CaptureFixture[str]) -> None:
    assert phg(["simulate", "weight", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: phg simulate weight ")  # names itself, not "usage: phg"
    assert "--require-consent" in out
    assert "--clock-offset" in out
    assert phg(["simulate", "weight", "--users", "99"]) == 2
    assert "--users" in capsys.readouterr().err
    assert phg(["simulate", "heart-rate", "--location", "nose"]) == 2


@pytest.mark.integration
def test_phg_simulate_bp_is_found_by_phg_scan(capsys: pytest.CaptureFixture[str]) -> None:
    """The README recipe: bus in one terminal, ``phg simulate bp`` in another, ``phg scan``."""
    if shutil.which("dbus-daemon") is None:
        pytest.fail("dbus-daemon is not installed (scripts/test.sh installs it)")
    with TestBus(adapters=2, export_env=True) as bus:
        with SimulatorProcess(
            "gateway", ["simulate", "bp", "--records", "1", "--name", "CLI-BP"], env=bus.env()
        ) as sim:
            assert sim.ready["adapter"] == "hci1"
            assert phg(["scan", "--adapter", "hci0", "--timeout", "1.5", "--json"]) == 0
        out = capsys.readouterr().out.splitlines()
        rows = [json.loads(line) for line in out if line.startswith("{")]  # not the log lines
        bus.check_log()
    assert [r["name"] for r in rows] == ["CLI-BP"]
    assert rows[0]["services"] == ["blood-pressure"]
    assert rows[0]["address"] == bus.addresses[1]
