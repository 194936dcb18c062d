"""A damaged outbox at start (field finding G3): detected, set aside, salvaged.

A power cut or a failing SD card can leave the outbox damaged (pages of random bytes, a file
cut short, an empty file). Before the daemon opens the outbox, :func:`recover` checks it:

1. a file of zero length, one without the SQLite header, or one that ``PRAGMA quick_check``
   (every page and record of every table, in linear time) does not pass is *damaged*;
   a sound SQLite database that is not a PHG outbox is not touched here (opening it then
   fails, see :mod:`~gateway.outbox.schema`);
2. every item that can still be read is copied, row by row, into a new outbox built under a
   temporary name (same id, same state: pending items stay pending, done stay done,
   quarantined stay quarantined, with their attempts, errors and the server's answer), and the
   cache of server ids too; rows that cannot be read, or whose content does not decode, are
   counted;
3. the damaged file (with its ``-wal`` and ``-shm``) is renamed
   ``<name>.damaged-<UTC timestamp>`` next to it, kept for inspection, and the new outbox is
   renamed into its place.

A crash in between leaves either the damaged file in place (the next start does it again) or
the finished new outbox under its temporary name (the next start puts it in place). The
result, :class:`Recovery`, is logged and shown on the status page.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Final

from gateway.outbox import schema
from gateway.outbox.items import ItemState, decode_texts

_COLUMNS: Final = (
    "id, device, state, created_at, updated_at, entry_count, entries, keys, attempts, "
    "last_error, outcome"
)
_Row = tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Recovery:
    reason: str
    """Why the file was found damaged."""
    damaged: Path
    """Where the damaged file was put."""
    salvaged: dict[str, int] = field(default_factory=dict)
    """Items copied into the new outbox, per state."""
    unreadable: int = 0
    """Items (or ids in a damaged part of the file) that could not be read."""

    def summary(self) -> str:
        """One line for the status page."""
        counts = ", ".join(f"{n} {state}" for state, n in self.salvaged.items() if n)
        return (
            f"The outbox was damaged ({self.reason}) and set aside as {self.damaged}; "
            f"salvaged into a new outbox: {counts or 'nothing'}; "
            f"{self.unreadable} item(s) could not be read."
        )


def recover(path: Path, now: dt.datetime | None = None) -> Recovery | None:
    """Check the outbox at ``path`` and, when it is damaged, replace it with what can be
    salvaged (see the module documentation). None when there was nothing to do."""
    temporary = path.with_name(f".{path.name}.salvage")
    _finish_interrupted(path, temporary, now)
    if not path.exists():
        return None
    reason = damage(path)
    if reason is None:
        return None
    salvaged, unreadable = _salvage(path, temporary)
    damaged = _set_aside(path, now)
    os.replace(temporary, path)
    schema.fsync_dir(path.parent)
    return Recovery(reason, damaged, salvaged, unreadable)


def damage(path: Path) -> str | None:
    """Why the file at ``path`` is damaged, or None when it reads as a sound SQLite file (or
    cannot be read at all for a reason that is not damage)."""
    size = path.stat().st_size
    if size == 0:
        return "the file is empty"
    with path.open("rb") as f:
        if f.read(len(schema.SQLITE_HEADER)) != schema.SQLITE_HEADER:
            return "not an SQLite file: its header is gone"
    try:
        conn = _readonly(path)
        try:
            problems = [str(r[0]) for r in conn.execute("PRAGMA quick_check(5)").fetchall()]
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return None  # cannot be read now (I/O, permissions, a full disk): not damage; the
        # outbox's own opening reports it
    except sqlite3.DatabaseError as exc:  # SQLITE_CORRUPT, SQLITE_NOTADB
        return str(exc)
    if problems == ["ok"]:
        return None
    return "; ".join(problems)[:300]


def _readonly(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def _finish_interrupted(path: Path, temporary: Path, now: dt.datetime | None) -> None:
    if path.exists():
        temporary.unlink(missing_ok=True)  # the damaged file is still there: start again
        return
    for suffix in ("-wal", "-shm"):  # never let a new outbox meet an old write-ahead log
        side = Path(f"{path}{suffix}")
        if side.exists():
            side.rename(Path(f"{path}.orphan-{_stamp(now)}{suffix}"))
    if temporary.exists():
        os.replace(temporary, path)
        schema.fsync_dir(path.parent)


def _stamp(now: dt.datetime | None) -> str:
    return (now or dt.datetime.now(dt.UTC)).strftime("%Y%m%dT%H%M%SZ")


def _set_aside(path: Path, now: dt.datetime | None) -> Path:
    damaged = path.with_name(f"{path.name}.damaged-{_stamp(now)}")
    for suffix in ("-wal", "-shm", ""):
        side = Path(f"{path}{suffix}")
        if side.exists():
            side.rename(Path(f"{damaged}{suffix}"))
    return damaged


# --- salvage ---------------------------------------------------------------------------------
def _salvage(source: Path, temporary: Path) -> tuple[dict[str, int], int]:
    temporary.unlink(missing_ok=True)
    os.close(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))
    salvaged = {state.value: 0 for state in ItemState}
    unreadable = 0
    target = sqlite3.connect(temporary, isolation_level=None)
    try:
        schema.initialise(target)
        target.execute("BEGIN")
        if source.stat().st_size:
            src = _readonly(source)
            # Read what the pages hold even when the file is shorter than its header says.
            src.execute("PRAGMA writable_schema = ON")
            try:
                highest = _highest_id(src)
                for row in _items(src, highest):
                    if row is None or not _valid(row):
                        unreadable += 1
                        continue
                    target.execute(
                        f"INSERT INTO items ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        row,
                    )
                    salvaged[str(row[2])] += 1
                for known in _known_ids(src):
                    target.execute("INSERT OR REPLACE INTO known_ids VALUES (?, ?, ?)", known)
            finally:
                src.close()
            if highest is not None:  # never reuse the id of an item that could not be read
                target.execute("DELETE FROM sqlite_sequence WHERE name = 'items'")
                target.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES ('items', "
                    "max(?, (SELECT coalesce(max(id), 0) FROM items)))",
                    (highest,),
                )
        target.execute("COMMIT")
        target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        target.close()
    fd = os.open(temporary, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return salvaged, unreadable


def _items(conn: sqlite3.Connection, highest: int | None) -> Iterator[_Row | None]:
    """Every item row that can be read, in id order; None for an id in a part of the file
    that cannot be read. A scan goes as far as it can; after a damaged part the following ids
    are looked up one by one until one reads, and the scan resumes from there."""
    last = 0
    while True:
        try:
            for row in conn.execute(
                f"SELECT {_COLUMNS} FROM items WHERE id > ? ORDER BY id", (last,)
            ):
                last = int(str(row[0]))
                yield row
            return
        except (sqlite3.DatabaseError, ValueError):
            pass
        if highest is None:
            yield None
            return
        while last < highest:
            last += 1
            try:
                row = conn.execute(f"SELECT {_COLUMNS} FROM items WHERE id = ?", (last,)).fetchone()
            except sqlite3.DatabaseError:
                yield None
                continue
            if row is not None:
                yield row
                break
        if last >= highest:
            return


def _highest_id(conn: sqlite3.Connection) -> int | None:
    for sql in (
        "SELECT seq FROM sqlite_sequence WHERE name = 'items'",
        "SELECT max(id) FROM items",
    ):
        try:
            row = conn.execute(sql).fetchone()
        except sqlite3.DatabaseError:
            continue
        if row is not None and row[0] is not None:
            return int(row[0])
    return None


def _valid(row: _Row) -> bool:
    """Whether the row's content decodes (damage can leave a readable row with garbage)."""
    item_id, device, state, created, updated, count, entries, keys, attempts, _, outcome = row
    try:
        if not isinstance(item_id, int) or not isinstance(device, str) or not device:
            return False
        if state not in {s.value for s in ItemState} or not isinstance(attempts, int):
            return False
        dt.datetime.fromisoformat(str(created))
        dt.datetime.fromisoformat(str(updated))
        texts, entry_keys = decode_texts(str(entries), str(keys))
        if len(texts) != len(entry_keys) or count != len(texts):
            return False
        for text in texts:
            json.loads(text, parse_float=Decimal)
        if outcome is not None:
            json.loads(str(outcome), parse_float=Decimal)
    except (ValueError, TypeError, KeyError):
        return False
    return True


def _known_ids(conn: sqlite3.Connection) -> Iterator[_Row]:
    """The cached server ids that can be read (a cache: what is lost is learnt again)."""
    try:
        yield from conn.execute("SELECT server, key, reference FROM known_ids")
    except sqlite3.DatabaseError:
        return
