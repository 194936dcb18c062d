"""Simulator -> ``phg run`` (a process) -> a FHIR server (SEKMET, and Medplum's FHIR engine:
each test runs against both), one device type at a time: the server holds
exactly the readings the simulator sent, searchable by patient and code; a second gateway
with a fresh state directory reading every stored record again (the simulator keeps them)
creates no duplicates.

Expected values come from the simulators' ready events, decoded with ``profiles`` and put in
the FHIR units by the units' definitions; the gateway's mappers are not used to compute them.
"""

from __future__ import annotations

import functools
import signal
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from profiles import health_thermometer as hts
from profiles import pulse_oximeter as plx
from profiles import weight_scale as ws
from profiles.units import MassUnit, TemperatureUnit
from simulators.runner import SimulatorProcess
from simulators.testbus import TestBus
from tests.daemon import expected, fhir_search, run_helpers
from tests.daemon.process import Daemon
from tests.fhirserver.plugin import StartAnyFhirServer
from tests.fhirserver.server import LocalFhirServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

TIMEOUT = 60.0
REREAD_TIMEOUT = 20.0
BODY_WEIGHT = f"{fhir_search.LOINC}|29463-7"
BODY_TEMPERATURE = f"{fhir_search.LOINC}|8310-5"
SPO2 = f"{fhir_search.LOINC}|2708-6"


def settled(log: run_helpers.LogCounter, readings: int) -> bool:
    stored = log.count("reading_stored")
    return stored >= readings and log.uploaded_items() >= stored


def reread_settled(log: run_helpers.LogCounter, first_run: int) -> bool:
    """The second gateway re-read everything: as many readings as the first (devices without
    stored-record transfers), or its stored-record transfer ended and what it stored is
    uploaded (readings may then be grouped differently: a context that overtook its measurement
    is stored with it)."""
    transferred = log.count("fetch_done") >= 1 and settled(log, 1)
    return settled(log, first_run) or transferred


def values(observations: list[fhir_search.Resource]) -> list[Decimal]:
    return sorted(Decimal(o["valueQuantity"]["value"]) for o in observations)


def everything(server: LocalFhirServer) -> list[fhir_search.Resource]:
    return [
        *fhir_search.search(server.base_url, "Observation"),
        *fhir_search.search(server.base_url, "Patient"),
        *fhir_search.search(server.base_url, "Device"),
    ]


def snapshot(server: LocalFhirServer) -> list[tuple[str, str | None]]:
    """What the server holds, but coincident time stamps (one per connection, by design)."""
    kept = [
        r
        for r in everything(server)
        if not any(c["code"] == "67975" for c in r.get("code", {}).get("coding", []))
    ]
    return sorted((r["resourceType"], r["id"]) for r in kept)


def two_gateways(
    tmp_path: Path,
    bus: TestBus,
    server: LocalFhirServer,
    sim: SimulatorProcess,
    arrived: Callable[[], bool],
    check: Callable[[], None],
    runs: tuple[int, ...] = (1, 2),
    **binding: Any,
) -> None:
    """Gateway 1 until ``arrived()``, then ``check()``; gateway 2 with a fresh state directory
    re-reads every record: the server holds the same resources afterwards (``check()`` again).
    The simulator is stopped at the end."""
    try:
        stored: list[int] = []
        before: list[tuple[str, str | None]] = []
        for run in runs:
            config = run_helpers.write_config(
                tmp_path / f"gateway-{run}.toml",
                server.base_url,
                sim.ready["address"],
                state_dir=f"state-{run}",
                **binding,
            )
            daemon = Daemon(config, bus.env())
            try:
                log = run_helpers.LogCounter(daemon)
                if run == 1:
                    run_helpers.until(arrived, TIMEOUT, "the readings on the server")
                    run_helpers.until(
                        functools.partial(settled, log, 1), TIMEOUT, "the outbox drained"
                    )
                    stored.append(log.count("reading_stored"))
                else:
                    try:
                        # Readings may be grouped differently the second time (a context that
                        # overtook its measurement is stored with it): wait for the transfer and
                        # the uploads; check() and the snapshot then compare what the server holds.
                        run_helpers.until(
                            functools.partial(reread_settled, log, stored[0]),
                            REREAD_TIMEOUT,
                            "all again",
                        )
                    except AssertionError as exc:
                        counts = (log.count("reading_stored"), log.uploaded_items())
                        raise AssertionError(
                            f"{exc}: {counts} of {stored}\n{log.summary()}"
                        ) from None
                assert daemon.stop(signal.SIGTERM) == 0
                assert log.problems() == []
            finally:
                if daemon.proc.poll() is None:
                    daemon.proc.kill()
            check()
            assert (
                fhir_search.duplicate_identifiers(
                    fhir_search.search(server.base_url, "Observation")
                )
                == []
            )
            if run == 1:
                before = snapshot(server)
        assert snapshot(server) == before
    finally:
        sim.stop()


