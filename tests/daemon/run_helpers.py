"""Shared pieces of the daemon process tests: a simulator on the test bus, a configuration file
for one simulated device, counting the daemon's log events, and waiting for a condition."""

from __future__ import annotations

import json
import queue
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from simulators.runner import SimulatorProcess
from simulators.testbus import TestBus
from tests.daemon.process import Daemon

SYSTEM_ID = "00-1C-05-FF-FE-00-00-01"
PATIENT_SYSTEM = "urn:oid:2.999.77"


def simulator(bus: TestBus, module: str, *args: str) -> SimulatorProcess:
    """``module``'s simulator on the test bus's second adapter (hci1), not started yet."""
    return SimulatorProcess(module, ["--adapter", "hci1", *args], env=bus.env(), ready_timeout=60)


def start_simulator(bus: TestBus, module: str, *args: str) -> SimulatorProcess:
    """``module``'s simulator on hci1, started (its ready event read)."""
    sim = simulator(bus, module, *args)
    sim.start()
    return sim


def patient(value: str) -> str:
    return f'{{ system = "{PATIENT_SYSTEM}", value = "{value}" }}'


def write_config(
    path: Path,
    base_url: str,
    address: str,
    *,
    state_dir: str = "state",
    default_patient: str | None = None,
    users: Mapping[int, str] | None = None,
) -> Path:
    """A configuration for one device on the test bus (the gateway on hci0)."""
    lines = [
        "[gateway]",
        f'state_dir = "{state_dir}"',
        'time_zone = "UTC"',
        f'system_id = "{SYSTEM_ID}"',
        "[fhir]",
        f'base_url = "{base_url}"',
        "[ble]",
        'adapters = ["hci0"]',
        "[[devices]]",
        f'address = "{address}"',
    ]
    if default_patient is not None:
        lines.append(f"patient = {patient(default_patient)}")
    if users:
        lines.append("[devices.users]")
        lines.extend(f"{index} = {patient(value)}" for index, value in users.items())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def simulator_config(directory: Path, base_url: str, sim: SimulatorProcess, patient: str) -> Path:
    """``directory/gateway.toml`` for the simulated device ``sim`` (the address of its ready
    event), its readings for ``patient``."""
    return write_config(
        directory / "gateway.toml", base_url, sim.ready["address"], default_patient=patient
    )


class LogCounter:
    """Follows a :class:`Daemon`'s JSON log lines and tallies events."""

    def __init__(self, daemon: Daemon) -> None:
        self.daemon = daemon
        self.events: list[dict[str, Any]] = []

    def poll(self) -> None:
        while True:
            try:
                line = self.daemon.lines.get_nowait()
            except queue.Empty:
                return
            try:
                record = json.loads(line)
            except ValueError:  # a line from a process killed mid-write
                continue
            self.events.append(record)
            self.daemon.seen.append(record)

    def count(self, event: str, field: str | None = None) -> int:
        self.poll()
        matching = [e for e in self.events if e.get("event") == event]
        return sum(int(e.get(field, 0)) for e in matching) if field else len(matching)

    def uploaded_items(self) -> int:
        """Readings marked uploaded: those of whole transactions (``uploaded items=N``) and
        those sent in parts to a server that caps transactions (``uploaded_in_parts``)."""
        return self.count("uploaded", "items") + self.count("uploaded_in_parts")

    def summary(self) -> str:
        """The log without the per-reading lines (for failure messages)."""
        self.poll()
        quiet = ("reading_stored", "uploaded", "uploaded_in_parts")
        return "\n".join(str(e) for e in self.events if e.get("event") not in quiet)

    def problems(self) -> list[dict[str, Any]]:
        self.poll()
        return [e for e in self.events if e.get("level") in ("error", "critical")]


def until(predicate: Callable[[], bool], timeout: float, what: str, step: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(step)
