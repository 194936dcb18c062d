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

import errno
import os
import sqlite3
from pathlib import Path
from typing import Final

from gateway.outbox.errors import NotAnOutboxError, OutboxFullError, OutboxUnavailableError

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


REQUIRED_TABLES: Final = frozenset({"meta", "items", "known_ids"})
SQLITE_HEADER: Final = b"SQLite format 3\x00"


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """Open the outbox at ``path``; read-write opening creates it when it does not exist.

    An existing file is checked to be a PHG outbox before anything is written to it: a file
    that is not one (another SQLite database, an empty file) is refused with
    :class:`~gateway.outbox.errors.NotAnOutboxError` and left as it was. ``readonly`` opens
    the file without writing anything, also on a read-only file system."""
    try:
        if readonly:
            conn = _open_readonly(path)
        else:
            if not path.exists():
                _create(path)
            conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 10000")
        check(conn, path)
        if not readonly:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise OutboxUnavailableError(f"{path}: SQLite refused WAL mode ({mode})")
            conn.execute("PRAGMA synchronous = FULL")
    except sqlite3.DatabaseError as exc:
        if "full" in str(exc):
            raise OutboxFullError(f"cannot open the outbox {path}: {exc}") from exc
        raise OutboxUnavailableError(
            f"cannot open the outbox {path}: {exc} (check that the directory exists and is "
            "writable by this user, and that the file is a PHG outbox)"
        ) from exc
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise OutboxFullError(f"cannot create the outbox {path}: {exc}") from exc
        raise OutboxUnavailableError(f"cannot create the outbox {path}: {exc}") from exc
    return conn


def _open_readonly(path: Path) -> sqlite3.Connection:
    """``mode=ro``; on a read-only file system without a ``-wal`` file (after a clean stop)
    SQLite cannot open a WAL database that way, and ``immutable=1`` reads it (there is no
    write-ahead log to miss)."""
    if not path.is_file():
        raise OutboxUnavailableError(f"no outbox at {path}")
    if path.stat().st_size == 0:
        raise NotAnOutboxError(f"{path} is an empty file, not a PHG outbox")
    uri = path.resolve().as_uri()
    try:
        conn = sqlite3.connect(f"{uri}?mode=ro", uri=True, check_same_thread=False)
        conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
    except sqlite3.OperationalError:
        if Path(f"{path}-wal").exists():
            raise
        conn = sqlite3.connect(f"{uri}?immutable=1", uri=True, check_same_thread=False)
    return conn


def _create(path: Path) -> None:
    """A new outbox, made under a temporary name and renamed into place: a file at ``path`` is
    always a complete outbox (so an empty or schema-less file there is damage, never a new
    outbox). Mode 0600: it holds health data; SQLite gives its side files the same mode."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.new")
    tmp.unlink(missing_ok=True)
    os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))
    try:
        conn = sqlite3.connect(tmp, isolation_level=None)
        try:
            initialise(conn)
        finally:
            conn.close()
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def initialise(conn: sqlite3.Connection) -> None:
    """Write the schema into an empty database (in WAL mode, synchronous=FULL)."""
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    conn.executescript(_SCHEMA)
    conn.execute(
        "INSERT OR IGNORE INTO meta (key, value) VALUES ('schema_version', ?)",
        (str(SCHEMA_VERSION),),
    )


def fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def check(conn: sqlite3.Connection, path: Path) -> None:
    """Raise :class:`NotAnOutboxError` unless ``conn`` is a PHG outbox of this version."""
    tables = {
        str(name) for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
    }
    missing = REQUIRED_TABLES - tables
    if missing:
        found = ", ".join(sorted(tables)) or "none"
        raise NotAnOutboxError(
            f"{path} is not a PHG outbox (no table {', '.join(sorted(missing))}; tables: "
            f"{found}); nothing was changed"
        )
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None or row[0] != str(SCHEMA_VERSION):
        found_version = None if row is None else row[0]
        raise OutboxUnavailableError(
            f"{path}: outbox schema version {found_version}, this PHG expects {SCHEMA_VERSION}"
        )
