"""The status server over real HTTP on a free loopback port, with a fake data source."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import httpx

from gateway.status.metrics import GatewayMetrics
from gateway.status.server import StatusServer
from tests.status.promtext import parse, value

SNAPSHOT: dict[str, Any] = {
    "generated_at": "2026-03-01T09:00:00+00:00",
    "started_at": "2026-03-01T08:00:00+00:00",
    "devices": [
        {
            "address": "AA:BB:CC:DD:EE:01",
            "name": "<BP>",
            "state": "connected",
            "last_seen": "2026-03-01T09:00:00+00:00",
            "battery_percent": 80,
            "readings": 1,
        }
    ],
    "readings": [
        {
            "device": "AA:BB:CC:DD:EE:01",
            "characteristic": "blood-pressure-measurement",
            "received_at": "2026-03-01T09:00:00+00:00",
            "state": "uploaded",
            "values": ["systolic: 120 mm[Hg]"],
            "server_ids": ["Observation/17"],
        }
    ],
    "outbox": {"pending": 2, "done": 1, "quarantined": 0},
    "quarantined": [],
    "fhir": {"base_url": "http://fhir.test/fhir", "ok": True, "fhir_version": "4.0.1"},
}


class FakeSource:
    def __init__(self, healthy: bool = True) -> None:
        self.healthy = healthy
        self.metrics_obj = GatewayMetrics()
        self.metrics_obj.uploaded.inc(3)

    async def snapshot(self) -> dict[str, Any]:
        return SNAPSHOT

    async def metrics(self) -> str:
        return self.metrics_obj.render()

    async def health(self) -> dict[str, Any]:
        if not self.healthy:
            raise OSError("database is locked")
        return {"status": "ok"}


async def _get_all(
    server: StatusServer, requests: list[tuple[str, dict[str, str]]]
) -> list[httpx.Response]:
    await server.start()
    try:
        async with httpx.AsyncClient(base_url=server.url.rstrip("/")) as client:
            return [await client.get(path, headers=headers) for path, headers in requests]
    finally:
        await server.stop()


def fetch(server: StatusServer, *requests: tuple[str, dict[str, str]]) -> list[httpx.Response]:
    return asyncio.run(_get_all(server, list(requests)))


def test_page_json_metrics_and_healthz_without_token() -> None:
    page, api, metrics, health, missing = fetch(
        StatusServer(FakeSource(), port=0),
        ("/", {}),
        ("/api/status", {}),
        ("/metrics", {}),
        ("/healthz", {}),
        ("/nope", {}),
    )
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "systolic: 120 mm[Hg]" in page.text
    assert "Observation/17" in page.text
    assert "&lt;BP&gt;" in page.text
    assert "<BP>" not in page.text
    assert "<script" not in page.text
    assert "http" not in page.text.split("<body>")[0].replace("http-equiv", "")
    assert api.json()["outbox"]["pending"] == 2
    assert metrics.headers["content-type"].startswith("text/plain; version=0.0.4")
    _, samples = parse(metrics.text)
    assert value(samples, "phg_readings_uploaded_total") == 3
    assert health.status_code == 200
    assert health.json() == {"status": "ok"}
    assert missing.status_code == 404


def test_token_protects_everything_but_healthz() -> None:
    server = StatusServer(FakeSource(), port=0, token="s3cret")
    none, wrong, bearer, query, metrics_bearer, health = fetch(
        server,
        ("/api/status", {}),
        ("/api/status", {"Authorization": "Bearer nope"}),
        ("/api/status", {"Authorization": "Bearer s3cret"}),
        ("/?token=s3cret", {}),
        ("/metrics", {"Authorization": "bearer s3cret"}),
        ("/healthz", {}),
    )
    assert (none.status_code, wrong.status_code) == (401, 401)
    assert "s3cret" not in none.text
    assert "WWW-Authenticate" in none.headers
    assert bearer.status_code == 200
    assert bearer.json()["fhir"]["ok"] is True
    assert query.status_code == 200
    assert "PHG" in query.text
    assert metrics_bearer.status_code == 200
    assert health.status_code == 200


def test_healthz_reports_503_when_the_outbox_cannot_be_read() -> None:
    [health] = fetch(StatusServer(FakeSource(healthy=False), port=0), ("/healthz", {}))
    assert health.status_code == 503
    assert health.json()["status"] == "failing"


def test_only_get_and_head_and_well_formed_requests() -> None:
    async def raw(payload: bytes) -> bytes:
        server = StatusServer(FakeSource(), port=0)
        await server.start()
        try:
            reader, writer = await asyncio.open_connection("127.0.0.1", server.port)
            writer.write(payload)
            await writer.drain()
            data = await reader.read()
            writer.close()
            return data
        finally:
            await server.stop()

    assert asyncio.run(raw(b"POST /api/status HTTP/1.1\r\nHost: x\r\n\r\n")).startswith(
        b"HTTP/1.1 405"
    )
    assert asyncio.run(raw(b"garbage\r\n\r\n")).startswith(b"HTTP/1.1 400")
    head = asyncio.run(raw(b"HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n"))
    assert head.startswith(b"HTTP/1.1 200")
    assert head.endswith(b"\r\n\r\n")


def test_binds_loopback_by_default() -> None:
    server = StatusServer(FakeSource(), port=0)

    async def where() -> str:
        await server.start()
        try:
            with socket.create_connection(("127.0.0.1", server.port)):
                pass
            return server.host
        finally:
            await server.stop()

    assert asyncio.run(where()) == "127.0.0.1"
