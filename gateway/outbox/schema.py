"""The outbox's SQLite file: durability settings and schema.

Durability: ``journal_mode=WAL`` with ``synchronous=FULL``.

- A reading is acknowledged to the BLE layer (whose RACP high-water mark then moves past it, and
  the device may delete or overwrite the record) only after ``COMMIT`` returned. With
  ``synchronous=FULL`` SQLite fsyncs the write-ahead log at every commit, so a committed reading
  survives a power cut or kernel crash. With ``synchronous=NORMAL`` (the usual WAL setting) the
  WAL is only synced at checkpoints: the database stays consistent, but the last commits can be
  rolled back after a power failure, i.e. an acknowledged reading could vanish while the device
  has already forgotten it. Readings are clinical data, so the extra fsync per commit is paid;
  :class:`~gateway.outbox.outbox.Outbox` groups concurrent ``put`` calls into one transaction,
  so under load the cost is one fsync per group, not per reading.
- WAL lets ``phg outbox list`` read while the daemon writes, and never leaves a half-written
  page: an interrupted transaction is simply not there after restart.
- ``wal_autocheckpoint`` (SQLite's default, 1000 pages) bounds the WAL file; the size limit of
  the outbox counts the main database pages in use.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Final

from gateway.outbox.errors import OutboxUnavailableError

SCHEMA_VERSION: Final = 1

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    device TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'quarantined')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    entry_count INTEGER NOT NULL,
    entries TEXT NOT NULL,
    keys TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    outcome TEXT
);
CREATE INDEX IF NOT EXISTS items_state ON items (state, id);
CREATE INDEX IF NOT EXISTS items_device ON items (device, state, id);
CREATE TABLE IF NOT EXISTS known_ids (
    server TEXT NOT NULL,
    key TEXT NOT NULL,
    reference TEXT NOT NULL,
    PRIMARY KEY (server, key)
);
"""


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open (creating if needed, unless ``readonly``) the outbox at ``path``."""
    try:
        if readonly:
            if not path.exists():
                raise OutboxUnavailableError(f"no outbox at {path}")
            conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 10000")
        if not readonly:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise OutboxUnavailableError(f"{path}: SQLite refused WAL mode ({mode})")
            conn.execute("PRAGMA synchronous = FULL")
            conn.executescript(_SCHEMA)
            conn.execute(
                "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
                (str(SCHEMA_VERSION),),
            )
        _check_version(conn, path)
    except sqlite3.DatabaseError as exc:
        raise OutboxUnavailableError(
            f"cannot open the outbox {path}: {exc} (check that the directory exists and is "
            "writable by this user, and that the file is a PHG outbox)"
        ) from exc
    except OSError as exc:
        raise OutboxUnavailableError(
            f"cannot create the outbox directory for {path}: {exc}"
        ) from exc
    return conn


def _check_version(conn: sqlite3.Connection, path: Path) -> None:
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None or row[0] != str(SCHEMA_VERSION):
        found = None if row is None else row[0]
        raise OutboxUnavailableError(
            f"{path}: outbox schema version {found}, this PHG expects {SCHEMA_VERSION}"
        )
