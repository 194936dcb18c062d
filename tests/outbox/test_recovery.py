"""A damaged outbox found at start (field finding G3): random bytes over some pages, a file cut
short, an empty file. It is set aside with a time stamp and what can be read is salvaged into
a new outbox, item by item in its state; a sound outbox and a database that is not an outbox
are left alone."""

from __future__ import annotations

import datetime as dt
import hashlib
import sqlite3
from pathlib import Path

import pytest

from gateway.outbox import ItemState, OutboxItem, OutboxStore
from gateway.outbox.recovery import damage, recover
from tests.outbox.damage import outbox_with, scramble, truncate

NOW = dt.datetime(2026, 12, 4, 9, 30, 5, tzinfo=dt.UTC)
ASIDE = "outbox.sqlite.damaged-20261204T093005Z"


def prepared(path: Path, readings: int = 300) -> dict[int, OutboxItem]:
    """An outbox with done, quarantined and pending items; returns them by id."""
    ids = outbox_with(path, readings)
    store = OutboxStore(path)
    store.mark_done(ids[: len(ids) // 8], "http://server", {"urn:x|1": "Device/9"})
    outcome = {"resourceType": "OperationOutcome", "issue": []}
    store.quarantine(ids[len(ids) // 8], "HTTP 400: bad", outcome)
    items = {i.id: i for i in store.list_items(limit=10_000)}
    store.close()
    return items


def all_items(path: Path) -> dict[int, OutboxItem]:
    store = OutboxStore(path, readonly=True)
    try:
        return {i.id: i for i in store.list_items(limit=10_000)}
    finally:
        store.close()


def quick_check(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA quick_check").fetchone()[0])
    finally:
        conn.close()


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("harm", [scramble, truncate], ids=["random-pages", "truncated"])
def test_damaged_outbox_is_set_aside_and_salvaged_in_state(tmp_path: Path, harm: object) -> None:
    path = tmp_path / "outbox.sqlite"
    before = prepared(path)
    harm(path)  # type: ignore[operator]
    damaged = digest(path)
    assert damage(path) is not None

    recovery = recover(path, NOW)

    assert recovery is not None
    assert recovery.damaged == tmp_path / ASIDE
    assert digest(tmp_path / ASIDE) == damaged  # kept as it was
    assert quick_check(path) == "ok"
    after = all_items(path)
    assert 0 < len(after) < len(before)
    for item_id, item in after.items():  # each salvaged item is the one stored, in its state
        old = before[item_id]
        assert (item.state, item.device, item.texts, item.keys) == (
            old.state,
            old.device,
            old.texts,
            old.keys,
        )
        assert (item.attempts, item.last_error, item.outcome) == (
            old.attempts,
            old.last_error,
            old.outcome,
        )
    states = [i.state for i in after.values()]
    assert recovery.salvaged == {s.value: states.count(s) for s in ItemState}
    assert recovery.salvaged["pending"] > 0
    assert recovery.unreadable > 0
    assert "set aside as" in recovery.summary()
    # New items never take the id of one that was lost.
    store = OutboxStore(path)
    try:
        assert store.insert_many([("AA", before[max(before)].entries)]) == [max(before) + 1]
        assert store.known_ids("http://server") in ({"urn:x|1": "Device/9"}, {})
    finally:
        store.close()


def test_empty_file_is_damage_not_a_new_outbox(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    path.touch()
    recovery = recover(path, NOW)
    assert recovery is not None
    assert recovery.reason == "the file is empty"
    assert (tmp_path / ASIDE).stat().st_size == 0
    assert recovery.salvaged == {"pending": 0, "done": 0, "quarantined": 0}
    assert all_items(path) == {}
    assert quick_check(path) == "ok"


def test_sound_outbox_and_other_databases_are_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    prepared(path, 20)
    before = digest(path)
    assert recover(path, NOW) is None
    assert digest(path) == before
    other = tmp_path / "other.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.commit()
    conn.close()
    before_other = digest(other)
    assert recover(other, NOW) is None
    assert digest(other) == before_other
    assert not [p for p in tmp_path.iterdir() if "damaged" in p.name]


def test_a_salvage_interrupted_after_setting_aside_is_finished(tmp_path: Path) -> None:
    path = tmp_path / "outbox.sqlite"
    items = prepared(path, 20)
    path.rename(tmp_path / ".outbox.sqlite.salvage")  # as if the last rename never happened
    assert recover(path, NOW) is None
    assert sorted(all_items(path)) == sorted(items)
