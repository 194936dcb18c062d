"""Readings the gateway keeps but does not upload: ``<state_dir>/heldback.sqlite``.

The outbox holds only attributable, mapped readings, so everything else that arrived is kept
here, durably, with the raw bytes as received and the connection facts needed to map it
again later, never attributed to anyone:

=================  ==========================================================================
``kind``           why
=================  ==========================================================================
``held-back``      a Bluetooth user index (or a device) that no Patient is bound to
``discarded``      a stamp the PHD IG says to drop (clock neither current nor synchronised)
``unmapped``       no FHIR mapping for this measurement type yet (or the mapping failed)
``decode-failed``  bytes that did not decode
``outbox-failed``  the outbox refused the reading (full, unwritable); it was not acknowledged
``awaiting-join``  a value that waits for another of the same record (a glucose context that
                   arrived before its measurement): kept so that a crash cannot lose it, and
                   deleted (:meth:`HeldBackStore.resolve`) once the record is in the outbox
=================  ==========================================================================

:meth:`HeldBackStore.keep` returns after ``COMMIT`` (WAL, ``synchronous=FULL``), so the
pipeline acknowledges a held-back reading to the BLE layer only once it is on disk. The file is
created mode 0600: it holds health data.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import sqlite3
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from gateway.ble.events import ConnectionFacts

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS heldback (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kept_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    address TEXT NOT NULL,
    user_index INTEGER,
    characteristic TEXT NOT NULL,
    uuid16 INTEGER NOT NULL,
    raw BLOB NOT NULL,
    received_at TEXT NOT NULL,
    stored INTEGER NOT NULL,
    sequence_number INTEGER,
    facts TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS heldback_address ON heldback (address, user_index);
"""


@dataclass(frozen=True, slots=True)
class KeptReading:
    kind: str
    reason: str
    characteristic: str
    uuid16: int
    raw: bytes
    received_at: dt.datetime
    facts: ConnectionFacts
    user_index: int | None = None
    stored: bool = False
    sequence_number: int | None = None


def facts_json(facts: ConnectionFacts) -> str:
    """The connection facts a later re-mapping needs (device information, clock)."""
    dis = facts.device_information
    clock = facts.clock
    data: dict[str, Any] = {
        "address": facts.address,
        "adapter": facts.adapter,
        "name": facts.name,
        "connection_number": facts.connection_number,
        "connected_at": facts.connected_at.isoformat(),
        "manufacturer": dis.manufacturer,
        "model": dis.model,
        "serial_number": dis.serial_number,
        "hardware_revision": dis.hardware_revision,
        "firmware_revision": dis.firmware_revision,
        "software_revision": dis.software_revision,
        "system_id": None if dis.system_id is None else dis.system_id.hex(),
        "battery_percent": facts.battery_percent,
        "quirks": list(facts.quirks),
        "clock": None
        if clock is None
        else {
            "gateway_time": clock.gateway_time.isoformat(),
            "device_time": None if clock.device_time is None else clock.device_time.isoformat(),
            "set_to": None if clock.set_to is None else clock.set_to.isoformat(),
        },
    }
    return json.dumps(data, sort_keys=True)


class HeldBackStore:
    """Open with :meth:`open`; all SQLite work runs on one thread."""

    def __init__(self, conn: sqlite3.Connection, executor: ThreadPoolExecutor) -> None:
        self._conn = conn
        self._executor = executor

    @classmethod
    async def open(cls, path: Path) -> HeldBackStore:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="phg-heldback")
        try:
            conn = await asyncio.get_running_loop().run_in_executor(executor, _connect, path)
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(conn, executor)

    async def keep(self, reading: KeptReading) -> int:
        """Store ``reading``; returns its row id once committed."""
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, self._insert, reading
        )

    def _insert(self, r: KeptReading) -> int:
        with self._conn:
            cursor = self._conn.execute(
                "INSERT INTO heldback (kept_at, kind, reason, address, user_index, characteristic,"
                " uuid16, raw, received_at, stored, sequence_number, facts)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    dt.datetime.now(dt.UTC).isoformat(),
                    r.kind,
                    r.reason,
                    r.facts.address,
                    r.user_index,
                    r.characteristic,
                    r.uuid16,
                    r.raw,
                    r.received_at.isoformat(),
                    int(r.stored),
                    r.sequence_number,
                    facts_json(r.facts),
                ),
            )
        row_id = cursor.lastrowid
        assert row_id is not None
        return row_id

    async def resolve(self, address: str, sequence_number: int) -> int:
        """Delete the ``awaiting-join`` rows of ``address``'s record ``sequence_number`` (it
        was mapped and stored with its measurement); returns how many were deleted."""
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, self._delete_awaiting, address, sequence_number
        )

    def _delete_awaiting(self, address: str, sequence_number: int) -> int:
        with self._conn:
            cursor = self._conn.execute(
                "DELETE FROM heldback WHERE kind = 'awaiting-join' AND address = ?"
                " AND sequence_number = ?",
                (address, sequence_number),
            )
        return cursor.rowcount

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self._conn.close)
        self._executor.shutdown(wait=True)


def _connect(path: Path) -> sqlite3.Connection:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    os.close(fd)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.executescript(_SCHEMA)
    return conn


def count(path: Path) -> dict[str, int]:
    """Rows per kind (for tests and status output); opens the file read-only."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = conn.execute("SELECT kind, COUNT(*) FROM heldback GROUP BY kind").fetchall()
    finally:
        conn.close()
    return {str(kind): int(n) for kind, n in rows}
