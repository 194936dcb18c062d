"""A full disk under the outbox (a real tmpfs, filled up; field finding G2): new readings are
refused (so they are not acknowledged), the uploader goes on uploading what is stored, marking
done or quarantined what the server answered never crashes it, a batch the server accepted is
not sent again, and the marks reach the disk once there is room."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.backoff import Backoff
from gateway.outbox import ItemState, Outbox, OutboxFullError, OutboxStore
from gateway.upload.client import FhirClient, ServerConfig
from gateway.upload.uploader import RetryLaterError, Uploader
from tests.tinyfs import fill, free, mounted_tmpfs
from tests.upload.fake_server import BASE, FakeFhirServer
from tests.upload.harness import Sleeps, bp_systolics, systolic
from tests.upload.readings import DEVICE, bp_readings


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Path]:
    with mounted_tmpfs(tmp_path / "disk", "2m") as where:
        yield where


def systolic_of(resource: dict[str, Any]) -> Any:
    with contextlib.suppress(KeyError, IndexError):
        return systolic(resource)
    return None


def uploader_for(outbox: Outbox, server: FakeFhirServer) -> Uploader:
    client = FhirClient(ServerConfig(BASE), transport=server.transport())
    return Uploader(outbox, client, backoff=Backoff(random=lambda: 1.0), sleep=Sleeps())


async def full_outbox(disk: Path, readings: int) -> tuple[Outbox, Path]:
    """An outbox holding ``readings`` pending readings on a disk with no byte left (its
    write-ahead log emptied first, so the next write has to grow it)."""
    outbox = await Outbox.open(disk / "outbox.sqlite")
    for reading in bp_readings(readings):
        await outbox.put(reading, device=DEVICE)
    await outbox.run(lambda: outbox.store._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)"))
    return outbox, fill(disk)


def states_on_disk(path: Path) -> dict[ItemState, int]:
    store = OutboxStore(path, readonly=True)
    try:
        return store.counts()
    finally:
        store.close()


def test_accepted_batch_is_kept_done_in_memory_and_not_sent_again(disk: Path) -> None:
    server = FakeFhirServer()

    async def scenario() -> None:
        outbox, filler = await full_outbox(disk, 3)
        uploader = uploader_for(outbox, server)
        try:
            with pytest.raises(OutboxFullError):  # a new reading is refused: not acknowledged
                await outbox.put(bp_readings(1, first=3)[0], device=DEVICE)
            assert await uploader.upload_once() == 3  # the server took them; no crash
            assert await uploader.upload_once() == 0  # and they are not sent again
            assert len(server.bundles) == 1
            assert await outbox.counts() == {
                ItemState.PENDING: 0,
                ItemState.DONE: 3,
                ItemState.QUARANTINED: 0,
            }
            assert states_on_disk(disk / "outbox.sqlite")[ItemState.PENDING] == 3
            free(filler)
            await uploader.drain()
            assert len(server.bundles) == 1
        finally:
            await uploader.client.aclose()
            await outbox.close()
        assert states_on_disk(disk / "outbox.sqlite")[ItemState.DONE] == 3

    asyncio.run(scenario())
    assert bp_systolics(server.bundles) == [100, 101, 102]


def test_quarantine_and_failed_attempts_on_a_full_disk_do_not_crash(disk: Path) -> None:
    server = FakeFhirServer(
        script=[lambda r: httpx.Response(503)],
        reject=lambda resource: "bad" if systolic_of(resource) == 101 else None,
    )

    async def scenario() -> None:
        outbox, filler = await full_outbox(disk, 2)
        uploader = uploader_for(outbox, server)
        try:
            with pytest.raises(RetryLaterError):  # 503: the attempt count is not written
                await uploader.upload_once()
            assert await uploader.upload_once() == 2  # 400, bisected: one done, one quarantined
            sent = len(server.requests)
            assert await uploader.upload_once() == 0
            assert len(server.requests) == sent
            assert await outbox.counts() == {
                ItemState.PENDING: 0,
                ItemState.DONE: 1,
                ItemState.QUARANTINED: 1,
            }
            free(filler)
        finally:
            await uploader.client.aclose()
            await outbox.close()  # writes what was kept in memory
        assert states_on_disk(disk / "outbox.sqlite") == {
            ItemState.PENDING: 0,
            ItemState.DONE: 1,
            ItemState.QUARANTINED: 1,
        }

    asyncio.run(scenario())
