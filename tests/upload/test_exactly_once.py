"""The upload promise against misbehaving servers (field findings U1, U2, U4, U5), with the
in-process fake server: an item is done only when the server proves it; re-sending never
creates anything twice; a server that caps transactions still gets every reading; a wrong base
URL is a configuration problem, not a rejection. The same promises against real servers (and a
hostile proxy in front of one) are tested in tests/upload/test_hostile.py and the flows."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.backoff import Backoff
from gateway.fhir.connection import Mapped
from gateway.outbox import ItemState, Outbox
from gateway.upload.answer import Problem
from gateway.upload.client import FhirClient, ServerConfig
from gateway.upload.uploader import Uploader
from profiles.battery import BatteryLevel
from profiles.heart_rate import HeartRateMeasurement
from tests.fhir.helpers import bp, mapper
from tests.fhir.test_map_body_composition import FULL as FULL_BODY_COMPOSITION
from tests.upload.fake_server import BASE, FakeFhirServer, outcome
from tests.upload.harness import Sleeps
from tests.upload.readings import DEVICE, bp_readings

RECEIVED = dt.datetime(2018, 11, 11, 16, 40, tzinfo=dt.UTC)


def mixed_readings() -> list[Mapped]:
    """A stamped BP, one without a device time stamp, heart rate, battery and a full body
    composition reading (13 entries with its participants)."""
    m = mapper()
    out = [
        m.map(bp(), RECEIVED),
        m.map(bp(timestamp=None, systolic=Decimal(131)), RECEIVED + dt.timedelta(seconds=1)),
        m.map(HeartRateMeasurement(72), RECEIVED + dt.timedelta(seconds=2)),
        m.map(BatteryLevel(80), RECEIVED + dt.timedelta(seconds=3)),
        m.map(FULL_BODY_COMPOSITION, RECEIVED + dt.timedelta(seconds=4)),
    ]
    assert all(isinstance(r, Mapped) for r in out)
    return [r for r in out if isinstance(r, Mapped)]


def sent_resources(readings: list[Mapped]) -> int:
    """How many resources the readings hold (participants once)."""
    urls = {p.entry.full_url for r in readings for p in r.participants if p.entry is not None}
    return len(urls) + sum(len(r.entries) for r in readings)


def identifiers(server: FakeFhirServer) -> Counter[str]:
    found: Counter[str] = Counter()
    for resource in server.stored.values():
        for identifier in resource.get("identifier", []):
            found[f"{identifier['system']}|{identifier['value']}"] += 1
    return found


def run(
    tmp_path: Path,
    server: FakeFhirServer,
    readings: list[Mapped],
    *,
    rounds: int | None = None,
    max_entries: int = 200,
) -> tuple[dict[ItemState, int], Uploader]:
    """Store the readings, then run ``rounds`` upload rounds (or drain)."""

    async def scenario() -> tuple[dict[ItemState, int], Uploader]:
        async with await Outbox.open(tmp_path / "outbox.sqlite3") as outbox:
            client = FhirClient(ServerConfig(BASE), transport=server.transport())
            uploader = Uploader(
                outbox,
                client,
                max_entries=max_entries,
                backoff=Backoff(random=lambda: 1.0),
                sleep=Sleeps(),
            )
            for reading in readings:
                await outbox.put(reading, device=DEVICE)
            if rounds is None:
                await uploader.drain()
            else:
                for _ in range(rounds):
                    await uploader._round()
            await client.aclose()
            return await outbox.counts(), uploader

    return asyncio.run(scenario())


def committed_then(answer: httpx.Response) -> Any:
    """A script step: the server commits the transaction, then answers ``answer``."""

    def step(request: httpx.Request) -> httpx.Response:
        return answer

    return step


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, text="<html>Welcome to nginx</html>"),
        httpx.Response(200, content=bytes(range(256))),
        httpx.Response(200, json=outcome("something went wrong")),
        httpx.Response(200, json={"resourceType": "Bundle", "type": "batch-response"}),
        httpx.Response(201, json={"resourceType": "Patient"}),
    ],
    ids=["html", "garbage", "error-outcome", "wrong-bundle-type", "not-a-bundle"],
)
def test_a_2xx_that_proves_nothing_marks_nothing_done(tmp_path: Path, answer: Any) -> None:
    server = FakeFhirServer(script=[lambda r: answer] * 3)
    state, uploader = run(tmp_path, server, bp_readings(3), rounds=3)
    assert state == {ItemState.PENDING: 3, ItemState.DONE: 0, ItemState.QUARANTINED: 0}
    assert uploader.problem is Problem.UNPROVEN
    assert server.stored == {}


def test_the_server_turning_good_gets_everything_once(tmp_path: Path) -> None:
    html = httpx.Response(200, text="<html>Welcome to nginx</html>")
    server = FakeFhirServer(script=[lambda r: html] * 2)
    state, uploader = run(tmp_path, server, bp_readings(3))
    assert state == {ItemState.PENDING: 0, ItemState.DONE: 3, ItemState.QUARANTINED: 0}
    assert uploader.problem is None


def test_too_few_entries_after_a_commit_is_retried_without_duplicates(tmp_path: Path) -> None:
    """The server commits, then its answer lacks an entry: not proven, sent again, and every
    resource exists once (U1 + U4)."""
    server = FakeFhirServer()

    def short(request: httpx.Request) -> httpx.Response:
        bundle = json.loads(request.content)
        reply = server._commit(bundle)
        reply["entry"] = reply["entry"][:-1]
        return httpx.Response(200, json=reply)

    server.script = [short]
    readings = mixed_readings()
    state, _ = run(tmp_path, server, readings)
    assert state == {ItemState.PENDING: 0, ItemState.DONE: 5, ItemState.QUARANTINED: 0}
    assert len(server.stored) == sent_resources(readings)
    assert max(identifiers(server).values()) == 1


def test_a_lost_answer_duplicates_nothing_of_any_kind(tmp_path: Path) -> None:
    """Commit, then the connection drops (U4): unstamped BP, heart rate, battery and the
    coincident time stamp are matched on their upload identifiers when sent again."""
    server = FakeFhirServer()

    def commit_then_drop(request: httpx.Request) -> httpx.Response:
        server._commit(json.loads(request.content))
        raise httpx.RemoteProtocolError("server disconnected", request=request)

    server.script = [commit_then_drop, commit_then_drop]
    readings = mixed_readings()
    state, _ = run(tmp_path, server, readings)
    assert state[ItemState.DONE] == 5
    assert len(server.stored) == sent_resources(readings)
    kinds = Counter(r["resourceType"] for r in server.stored.values())
    assert kinds["Patient"] == 1
    assert kinds["Device"] == 2
    assert max(identifiers(server).values()) == 1


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_a_configuration_problem_not_a_rejection(tmp_path: Path, status: int) -> None:
    moved = httpx.Response(status, headers={"Location": "https://fhir.example.org/other"})
    server = FakeFhirServer(script=[lambda r: moved] * 4)
    state, uploader = run(tmp_path, server, bp_readings(2), rounds=4)
    assert state == {ItemState.PENDING: 2, ItemState.DONE: 0, ItemState.QUARANTINED: 0}
    assert uploader.problem is Problem.CONFIGURATION
    assert "https://fhir.example.org/other" in uploader.problem_text


@pytest.mark.parametrize("status", [404, 405])
def test_404_or_405_on_a_wrong_base_url_quarantines_nothing(tmp_path: Path, status: int) -> None:
    def wrong_base(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, text="Not Found")

    class WrongBase(FakeFhirServer):
        def handle(self, request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return wrong_base(request)

    state, uploader = run(tmp_path, WrongBase(), bp_readings(2), rounds=3)
    assert state == {ItemState.PENDING: 2, ItemState.DONE: 0, ItemState.QUARANTINED: 0}
    assert uploader.problem is Problem.CONFIGURATION


def test_404_about_the_content_is_still_a_rejection(tmp_path: Path) -> None:
    """The base URL answers /metadata: a 404 to the transaction is about its content."""

    def reject(resource: dict[str, Any]) -> str | None:
        if resource.get("code", {}).get("coding", [{}])[0].get("code") == "150020":
            return "unknown reference"
        return None

    server = FakeFhirServer(reject=reject)
    server.handle = _with_status(server.handle, 404)  # type: ignore[method-assign]
    state, _ = run(tmp_path, server, bp_readings(1))
    assert state[ItemState.QUARANTINED] == 1


def _with_status(handle: Any, status: int) -> Any:
    def wrapped(request: httpx.Request) -> httpx.Response:
        response: httpx.Response = handle(request)
        if response.status_code == 400:
            return httpx.Response(status, json=response.json())
        return response

    return wrapped


class CappedServer(FakeFhirServer):
    """Like Medplum: a transaction with a conditional create and more than ``cap`` entries is
    refused with 400."""

    cap = 8

    def handle(self, request: httpx.Request) -> httpx.Response:
        if request.method == "POST" and not request.url.path.endswith("/metadata"):
            bundle = json.loads(request.content)
            conditional = any("ifNoneExist" in e["request"] for e in bundle["entry"])
            if conditional and len(bundle["entry"]) > self.cap:
                self.requests.append(request)
                return httpx.Response(
                    400,
                    json=outcome("Transaction requires strict isolation but has too many entries"),
                )
        return super().handle(request)


def test_a_server_that_caps_transactions_gets_every_reading(tmp_path: Path) -> None:
    server = CappedServer()
    readings = mixed_readings()
    state, uploader = run(tmp_path, server, readings)
    assert state == {ItemState.PENDING: 0, ItemState.DONE: 5, ItemState.QUARANTINED: 0}
    assert len(server.stored) == sent_resources(readings)
    assert uploader.max_entries <= 8
    # References stay intact: every urn:uuid was resolved to a server id.
    references = [
        ref for r in server.stored.values() for ref in _references(r) if ref != "Patient/42"
    ]
    assert references
    assert all(ref in server.stored for ref in references), references
    derived = [
        ref["reference"]
        for r in server.stored.values()
        for ref in r.get("derivedFrom", []) + r.get("hasMember", [])
    ]
    assert derived
    assert all(ref in server.stored for ref in derived)


def test_a_cached_id_the_server_lost_is_forgotten_not_quarantined(tmp_path: Path) -> None:
    server = FakeFhirServer()
    run(tmp_path, server, bp_readings(1))
    lost = [ref for ref, r in server.stored.items() if r["resourceType"] == "Device"]
    for ref in lost:  # the server lost the Devices (restored from a backup, say)
        del server.stored[ref]
    server._by_identifier = {k: v for k, v in server._by_identifier.items() if v not in lost}

    def reject(resource: dict[str, Any]) -> str | None:
        text = json.dumps(resource)
        return "reference to a missing Device" if any(r in text for r in lost) else None

    server.reject = reject
    state, _ = run(tmp_path, server, bp_readings(1, first=1))
    assert state == {ItemState.PENDING: 0, ItemState.DONE: 2, ItemState.QUARANTINED: 0}


def _references(value: Any) -> list[str]:
    if isinstance(value, dict):
        found = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return found + [r for v in value.values() for r in _references(v)]
    if isinstance(value, list):
        return [r for v in value for r in _references(v)]
    return []


@pytest.mark.parametrize(
    ("answer", "says"),
    [
        (httpx.Response(301, headers={"Location": "https://x/fhir"}), "redirects"),
        (httpx.Response(404, text="Not Found"), "HTTP 404"),
        (httpx.Response(405, text="Method Not Allowed"), "HTTP 405"),
        (httpx.Response(200, text="<html>portal</html>"), "not with FHIR JSON"),
    ],
    ids=["301", "404", "405", "html"],
)
def test_the_doctor_probe_finds_a_wrong_base_url(answer: httpx.Response, says: str) -> None:
    """``phg doctor`` posts an empty transaction Bundle: a wrong base URL shows before any
    reading is held back by it."""
    from gateway.upload.capability import CapabilityError

    async def probe() -> None:
        client = FhirClient(
            ServerConfig(BASE), transport=httpx.MockTransport(lambda request: answer)
        )
        try:
            await client.probe_transaction()
        finally:
            await client.aclose()

    with pytest.raises(CapabilityError, match=says):
        asyncio.run(probe())


def test_the_doctor_probe_accepts_an_empty_transaction_response() -> None:
    server = FakeFhirServer()

    async def probe() -> None:
        client = FhirClient(ServerConfig(BASE), transport=server.transport())
        try:
            await client.probe_transaction()
        finally:
            await client.aclose()

    asyncio.run(probe())
    assert server.stored == {}


def test_a_request_httpx_cannot_build_never_quotes_its_headers(tmp_path: Path) -> None:
    """U7: ``Illegal header value b'Bearer SECRET...'`` must not reach the outbox."""

    def illegal(request: httpx.Request) -> httpx.Response:
        raise httpx.LocalProtocolError("Illegal header value b'Bearer SECRET\\nX'")

    server = FakeFhirServer(script=[illegal])

    async def scenario() -> str | None:
        async with await Outbox.open(tmp_path / "o.sqlite3") as outbox:
            client = FhirClient(ServerConfig(BASE), transport=server.transport())
            uploader = Uploader(outbox, client, sleep=Sleeps())
            item_id = await outbox.put(bp_readings(1)[0], device=DEVICE)
            await uploader._round()
            await client.aclose()
            item = outbox.store.get(item_id)
            assert item is not None
            return item.last_error

    error = asyncio.run(scenario())
    assert error == "connection failed (LocalProtocolError)"


def test_a_bundle_refused_for_its_size_caps_later_bundles(tmp_path: Path) -> None:
    """Both halves of a refused bundle went through: the size was the problem, so the next
    rounds send bundles that fit at once instead of being refused and bisected again."""
    server = CappedServer()
    state, uploader = run(tmp_path, server, bp_readings(40), max_entries=200)
    assert state[ItemState.DONE] == 40
    assert uploader.max_entries <= 8
    refused = sum(1 for r in server.requests if r.method == "POST") - len(server.bundles)
    assert refused <= 6  # about log2 of the first bundle's size, not one per round
