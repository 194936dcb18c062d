"""Fixtures for the BLE integration tests: a fresh test bus (dbus-daemon + fixed BlueZoo) per
test module, simulator processes per test, and a BlueZoo log check after every test."""

from __future__ import annotations

import contextlib
import importlib.util
import shutil
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import pytest

from simulators.runner import SimulatorProcess
from simulators.testbus import TestBus

StartSimulator = Callable[..., SimulatorProcess]


def _missing() -> str | None:
    if shutil.which("dbus-daemon") is None:
        return "dbus-daemon is not installed (Debian: apt-get install dbus)"
    if importlib.util.find_spec("bluezoo") is None:
        return "bluezoo is not installed (pip install bluezoo==1.0.2)"
    return None


@contextlib.contextmanager
def checked_test_bus(adapters: int, **options: Any) -> Iterator[TestBus]:
    """A test bus that must start, and whose BlueZoo log must be free of errors at the end (it
    is kept for a look when it is not)."""
    missing = _missing()
    if missing:
        # scripts/test.sh installs both, so a missing piece is a broken set-up, not a reason to
        # skip: a skipped integration suite would hide a missing feature.
        pytest.fail(f"the BLE test bus cannot start: {missing}")
    bus = TestBus(adapters=adapters, export_env=True, **options)
    with bus:
        yield bus
    problems = bus.log_problems()
    if not problems:
        bus.cleanup()
    assert not problems, f"BlueZoo log {bus.log_path} has errors:\n{bus.log_text()}"


@pytest.fixture(scope="module")
def testbus() -> Iterator[TestBus]:
    with checked_test_bus(2) as bus:
        yield bus


@pytest.fixture(autouse=True)
def bluezoo_log_is_clean(request: pytest.FixtureRequest) -> Iterator[None]:
    """Fail the test if BlueZoo logged ERROR or a Traceback while it ran."""
    yield
    if "testbus" in request.fixturenames:
        bus: TestBus = request.getfixturevalue("testbus")
        assert bus.log_problems() == [], f"BlueZoo log:\n{bus.log_text()}"


@pytest.fixture
def start_simulator(testbus: TestBus) -> Iterator[StartSimulator]:
    """Start simulator modules on hci1; each is stopped (by PID) after the test."""
    started: list[SimulatorProcess] = []

    def start(module: str, args: Sequence[str] = ()) -> SimulatorProcess:
        sim = SimulatorProcess(module, ["--adapter", "hci1", *args], env=testbus.env())
        started.append(sim)
        sim.start()
        return sim

    yield start
    for sim in started:
        sim.stop()
