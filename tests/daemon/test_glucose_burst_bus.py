"""The field reproduction of G4 on the test bus: ``phg simulate glucose --records 400 --seed
11`` against a fresh ``phg run``: every measurement and every context is stored, none is left
waiting for a join, and all are uploaded."""

from __future__ import annotations

import functools
import signal
from pathlib import Path

import pytest

from gateway.daemon import heldback
from simulators.testbus import TestBus
from tests.daemon import expected, run_helpers
from tests.daemon.fhir_search import MDC, patient_reference, total
from tests.daemon.process import Daemon
from tests.fhirserver.plugin import StartFhirServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

RECORDS = 400
TIMEOUT = 240.0
MEAL = "8417864"


def settled(log: run_helpers.LogCounter) -> bool:
    stored = log.count("reading_stored")
    return log.count("fetch_done") >= 1 and stored > 0 and log.count("uploaded", "items") >= stored


def test_400_records_on_the_test_bus(
    tmp_path: Path, bus: TestBus, start_fhir_server: StartFhirServer
) -> None:
    server = start_fhir_server()
    sim = run_helpers.start_simulator(
        bus, "simulators.glucose", "--records", str(RECORDS), "--seed", "11"
    )
    try:
        want = expected.glucose_records(sim.ready)
        contexts = sum(1 for e in want if e.has_context)
        config = run_helpers.simulator_config(tmp_path, server.base_url, sim, "burst-owner")
        daemon = Daemon(config, bus.env())
        try:
            log = run_helpers.LogCounter(daemon)
            run_helpers.until(
                functools.partial(settled, log), TIMEOUT, "the transfer stored and uploaded"
            )
            assert daemon.stop(signal.SIGTERM) == 0
        finally:
            if daemon.proc.poll() is None:
                daemon.proc.kill()
    finally:
        sim.stop()
    assert heldback.count(tmp_path / "state" / "heldback.sqlite").get("awaiting-join", 0) == 0
    subject = patient_reference(server.base_url, run_helpers.PATIENT_SYSTEM, "burst-owner")
    glucose = ",".join(f"{MDC}|{code}" for code in ("160184", "160188", "160196", "160368"))
    assert total(server.base_url, "Observation", subject=subject, code=glucose) == RECORDS
    meals = total(server.base_url, "Observation", subject=subject, code=f"{MDC}|{MEAL}")
    assert meals == contexts