@pytest.mark.parametrize(
    "runs",
    [
        pytest.param((1,), id="once"),
        pytest.param((1, 2), id="re-read"),
    ],
)
def test_glucose_with_context(
    tmp_path: Path, bus: TestBus, start_any_fhir_server: StartAnyFhirServer, runs: tuple[int, ...]
) -> None:
    server = start_any_fhir_server()
    sim = run_helpers.start_simulator(bus, "simulators.glucose", "--records", "12", "--seed", "8")
    want = expected.glucose_records(sim.ready)
    assert any(e.has_context for e in want), "the seed must give records with a context"

    def observations() -> list[fhir_search.Resource]:
        subject = fhir_search.patient_reference(
            server.base_url, run_helpers.PATIENT_SYSTEM, "glucose-owner"
        )
        return fhir_search.search(server.base_url, "Observation", subject=subject)

    def arrived() -> bool:
        return fhir_search.total(server.base_url, "Patient") == 1 and len(
            [o for o in observations() if "derivedFrom" not in o and "valueQuantity" in o]
        ) >= len(want)

    def check() -> None:
        assert expected.glucose_problems(observations(), want) == []

    two_gateways(tmp_path, bus, server, sim, arrived, check, runs, default_patient="glucose-owner")


def test_weight_scale_users_land_under_their_patients(
    tmp_path: Path, bus: TestBus, start_any_fhir_server: StartAnyFhirServer
) -> None:
    server = start_any_fhir_server()
    sim = run_helpers.start_simulator(
        bus, "simulators.weight_scale", "--users", "2", "--records", "6", "--keep-records"
    )
    weights: dict[int, list[Decimal]] = {0: [], 1: []}
    for raw, user in zip(sim.ready["records"], sim.ready["user_ids"], strict=True):
        m = ws.decode_weight_measurement(bytes.fromhex(raw))
        assert m.weight is not None
        assert m.mass_unit is MassUnit.KILOGRAM
        weights[user].append(m.weight)

    def weights_of(user: int) -> list[Decimal]:
        subject = fhir_search.patient_reference(
            server.base_url, run_helpers.PATIENT_SYSTEM, f"scale-user-{user}"
        )
        return values(
            fhir_search.search(server.base_url, "Observation", subject=subject, code=BODY_WEIGHT)
        )

    def arrived() -> bool:
        return fhir_search.total(server.base_url, "Observation", code=BODY_WEIGHT) >= 6

    def check() -> None:
        assert fhir_search.total(server.base_url, "Patient") == 2
        for user, sent in weights.items():
            assert weights_of(user) == sorted(sent)
        assert fhir_search.total(server.base_url, "Observation", code=BODY_WEIGHT) == 6

    two_gateways(
        tmp_path,
        bus,
        server,
        sim,
        arrived,
        check,
        users={0: "scale-user-0", 1: "scale-user-1"},
    )


def _temperature(raw: bytes) -> Decimal:
    m = hts.decode_temperature_measurement(raw)
    assert m.unit is TemperatureUnit.CELSIUS
    assert isinstance(m.temperature, Decimal)
    return m.temperature


def _spo2(raw: bytes) -> Decimal:
    m = plx.decode_plx_spot_check_measurement(raw)
    assert isinstance(m.spo2, Decimal)
    return m.spo2


@pytest.mark.parametrize(
    ("module", "args", "value_of", "code", "owner"),
    [
        pytest.param(
            "simulators.thermometer",
            ("--records", "3", "--keep-records"),
            _temperature,
            BODY_TEMPERATURE,
            "thermo-owner",
            id="thermometer",
        ),
        pytest.param(
            "simulators.pulse_oximeter",
            ("--records", "4", "--spot-checks", "0", "--continuous", "0"),
            _spo2,
            SPO2,
            "oximeter-owner",
            id="pulse-oximeter",
        ),
    ],
)
def test_stored_values_land_under_the_devices_patient(
    tmp_path: Path,
    bus: TestBus,
    start_any_fhir_server: StartAnyFhirServer,
    module: str,
    args: tuple[str, ...],
    value_of: Callable[[bytes], Decimal],
    code: str,
    owner: str,
) -> None:
    server = start_any_fhir_server()
    sim = run_helpers.start_simulator(bus, module, *args)
    sent = [value_of(bytes.fromhex(raw)) for raw in sim.ready["records"]]

    def check() -> None:
        subject = fhir_search.patient_reference(server.base_url, run_helpers.PATIENT_SYSTEM, owner)
        found = fhir_search.search(server.base_url, "Observation", subject=subject, code=code)
        assert values(found) == sorted(sent)
        assert fhir_search.total(server.base_url, "Patient") == 1

    def arrived() -> bool:
        return fhir_search.total(server.base_url, "Observation", code=code) >= len(sent)

    two_gateways(tmp_path, bus, server, sim, arrived, check, default_patient=owner)
