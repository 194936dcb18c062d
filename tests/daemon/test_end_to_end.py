"""The whole chain on the test bus: simulated blood pressure monitor -> ``phg run`` (a process)
-> a FHIR server (SEKMET, and Medplum's FHIR engine: each test runs against both). With the
monitor's user index bound, the server holds the Observations the simulator sent, for the
bound patient; unbound, the readings are kept in the held-back store and the server receives
none. Either way SIGTERM ends the daemon with exit status 0."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import time
import urllib.request
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gateway.daemon import heldback
from gateway.outbox import ItemState, Outbox
from profiles import blood_pressure as bp
from simulators.runner import SimulatorProcess
from simulators.testbus import TestBus
from tests.daemon.process import Daemon
from tests.fhirserver.server import LocalFhirServer

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PATIENT_SYSTEM = "urn:oid:2.999.77"
TIMEOUT = 60.0


@pytest.fixture
def bus() -> Iterator[TestBus]:
    with TestBus(adapters=2) as test_bus:
        yield test_bus
        assert test_bus.log_problems() == [], test_bus.log_text()


@pytest.fixture
def server(any_fhir_server: LocalFhirServer) -> LocalFhirServer:
    """SEKMET, then Medplum's FHIR engine (the tests run once per server)."""
    return any_fhir_server


def get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as reply:
        return json.loads(reply.read(), parse_float=Decimal)


def blood_pressure_observations(base_url: str) -> list[dict[str, Any]]:
    bundle = get(f"{base_url}/Observation?_count=200")
    resources = [e["resource"] for e in bundle.get("entry", [])]
    return [r for r in resources if any(c.get("code") == "85354-9" for c in r["code"]["coding"])]


def systolic(obs: dict[str, Any]) -> Decimal:
    [component] = [
        c for c in obs["component"] if any(x["code"] == "8480-6" for x in c["code"]["coding"])
    ]
    return Decimal(component["valueQuantity"]["value"])


def write_config(path: Path, base_url: str, address: str, users: list[int]) -> None:
    user_lines = "".join(
        f'{u} = {{ system = "{PATIENT_SYSTEM}", value = "user-{u}" }}\n' for u in users
    )
    path.write_text(
        f"""
[gateway]
state_dir = "state"
time_zone = "UTC"
[fhir]
base_url = "{base_url}"
[ble]
adapters = ["hci0"]
[[devices]]
address = "{address}"
patient = {{ system = "{PATIENT_SYSTEM}", value = "default" }}
[devices.users]
{user_lines}
""",
        encoding="utf-8",
    )


def serve_until(
    tmp_path: Path,
    bus: TestBus,
    server: LocalFhirServer,
    bind_users: bool,
    done: Callable[[], bool],
) -> list[bp.BloodPressureMeasurement]:
    """Run the simulator and ``phg run`` until ``done()``, then SIGTERM (exit status 0)."""
    sim = SimulatorProcess(
        "simulators.blood_pressure",
        ["--adapter", "hci1", "--records", "3", "--seed", "21"],
        env=bus.env(),
    )
    sim.start()
    daemon: Daemon | None = None
    try:
        records = [
            bp.decode_blood_pressure_measurement(bytes.fromhex(h)) for h in sim.ready["records"]
        ]
        users = sorted({r.user_id for r in records if r.user_id is not None})
        config = tmp_path / "gateway.toml"
        write_config(config, server.base_url, sim.ready["address"], users if bind_users else [])
        daemon = Daemon(config, bus.env())
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and not done():
            time.sleep(0.5)
        assert daemon.stop(signal.SIGTERM) == 0
    finally:
        if daemon is not None and daemon.proc.poll() is None:
            daemon.proc.kill()
        sim.stop()
    return records


def test_bound_readings_reach_the_fhir_server(
    tmp_path: Path, bus: TestBus, server: LocalFhirServer
) -> None:
    found: list[dict[str, Any]] = []

    def three_observations() -> bool:
        found[:] = blood_pressure_observations(server.base_url)
        return len(found) >= 3

    records = serve_until(tmp_path, bus, server, True, three_observations)
    assert sorted(systolic(o) for o in found) == sorted(Decimal(str(r.systolic)) for r in records)
    patients = {o["subject"]["reference"] for o in found}
    owners = {get(f"{server.base_url}/{p}")["identifier"][0]["value"] for p in patients}
    assert owners == {"default" if r.user_id is None else f"user-{r.user_id}" for r in records}

    async def counts() -> dict[ItemState, int]:
        outbox = await Outbox.open(tmp_path / "state" / "outbox.sqlite")
        try:
            return await outbox.counts()
        finally:
            await outbox.close()

    settled = asyncio.run(counts())
    assert (settled[ItemState.DONE], settled[ItemState.PENDING]) == (len(records), 0)
    assert heldback.count(tmp_path / "state" / "heldback.sqlite") == {}


def test_unbound_users_are_held_back_not_uploaded(
    tmp_path: Path, bus: TestBus, server: LocalFhirServer
) -> None:
    kept = tmp_path / "state" / "heldback.sqlite"

    def three_kept() -> bool:
        return kept.exists() and heldback.count(kept).get("held-back", 0) >= 3

    records = serve_until(tmp_path, bus, server, False, three_kept)
    if all(r.user_id is None for r in records):
        pytest.fail("the simulator sent no user index; this test needs one")
    assert heldback.count(kept) == {"held-back": 3}
    assert blood_pressure_observations(server.base_url) == []
    db = sqlite3.connect(kept)
    raws = sorted(row[0] for row in db.execute("SELECT raw FROM heldback"))
    db.close()
    assert raws == sorted(bp.encode_blood_pressure_measurement(r) for r in records)
