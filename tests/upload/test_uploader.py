"""The uploader against an in-process fake server (httpx.MockTransport): batching, id cache,
retries with backoff and Retry-After, quarantine of rejected readings by bisection."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from gateway.outbox import ItemState, Outbox
from gateway.upload.client import FhirClient, ServerConfig
from gateway.upload.uploader import Uploader
from tests.upload.fake_server import BASE, FakeFhirServer, outcome
from tests.upload.harness import Sleeps, bp_systolics, run_upload, systolic
from tests.upload.readings import DEVICE, bp_readings


def counts(outbox: Outbox) -> Any:
    return outbox.counts()


def test_readings_arrive_once_in_order_and_ids_are_cached(tmp_path: Path) -> None:
    server = FakeFhirServer()
    first, second = bp_readings(3), bp_readings(2, first=3)
    state = run_upload(tmp_path, server, [first, second], then=counts)
    assert state == {ItemState.PENDING: 0, ItemState.DONE: 5, ItemState.QUARANTINED: 0}
    assert len(server.bundles) == 2
    assert bp_systolics(server.bundles) == [100, 101, 102, 103, 104]
    kinds = [e["resource"]["resourceType"] for e in server.bundles[0]["entry"]]
    assert kinds[:3] == ["Patient", "Device", "Device"]
    assert kinds.count("Patient") == 1  # participants once per bundle
    # The second bundle refers to the server ids learnt from the first response.
    later = server.bundles[1]["entry"]
    assert {e["resource"]["resourceType"] for e in later} == {"Observation"}
    bp_obs = later[0]["resource"]
    patient_ref, device_ref = bp_obs["subject"]["reference"], bp_obs["device"]["reference"]
    assert server.stored[patient_ref]["resourceType"] == "Patient"
    assert server.stored[device_ref]["meta"]["profile"][0].endswith("PhdDevice")
    coincident = bp_obs["extension"][1]["valueReference"]["reference"]
    assert server.stored[coincident]["code"]["coding"][0]["code"] == "67975"
    assert not any("urn:uuid" in json.dumps(e["resource"]) for e in later)


def test_bundles_respect_max_entries_and_order(tmp_path: Path) -> None:
    server = FakeFhirServer()
    run_upload(tmp_path, server, [bp_readings(10)], max_entries=8)
    assert all(len(b["entry"]) <= 8 for b in server.bundles)
    assert len(server.bundles) > 2
    assert bp_systolics(server.bundles) == list(range(100, 110))


def test_429_retry_after_is_honoured(tmp_path: Path) -> None:
    busy = httpx.Response(429, headers={"Retry-After": "7"}, json=outcome("slow down"))
    server = FakeFhirServer(script=[lambda r: busy])
    sleeps = Sleeps()
    state = run_upload(tmp_path, server, [bp_readings(2)], sleeps=sleeps, then=counts)
    assert sleeps.delays == [7.0]
    assert state[ItemState.DONE] == 2  # type: ignore[index]
    assert bp_systolics(server.bundles) == [100, 101]


def test_5xx_backs_off_exponentially_then_recovers(tmp_path: Path) -> None:
    down = httpx.Response(503, text="maintenance")
    server = FakeFhirServer(script=[lambda r: down] * 4)
    sleeps = Sleeps()
    run_upload(tmp_path, server, [bp_readings(1)], sleeps=sleeps)
    # random() fixed at 1.0: the upper end of [d/2, d], d = 1, 2, 4, 8 s.
    assert sleeps.delays == [1.0, 2.0, 4.0, 8.0]
    assert bp_systolics(server.bundles) == [100]


def test_backoff_jitter_stays_within_half_to_full_delay(tmp_path: Path) -> None:
    from gateway.backoff import Backoff

    low = Backoff(random=lambda: 0.0)
    high = Backoff(random=lambda: 1.0)
    assert [low.next_delay() for _ in range(4)] == [0.5, 1.0, 2.0, 4.0]
    assert [high.next_delay() for _ in range(4)] == [1.0, 2.0, 4.0, 8.0]
    capped = Backoff(maximum=10.0, failures=20, random=lambda: 1.0)
    assert capped.next_delay() == 10.0


def test_connection_errors_and_timeouts_are_retried_not_quarantined(tmp_path: Path) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    def stall(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("timed out", request=request)

    unauthorized = httpx.Response(401)
    server = FakeFhirServer(script=[refuse, stall, lambda r: unauthorized])
    sleeps = Sleeps()
    state = run_upload(tmp_path, server, [bp_readings(3)], sleeps=sleeps, then=counts)
    assert len(sleeps.delays) == 3
    assert state == {ItemState.PENDING: 0, ItemState.DONE: 3, ItemState.QUARANTINED: 0}


def test_failures_are_recorded_on_pending_items(tmp_path: Path) -> None:
    async def scenario() -> None:
        server = FakeFhirServer(script=[lambda r: httpx.Response(500)])
        async with await Outbox.open(tmp_path / "o.sqlite3") as outbox:
            client = FhirClient(ServerConfig(BASE), transport=server.transport())
            uploader = Uploader(outbox, client, sleep=Sleeps())
            item_id = await outbox.put(bp_readings(1)[0], device=DEVICE)
            await uploader._round()
            item = outbox.store.get(item_id)
            assert item is not None
            assert item.state is ItemState.PENDING
            assert item.attempts == 1
            assert item.last_error == "HTTP 500"
            await client.aclose()

    asyncio.run(scenario())


def test_a_rejected_reading_is_quarantined_and_the_others_arrive_in_order(
    tmp_path: Path,
) -> None:
    def reject(resource: dict[str, Any]) -> str | None:
        code = resource.get("code", {}).get("coding", [{}])[0].get("code")
        if code == "150020" and systolic(resource) == Decimal(105):
            return "Observation.component[0]: bad value"
        return None

    server = FakeFhirServer(reject=reject)

    async def quarantined(outbox: Outbox) -> Any:
        return outbox.store.list_items(ItemState.QUARANTINED)

    items = run_upload(tmp_path, server, [bp_readings(9)], then=quarantined)
    assert bp_systolics(server.bundles) == [100, 101, 102, 103, 104, 106, 107, 108]
    assert items is not None
    assert len(items) == 1
    bad = items[0]
    assert systolic(bad.entries[-2].resource) == Decimal(105)
    assert bad.outcome == outcome("Observation.component[0]: bad value")
    assert bad.last_error == "HTTP 400: Observation.component[0]: bad value"
    # Bisection, not one request per reading: about 2·log2(9) requests to find the bad item,
    # then one retry without cached ids and a few parts before it is quarantined.
    assert len(server.requests) < 2 * 9


def test_run_wakes_up_for_new_readings_and_stops(tmp_path: Path) -> None:
    server = FakeFhirServer()

    async def scenario() -> None:
        async with await Outbox.open(tmp_path / "o.sqlite3") as outbox:
            client = FhirClient(ServerConfig(BASE), transport=server.transport())
            uploader = Uploader(outbox, client, sleep=Sleeps())
            stop = asyncio.Event()
            task = asyncio.create_task(uploader.run(stop))
            for reading in bp_readings(3):
                await outbox.put(reading, device=DEVICE)
            while (await outbox.counts())[ItemState.DONE] < 3:
                await asyncio.sleep(0.01)
            stop.set()
            await asyncio.wait_for(task, 5)
            await client.aclose()

    asyncio.run(scenario())
    assert bp_systolics(server.bundles) == [100, 101, 102]
