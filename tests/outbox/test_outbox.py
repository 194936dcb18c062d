"""The durable outbox: commit before acknowledgement, order, states, size limit, bad files."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

from gateway.fhir.entries import upload_identifier
from gateway.outbox import (
    ItemState,
    Outbox,
    OutboxFullError,
    OutboxStore,
    OutboxUnavailableError,
    entries_of,
)
from gateway.outbox.items import participant_cache_key
from tests.upload.readings import DEVICE, bp_readings


def test_put_commits_before_returning_and_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite3"
    reading = bp_readings(1, systolic=Decimal("121.50"))[0]

    async def scenario() -> int:
        outbox = await Outbox.open(path)
        item_id = await outbox.put(reading, device=DEVICE)
        # Another connection (another process, after a crash) sees it as soon as put returned.
        other = sqlite3.connect(path)
        assert other.execute("SELECT state FROM items WHERE id = ?", (item_id,)).fetchone() == (
            "pending",
        )
        other.close()
        await outbox.close()
        return item_id

    item_id = asyncio.run(scenario())
    store = OutboxStore(path)
    item = store.get(item_id)
    assert item is not None
    assert item.device == DEVICE
    assert [e.full_url for e in item.entries] == [
        *[p.reference for p in reading.participants],
        *[e.full_url for e in reading.entries],
    ]
    bp_obs = item.entries[-2].resource
    systolic = bp_obs["component"][0]["valueQuantity"]["value"]
    assert systolic == Decimal("121.50")
    assert str(systolic) == "121.50"  # exact digits kept on disk


def test_durability_settings(tmp_path: Path) -> None:
    store = OutboxStore(tmp_path / "o.sqlite3")
    conn = store._conn
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_participants_carry_cache_keys() -> None:
    reading = bp_readings(1)[0]
    entries = entries_of(reading)
    keys = [e.cache_key for e in entries]
    assert keys[0] == "urn:oid:2.999.1.2.3.4.5.6.7.8.10|sisansarahId"
    sysid = "urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680|"
    assert str(keys[1]).startswith(sysid + "EC-DE-3D-4E-58-53-2D-31#")  # + content digest
    assert str(keys[2]).startswith(sysid + "B0-49-5F-FF-FE-00-10-71#")
    # The coincident stamp: by its upload identifier (its urn:uuid).
    assert keys[3] == "urn:ietf:rfc:3986|" + upload_identifier(entries[3].full_url)
    assert keys[4:] == [None, None]  # the Observations
    for stored, participant in zip(entries, reading.participants, strict=False):
        assert participant.entry is not None
        assert participant_cache_key(participant.entry) == stored.cache_key


def test_stored_entries_keep_their_request(tmp_path: Path) -> None:
    """Devices are stored as conditional updates (PUT) and read back as such."""
    store = OutboxStore(tmp_path / "o.sqlite3")
    entries = entries_of(bp_readings(1)[0])
    [item_id] = store.insert_many([("dev", entries)])
    item = store.get(item_id)
    assert item is not None
    assert item.entries == entries
    assert [e.method for e in item.entries][:3] == ["POST", "PUT", "PUT"]


def test_concurrent_puts_get_distinct_ordered_ids(tmp_path: Path) -> None:
    readings = bp_readings(40)

    async def scenario() -> list[int]:
        async with await Outbox.open(tmp_path / "o.sqlite3") as outbox:
            ids = await asyncio.gather(*(outbox.put(r, device=DEVICE) for r in readings))
            assert (await outbox.counts())[ItemState.PENDING] == 40
            return list(ids)

    ids = asyncio.run(scenario())
    assert ids == sorted(ids)
    assert len(set(ids)) == 40
    store = OutboxStore(tmp_path / "o.sqlite3")
    systolics = [
        item.entries[-2].resource["component"][0]["valueQuantity"]["value"]
        for item in store.list_items()
    ]
    assert systolics == [Decimal(100 + i) for i in range(40)]


def test_items_come_out_per_device_in_order(tmp_path: Path) -> None:
    store = OutboxStore(tmp_path / "o.sqlite3")
    readings = bp_readings(5)
    devices = ["A", "B", "A", "B", "A"]
    ids = store.insert_many([(d, entries_of(r)) for d, r in zip(devices, readings, strict=True)])
    assert [i.id for i in store.pending_for_device("A", 10)] == [ids[0], ids[2], ids[4]]
    store.mark_done([ids[0]], "http://s", {})
    oldest = store.oldest_pending()
    assert oldest is not None
    assert oldest.id == ids[1]
    assert oldest.device == "B"


def test_states_retry_and_purge(tmp_path: Path) -> None:
    store = OutboxStore(tmp_path / "o.sqlite3")
    a, b, c = store.insert_many([(DEVICE, entries_of(r)) for r in bp_readings(3)])
    store.mark_done([a], "http://s", {"k": "Device/1"})
    outcome = {"resourceType": "OperationOutcome", "issue": [{"severity": "error"}]}
    store.quarantine(b, "HTTP 400", outcome)
    quarantined = store.get(b)
    assert quarantined is not None
    assert quarantined.state is ItemState.QUARANTINED
    assert quarantined.outcome == outcome
    assert store.known_ids("http://s") == {"k": "Device/1"}
    assert store.known_ids("http://other") == {}
    assert store.purge_quarantined([c]) == 0  # pending items are never purged
    assert store.retry([b]) == 1
    assert store.get(b).state is ItemState.PENDING  # type: ignore[union-attr]
    store.quarantine(b, "HTTP 400", None)
    assert store.purge_quarantined([b]) == 1
    assert store.purge_done() == 1
    assert [i.id for i in store.list_items()] == [c]


def test_full_outbox_refuses_new_readings_and_keeps_old_ones(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    store = OutboxStore(path, max_bytes=200_000)
    readings = bp_readings(200)
    stored: list[int] = []
    error: OutboxFullError | None = None
    for reading in readings:
        try:
            stored += store.insert_many([(DEVICE, entries_of(reading))])
        except OutboxFullError as exc:
            error = exc
            break
    assert error is not None
    assert "NOT stored" in str(error)
    assert f"{len(stored)} pending" in str(error)
    assert 5 < len(stored) < 200
    # Nothing was dropped and the file is sound.
    assert store.counts()[ItemState.PENDING] == len(stored)
    assert store._conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # Done items are a record only: they make room for new readings.
    store.mark_done(stored, "http://s", {})
    assert store.insert_many([(DEVICE, entries_of(readings[-1]))])
    assert store.counts()[ItemState.DONE] == 0


def test_disk_full_is_a_clear_error_without_corruption(tmp_path: Path) -> None:
    store = OutboxStore(tmp_path / "o.sqlite3")
    first = store.insert_many([(DEVICE, entries_of(r)) for r in bp_readings(3)])
    pages = store._conn.execute("PRAGMA page_count").fetchone()[0]
    store._conn.execute(f"PRAGMA max_page_count = {pages}")  # SQLite then reports SQLITE_FULL
    big = bp_readings(60)
    with pytest.raises(OutboxFullError, match="disk holding the outbox"):
        store.insert_many([(DEVICE, entries_of(r)) for r in big])
    assert [i.id for i in store.list_items()] == first
    assert store._conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_put_reports_a_full_outbox_to_every_waiting_caller(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with await Outbox.open(tmp_path / "o.sqlite3", max_bytes=50_000) as outbox:
            results = await asyncio.gather(
                *(outbox.put(r, device=DEVICE) for r in bp_readings(100)), return_exceptions=True
            )
            failures = [r for r in results if isinstance(r, BaseException)]
            assert failures
            assert all(isinstance(f, OutboxFullError) for f in failures)
            stored = [r for r in results if isinstance(r, int)]
            assert (await outbox.counts())[ItemState.PENDING] == len(stored)

    asyncio.run(scenario())


def test_unwritable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(OutboxUnavailableError, match="not-a-dir"):
        OutboxStore(blocker / "outbox.sqlite3")


def test_a_file_that_is_not_an_outbox_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "o.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(OutboxUnavailableError, match="PHG outbox"):
        OutboxStore(path)
    assert path.read_bytes() == b"this is not a database" * 100


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_read_only_directory_is_a_clear_error(tmp_path: Path) -> None:
    directory = tmp_path / "ro"
    directory.mkdir()
    directory.chmod(0o500)
    try:
        with pytest.raises(OutboxUnavailableError, match="writable"):
            OutboxStore(directory / "outbox.sqlite3")
    finally:
        directory.chmod(0o700)
