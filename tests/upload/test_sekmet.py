"""End to end against real FHIR servers (SEKMET, and Medplum's FHIR engine where the test takes
``any_fhir_server``): gateway.fhir bundles through the outbox and the uploader; searchable
results, no duplicates, outages, quarantine, a full outbox."""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.backoff import Backoff
from gateway.fhir.connection import Mapped
from gateway.fhir.patient import PatientBinding, PatientIdentifier
from gateway.outbox import ItemState, Outbox, OutboxFullError, entries_of
from gateway.upload.client import FhirClient, ServerConfig
from gateway.upload.uploader import Uploader
from tests.fhir.helpers import PATIENT, mapper
from tests.fhirserver.plugin import StartAnyFhirServer
from tests.fhirserver.server import LocalFhirServer, SekmetServer
from tests.upload.harness import systolic
from tests.upload.readings import DEVICE, bp_readings

pytestmark = pytest.mark.integration

BP_PANEL = "http://loinc.org|85354-9"
HEART_RATE = "http://loinc.org|8867-4"


class RecordingClient(FhirClient):
    """Remembers the systolic values of each committed transaction, in commit order."""

    committed: list[int]

    async def transaction(self, body: str) -> httpx.Response:
        response = await super().transaction(body)
        if response.is_success:
            import json

            for entry in json.loads(body)["entry"]:
                resource = entry["resource"]
                if resource.get("code", {}).get("coding", [{}])[0].get("code") == "150020":
                    self.committed.append(int(systolic(resource)))
        return response


def total(server: LocalFhirServer, kind: str, **params: str) -> int:
    reply = httpx.get(f"{server.base_url}/{kind}", params={**params, "_summary": "count"})
    reply.raise_for_status()
    count: int = reply.json()["total"]
    return count


def patient_id(server: LocalFhirServer) -> str:
    reply = httpx.get(
        f"{server.base_url}/Patient", params={"identifier": f"{PATIENT.system}|{PATIENT.value}"}
    )
    entries = reply.json().get("entry", [])
    assert len(entries) == 1
    return str(entries[0]["resource"]["id"])


async def upload(
    server: LocalFhirServer,
    path: Path,
    readings: list[Mapped],
    *,
    max_entries: int = 50,
    sleep: Any = asyncio.sleep,
    before_drain: Any = None,
) -> tuple[dict[ItemState, int], list[int]]:
    async with await Outbox.open(path) as outbox:
        client = RecordingClient(ServerConfig(server.base_url))
        client.committed = []
        uploader = Uploader(
            outbox,
            client,
            max_entries=max_entries,
            backoff=Backoff(initial=0.05, maximum=0.5),
            sleep=sleep,
        )
        try:
            await uploader.check_server()
            for reading in readings:
                await outbox.put(reading, device=DEVICE)
            if before_drain is not None:
                before_drain()
            await uploader.drain()
            return await outbox.counts(), client.committed
        finally:
            await client.aclose()


def test_readings_are_stored_once_and_searchable(
    any_fhir_server: LocalFhirServer, tmp_path: Path
) -> None:
    fhir_server = any_fhir_server
    readings = bp_readings(12)
    path = tmp_path / "outbox.sqlite3"
    counts, committed = asyncio.run(upload(fhir_server, path, readings, max_entries=10))
    assert counts[ItemState.DONE] == 12
    assert committed == list(range(100, 112))
    subject = f"Patient/{patient_id(fhir_server)}"
    assert total(fhir_server, "Observation", subject=subject, code=BP_PANEL) == 12
    assert total(fhir_server, "Observation", subject=subject, code=HEART_RATE) == 12
    assert total(fhir_server, "Device") == 2  # PhgDevice and PhdDevice
    assert total(fhir_server, "Observation", code="urn:iso:std:iso:11073:10101|67975") == 1
    # The same readings again (fetched again after a crash): nothing new on the server.
    counts, _ = asyncio.run(upload(fhir_server, path, readings))
    assert counts[ItemState.DONE] == 24
    assert total(fhir_server, "Observation", subject=subject, code=BP_PANEL) == 12
    assert total(fhir_server, "Observation") == 25
    assert total(fhir_server, "Patient") == 1
    assert total(fhir_server, "Device") == 2


def test_server_down_for_a_while_then_everything_arrives_once_in_order(
    start_any_fhir_server: StartAnyFhirServer, tmp_path: Path
) -> None:
    server = start_any_fhir_server()
    failures: list[float] = []

    async def sleep(delay: float) -> None:
        failures.append(delay)
        if len(failures) == 4:
            await asyncio.to_thread(server.start)
        await asyncio.sleep(delay)

    readings = bp_readings(20)
    counts, committed = asyncio.run(
        upload(
            server,
            tmp_path / "o.sqlite3",
            readings,
            max_entries=12,
            sleep=sleep,
            before_drain=server.stop,
        )
    )
    assert len(failures) == 4
    assert counts[ItemState.DONE] == 20
    assert committed == list(range(100, 120))
    assert total(server, "Observation", code=BP_PANEL) == 20
    assert total(server, "Device") == 2


