"""Generic Health Sensors through ``phg run`` (a process) on the test bus to SEKMET: a simulated
GHS device's stored observations (fetched through GHS's RACP, segmented) and its live ones
(segmented too: a waveform strip takes many notifications) arrive on the FHIR server exactly
once, each Observation valid against the PHD IG; also when the gateway is killed in the middle
of the stored transfer and started again (the link it leaves up, the transfer it leaves
running, the records it stored but had not marked). Both personalities go through."""

from __future__ import annotations

import functools
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from profiles.ghs.health_observations import (
    decode_stored_health_observations,
)
from simulators.ghs_observations import (
    MDC_ECG_ELEC_POTL_II,
    MDC_ECG_HEART_RATE,
    MDC_PRESS_BLD_NONINV,
    MDC_PULS_RATE_NON_INV,
)
from simulators.runner import SimulatorProcess
from simulators.testbus import TestBus
from tests.daemon.fhir_search import MDC, codes, duplicate_identifiers, quantity, search, total
from tests.daemon.process import Daemon
from tests.daemon.run_helpers import LogCounter, simulator_config, start_simulator, until
from tests.fhir.helpers import errors
from tests.fhirserver.plugin import StartFhirServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CODES = {
    "spot-check": (MDC_PRESS_BLD_NONINV, MDC_PULS_RATE_NON_INV),
    "waveform": (MDC_ECG_ELEC_POTL_II, MDC_ECG_HEART_RATE),
}
LIVE_AT_LEAST = 4
"""Live observations (two per measurement) to see on the server besides the stored ones."""
TIMEOUT = 90.0


@pytest.fixture
def bus() -> Iterator[TestBus]:
    with TestBus(adapters=2) as test_bus:
        yield test_bus


def start_sensor(bus: TestBus, personality: str, records: int, *extra: str) -> SimulatorProcess:
    return start_simulator(
        bus,
        "simulators.ghs",
        *("--personality", personality, "--records", str(records)),
        *("--seed", "15", "--interval", "1", *extra),
    )


def ghs_observations(base_url: str, personality: str) -> list[dict[str, Any]]:
    return [
        r
        for code in CODES[personality]
        for r in search(base_url, "Observation", code=f"{MDC}|{code}")
    ]


def on_server(base_url: str, personality: str) -> int:
    return sum(total(base_url, "Observation", code=f"{MDC}|{c}") for c in CODES[personality])


def stored_values(ready: dict[str, Any]) -> list[tuple[str, Any]]:
    """(MDC type, value) of each stored observation the simulator holds."""
    found = []
    for text in ready["records"]:
        stored = decode_stored_health_observations(bytes.fromhex(text)).stored_observation
        assert stored is not None
        found.append((str(stored.observation.type), stored.observation.value))
    return found


def missing_stored(base_url: str, personality: str, ready: dict[str, Any]) -> Counter[Any]:
    """The values of the stored pulse (or heart rate) observations not on the server yet."""
    numeric = str(CODES[personality][1])
    on_fhir = Counter(
        quantity(r)[0] for r in ghs_observations(base_url, personality) if numeric in codes(r)
    )
    return Counter(v.value for code, v in stored_values(ready) if code == numeric) - on_fhir


def all_there(base_url: str, personality: str, ready: dict[str, Any]) -> bool:
    """Every stored observation's value and at least a few live observations are there."""
    count = len(ready["records"]) + LIVE_AT_LEAST
    return on_server(base_url, personality) >= count and not missing_stored(
        base_url, personality, ready
    )


def check_server(base_url: str, personality: str, ready: dict[str, Any], log: LogCounter) -> None:
    """Every stored observation and at least a few live ones are on the server, once each,
    each valid against the PHD IG."""
    observations = ghs_observations(base_url, personality)
    assert duplicate_identifiers(observations) == []
    assert all(len(r.get("identifier", [])) == 1 for r in observations)
    problems = {r["id"]: errors(r) for r in observations}
    assert {k: v for k, v in problems.items() if v} == {}
    assert len(observations) >= len(ready["records"]) + LIVE_AT_LEAST
    assert missing_stored(base_url, personality, ready) == Counter()
    assert log.problems() == []


def serve(
    config: Path, bus: TestBus, base_url: str, personality: str, ready: dict[str, Any]
) -> tuple[Daemon, LogCounter]:
    """``phg run`` until the server holds every stored observation and a few live ones."""
    daemon = Daemon(config, bus.env())
    log = LogCounter(daemon)
    try:
        until(
            lambda: all_there(base_url, personality, ready),
            TIMEOUT,
            f"the {personality} observations on the server",
        )
    except AssertionError as exc:
        daemon.proc.kill()
        missing = missing_stored(base_url, personality, ready)
        raise AssertionError(f"{exc}: missing {missing}; log: {log.summary()[-6000:]}") from None
    return daemon, log


@pytest.mark.parametrize("personality", ["spot-check", "waveform"])
def test_live_and_stored_observations_arrive_once(
    tmp_path: Path, bus: TestBus, start_fhir_server: StartFhirServer, personality: str
) -> None:
    server = start_fhir_server()
    sim = start_sensor(bus, personality, 3)
    config = simulator_config(tmp_path, server.base_url, sim, "p")
    daemon: Daemon | None = None
    try:
        daemon, log = serve(config, bus, server.base_url, personality, sim.ready)
        sim.wait_for("live-started", 10)  # the gateway asked through the GHS Control Point
        assert daemon.stop(signal.SIGTERM) == 0
        assert log.count("live_values_stopped") == 1  # and asked it to stop at the end
        assert log.count("fetch_done") >= 1
        check_server(server.base_url, personality, sim.ready, log)
        assert on_server(server.base_url, personality) == log.count("reading_stored")
    finally:
        if daemon is not None and daemon.proc.poll() is None:
            daemon.proc.kill()
        sim.stop()


def stored_any(log: LogCounter) -> bool:
    return log.count("reading_stored") > 0


@pytest.mark.parametrize("personality", ["waveform", "spot-check"])
def test_gateway_killed_during_the_stored_transfer(
    tmp_path: Path, bus: TestBus, start_fhir_server: StartFhirServer, personality: str
) -> None:
    server = start_fhir_server()
    sim = start_sensor(bus, personality, 12, "--pace", "0.25")
    stored = len(sim.ready["records"])
    config = simulator_config(tmp_path, server.base_url, sim, "p")
    daemon: Daemon | None = None
    try:
        daemon = Daemon(config, bus.env())
        log = LogCounter(daemon)
        until(functools.partial(stored_any, log), 60, "a stored reading")
        time.sleep(1.0)
        daemon.proc.kill()
        daemon.proc.wait(10)
        assert on_server(server.base_url, personality) < stored, "the transfer was not cut"
        daemon, log = serve(config, bus, server.base_url, personality, sim.ready)
        assert daemon.stop(signal.SIGTERM) == 0
        check_server(server.base_url, personality, sim.ready, log)
    finally:
        if daemon is not None and daemon.proc.poll() is None:
            daemon.proc.kill()
        sim.stop()
