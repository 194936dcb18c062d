"""Running the uploader against the fake server: an outbox in a temp dir, recorded sleeps."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from gateway.backoff import Backoff
from gateway.fhir.connection import Mapped
from gateway.outbox import Outbox
from gateway.upload.client import FhirClient, ServerConfig
from gateway.upload.uploader import Uploader
from tests.upload.fake_server import BASE, FakeFhirServer
from tests.upload.readings import DEVICE

T = TypeVar("T")


@dataclass
class Sleeps:
    delays: list[float] = field(default_factory=list)

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def run_upload(
    tmp_path: Path,
    server: FakeFhirServer,
    batches: list[list[Mapped]],
    *,
    auth: httpx.Auth | None = None,
    max_entries: int = 200,
    sleeps: Sleeps | None = None,
    then: Callable[[Outbox], Awaitable[T]] | None = None,
) -> T | None:
    """Put each batch, then drain the outbox; ``then`` runs on the outbox before closing."""

    async def scenario() -> Any:
        outbox = await Outbox.open(tmp_path / "outbox.sqlite3")
        client = FhirClient(ServerConfig(BASE), auth=auth, transport=server.transport())
        uploader = Uploader(
            outbox,
            client,
            max_entries=max_entries,
            backoff=Backoff(random=lambda: 1.0),
            sleep=sleeps if sleeps is not None else Sleeps(),
        )
        try:
            for batch in batches:
                for reading in batch:
                    await outbox.put(reading, device=DEVICE)
                await uploader.drain()
            return None if then is None else await then(outbox)
        finally:
            await client.aclose()
            await outbox.close()

    result: T | None = asyncio.run(scenario())
    return result


def systolic(resource: dict[str, Any]) -> Any:
    return resource["component"][0]["valueQuantity"]["value"]


def bp_systolics(bundles: list[dict[str, Any]]) -> list[int]:
    return [
        int(systolic(e["resource"]))
        for b in bundles
        for e in b["entry"]
        if e["resource"].get("code", {}).get("coding", [{}])[0].get("code") == "150020"
    ]