def test_an_invalid_reading_is_quarantined_and_does_not_block_the_others(
    any_fhir_server: LocalFhirServer, tmp_path: Path
) -> None:
    fhir_server = any_fhir_server
    readings = bp_readings(6, first=50)
    bad_entries = entries_of(readings[3])
    broken = copy.deepcopy(bad_entries[-1].resource)  # the heart rate Observation
    broken["valueQuantity"]["value"] = "not a number"
    bad = (
        *bad_entries[:-1],
        type(bad_entries[-1])(bad_entries[-1].full_url, broken, bad_entries[-1].if_none_exist),
    )
    before = total(fhir_server, "Observation", code=BP_PANEL)

    async def scenario() -> tuple[dict[ItemState, int], Any]:
        async with await Outbox.open(tmp_path / "o.sqlite3") as outbox:
            client = FhirClient(ServerConfig(fhir_server.base_url))
            uploader = Uploader(outbox, client, backoff=Backoff(initial=0.05))
            for index, reading in enumerate(readings):
                if index == 3:
                    await outbox.put_entries(DEVICE, bad)
                else:
                    await outbox.put(reading, device=DEVICE)
            await uploader.drain()
            await client.aclose()
            return await outbox.counts(), outbox.store.list_items(ItemState.QUARANTINED)

    counts, quarantined = asyncio.run(scenario())
    assert counts == {ItemState.PENDING: 0, ItemState.DONE: 5, ItemState.QUARANTINED: 1}
    assert len(quarantined) == 1
    assert systolic(quarantined[0].entries[-2].resource) == 153
    assert quarantined[0].outcome["resourceType"] == "OperationOutcome"
    assert quarantined[0].last_error.startswith("HTTP 4")
    # The rejected reading was sent in parts to find what the server refuses (it might only
    # have been too large for it): its valid blood pressure Observation arrived on its own, the
    # broken pulse did not, and the item stays quarantined with the server's outcome.
    assert total(fhir_server, "Observation", code=BP_PANEL) == before + 6


def test_a_full_outbox_refuses_readings_and_uploads_what_it_holds(
    fhir_server: SekmetServer, tmp_path: Path
) -> None:
    readings = bp_readings(80, first=200)
    before = total(fhir_server, "Observation", code=BP_PANEL)

    async def scenario() -> tuple[int, int]:
        async with await Outbox.open(tmp_path / "o.sqlite3", max_bytes=120_000) as outbox:
            stored = refused = 0
            for reading in readings:
                try:
                    await outbox.put(reading, device=DEVICE)
                    stored += 1
                except OutboxFullError:
                    refused += 1
            client = FhirClient(ServerConfig(fhir_server.base_url))
            await Uploader(outbox, client).drain()
            await client.aclose()
            assert (await outbox.counts())[ItemState.DONE] == stored
            assert outbox.store._conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            return stored, refused

    stored, refused = asyncio.run(scenario())
    assert stored > 0
    assert refused > 0
    assert total(fhir_server, "Observation", code=BP_PANEL) == before + stored


@pytest.mark.parametrize("special", [",", "$", "|", "\\"], ids=["comma", "dollar", "pipe", "bs"])
def test_patient_identifiers_with_search_characters_match_once(
    any_fhir_server: LocalFhirServer,
    fhir_server_kind: str,
    tmp_path: Path,
    special: str,
    request: pytest.FixtureRequest,
) -> None:
    """Field finding U3: ``MRN,42`` in ``ifNoneExist`` used to be read as ``MRN`` OR ``42``,
    and every re-send made another Patient and another copy of the reading."""
    if fhir_server_kind == "medplum" and special == "|":
        # A defect of the server, not of the request (docs/exactly-once.md): strict, so this
        # test says so the day Medplum matches escaped pipes.
        request.applymarker(
            pytest.mark.xfail(
                strict=True,
                reason="Medplum 5.2.13 splits token values on every '|', escaped or not",
            )
        )
    fhir_server = any_fhir_server
    patient = PatientIdentifier("urn:oid:2.999.7", f"MRN{special}42")
    before = total(fhir_server, "Patient")
    for attempt in range(3):  # each with a fresh outbox: nothing cached, all sent again
        readings = bp_readings(2, connection=mapper(patients=PatientBinding(patient)))
        counts, _ = asyncio.run(upload(fhir_server, tmp_path / f"o{attempt}.sqlite3", readings))
        assert counts[ItemState.DONE] == 2
    assert total(fhir_server, "Patient") == before + 1
    reply = httpx.get(f"{fhir_server.base_url}/Patient", params={"_count": "1000"})
    values = [
        i["value"] for e in reply.json().get("entry", []) for i in e["resource"]["identifier"]
    ]
    assert values.count(patient.value) == 1


def test_a_device_that_gains_a_specialization_is_updated_on_the_server(
    any_fhir_server: LocalFhirServer, tmp_path: Path
) -> None:
    """The IG's Device update pattern (issue 11): a battery level first makes a PhdDevice
    without the blood pressure specialization; the blood pressure reading that follows updates
    that Device on the server (same id), not a second Device, not frozen."""
    from profiles.battery import BatteryLevel

    fhir_server = any_fhir_server
    connection = mapper()
    battery = connection.map(BatteryLevel(80), dt.datetime(2018, 11, 11, 16, 40, tzinfo=dt.UTC))
    assert isinstance(battery, Mapped)
    asyncio.run(upload(fhir_server, tmp_path / "o.sqlite3", [battery]))
    devices = _devices(fhir_server)
    phd_before = [d for d in devices if d["meta"]["profile"][0].endswith("PhdDevice")]
    assert len(phd_before) == 1
    assert "528391" not in json.dumps(phd_before[0].get("specialization", []))
    counts, _ = asyncio.run(
        upload(fhir_server, tmp_path / "o.sqlite3", bp_readings(1, connection=connection))
    )
    assert counts[ItemState.DONE] == 2
    phd_after = [d for d in _devices(fhir_server) if d["meta"]["profile"][0].endswith("PhdDevice")]
    assert [d["id"] for d in phd_after] == [phd_before[0]["id"]]
    assert "528391" in json.dumps(phd_after[0]["specialization"])  # blood pressure


def _devices(server: LocalFhirServer) -> list[dict[str, Any]]:
    reply = httpx.get(f"{server.base_url}/Device", params={"_count": "100"})
    reply.raise_for_status()
    return [e["resource"] for e in reply.json().get("entry", [])]
