"""A glucose meter dumping 400 stored records (``phg simulate glucose --records 400 --seed 11``,
G4): every measurement and every context is stored and uploaded, whatever the distance between
a context and its measurement. The pipeline runs with the real mapper, outbox and held-back
store; the contexts are delivered far from their measurements, in both directions and across a
gateway restart, much further apart than the mapper's join memory (REMEMBERED = 64)."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import random
import sqlite3
from pathlib import Path

import pytest

from gateway.backoff import Backoff
from gateway.ble.events import (
    ClockReading,
    ConnectionFacts,
    MeasurementEvent,
    SessionState,
    SessionStateEvent,
)
from gateway.daemon import heldback
from gateway.daemon.heldback import HeldBackStore
from gateway.daemon.pipeline import Pipeline
from gateway.fhir.mappers.glucose import REMEMBERED
from gateway.fhir.patient import PatientBinding, PatientIdentifier
from gateway.outbox import ItemState, Outbox
from gateway.upload.client import FhirClient, ServerConfig
from gateway.upload.uploader import Uploader
from profiles import glucose as gl
from profiles.device_information import DeviceInformation
from profiles.registry_types import AnyCharacteristic
from simulators.glucose import CONTEXT, MEASUREMENT, generate_records
from simulators.racp_server import StoredRecord
from tests.daemon import fakes
from tests.daemon.fakes import PHG
from tests.daemon.fhir_search import MDC, search, total
from tests.fhirserver.plugin import StartFhirServer

pytestmark = pytest.mark.integration

ADDRESS = "AA:BB:CC:DD:EE:11"
NEWEST = dt.datetime(2026, 3, 1, 8, 0, 0)
CONNECTED = dt.datetime(2026, 3, 1, 9, 0, 0, tzinfo=dt.UTC)
PATIENT = PatientIdentifier("urn:oid:2.999.11", "burst")
MEAL = "8417864"
RECORDS = 400
SPLIT = 300


GLUCOSE_METER = DeviceInformation(
    manufacturer="PHG Simulators",
    model="GL-SIM-1",
    firmware_revision="1.0.0",
    system_id=bytes.fromhex("1122334455485002"),
)


def connection(number: int) -> ConnectionFacts:
    at = CONNECTED + dt.timedelta(minutes=number)
    clock = ClockReading(at, at.replace(tzinfo=None), dt.timedelta(0))
    return dataclasses.replace(
        fakes.facts(ADDRESS, number, clock),
        name="PHG-GLUCOSE",
        connected_at=at,
        device_information=GLUCOSE_METER,
        battery_percent=None,
    )


def event(record: StoredRecord, uuid: str, facts: ConnectionFacts) -> MeasurementEvent:
    raw = dict(record.values)[uuid]
    characteristic: AnyCharacteristic = (
        gl.GLUCOSE_MEASUREMENT if uuid == MEASUREMENT else gl.GLUCOSE_MEASUREMENT_CONTEXT
    )
    value = characteristic.decode(raw)
    return MeasurementEvent(
        characteristic.name,
        characteristic.uuid16,
        value,
        raw,
        facts.connected_at + dt.timedelta(seconds=1),
        True,
        record.key,
        facts,
    )


def has_context(record: StoredRecord) -> bool:
    return any(uuid == CONTEXT for uuid, _ in record.values)


async def deliver(state: Path, events: list[MeasurementEvent]) -> None:
    """One gateway run: open the stores, deliver, close (a restart between runs)."""
    outbox = await Outbox.open(state / "outbox.sqlite")
    kept = await HeldBackStore.open(state / "heldback.sqlite")
    try:
        pipeline = Pipeline(outbox, kept, PHG, dt.UTC, {ADDRESS: PatientBinding(PATIENT)})
        for e in events:
            await pipeline(e)
        await pipeline(SessionStateEvent(ADDRESS, SessionState.DISCONNECTED))
    finally:
        await kept.close()
        await outbox.close()


async def upload(state: Path, base_url: str) -> dict[ItemState, int]:
    outbox = await Outbox.open(state / "outbox.sqlite")
    client = FhirClient(ServerConfig(base_url))
    try:
        await Uploader(
            outbox, client, max_entries=200, backoff=Backoff(initial=0.05, maximum=0.5)
        ).drain()
        return await outbox.counts()
    finally:
        await client.aclose()
        await outbox.close()


def test_400_records_store_and_upload_every_measurement_and_context(
    tmp_path: Path, start_fhir_server: StartFhirServer
) -> None:
    records = generate_records(random.Random(11), RECORDS, NEWEST)
    with_context = [r for r in records if has_context(r)]
    assert len(with_context) > REMEMBERED  # more contexts than the join memory holds
    first, second = connection(1), connection(2)
    # Run 1: the measurements of records 1..300, with the contexts of records 301..400
    # overtaking them all (they arrive before their measurements exist anywhere).
    run_1 = [event(r, CONTEXT, first) for r in with_context if r.key > SPLIT]
    run_1 += [event(r, MEASUREMENT, first) for r in records if r.key <= SPLIT]
    # Run 2 (after a restart): the measurements of records 301..400, then the contexts of
    # records 1..300, up to 400 records after their measurements.
    run_2 = [event(r, MEASUREMENT, second) for r in records if r.key > SPLIT]
    run_2 += [event(r, CONTEXT, second) for r in with_context if r.key <= SPLIT]
    state = tmp_path / "state"
    asyncio.run(deliver(state, run_1))
    asyncio.run(deliver(state, run_2))

    assert heldback.count(state / "heldback.sqlite") == {}  # nothing left awaiting a join
    db = sqlite3.connect(state / "heldback.sqlite")
    assert db.execute("SELECT COUNT(*) FROM announced").fetchone() == (0,)
    db.close()

    server = start_fhir_server()
    counts = asyncio.run(upload(state, server.base_url))
    assert counts[ItemState.PENDING] == counts[ItemState.QUARANTINED] == 0
    glucose_codes = ",".join(f"{MDC}|{c}" for c in ("160184", "160188", "160196", "160368"))
    assert total(server.base_url, "Observation", code=glucose_codes) == RECORDS
    meals = search(server.base_url, "Observation", code=f"{MDC}|{MEAL}")
    assert len(meals) == len(with_context)
    # Every context points at a glucose Observation the server has.
    targets = {m["derivedFrom"][0]["reference"] for m in meals}
    assert len(targets) == len(with_context)
    glucose_ids = {
        f"Observation/{o['id']}" for o in search(server.base_url, "Observation", code=glucose_codes)
    }
    assert targets <= glucose_ids
