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
``awaiting-join``  a value that waits for another of the same record (a glucose context whose
                   measurement is not in the connection's join memory): kept so that a crash
                   cannot lose it, and deleted (:meth:`HeldBackStore.resolve`) once it was
                   joined and stored in the outbox
=================  ==========================================================================

A second table, ``announced``, keeps the raw bytes of each stored measurement that announced a
value still to come (a glucose measurement whose context follows), by address and sequence
number, so that the context can be joined to it however late it arrives (another connection,
after a restart). Its row is deleted once the context was joined; a row whose context never
comes stays (a few dozen bytes).

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
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, TypeVar

from gateway.ble.events import ClockReading, ConnectionFacts
from profiles.device_information import DeviceInformation
from profiles.elapsed_time import (
    CurrentElapsedTime,
    decode_current_elapsed_time,
    encode_current_elapsed_time,
)

T = TypeVar("T")

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
CREATE INDEX IF NOT EXISTS heldback_record ON heldback (address, sequence_number);
CREATE TABLE IF NOT EXISTS announced (
    address TEXT NOT NULL,
    sequence_number INTEGER NOT NULL,
    characteristic TEXT NOT NULL,
    uuid16 INTEGER NOT NULL,
    raw BLOB NOT NULL,
    received_at TEXT NOT NULL,
    kept_at TEXT NOT NULL,
    PRIMARY KEY (address, sequence_number)
);
"""

_COLUMNS: Final = (
    "id, kept_at, kind, reason, address, user_index, characteristic, uuid16, raw, received_at,"
    " stored, sequence_number, facts"
)


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


@dataclass(frozen=True, slots=True)
class KeptRow:
    """One row of the held-back store as read back (``facts`` is the JSON of
    :func:`facts_json`)."""

    id: int
    kept_at: str
    kind: str
    reason: str
    address: str
    user_index: int | None
    characteristic: str
    uuid16: int
    raw: bytes
    received_at: dt.datetime
    stored: bool
    sequence_number: int | None
    facts: str


@dataclass(frozen=True, slots=True)
class AnnouncedValue:
    """A stored measurement that announced a value still to come (``announced`` table)."""

    address: str
    sequence_number: int
    characteristic: str
    uuid16: int
    raw: bytes
    received_at: dt.datetime


def row_of(values: tuple[Any, ...]) -> KeptRow:
    (row_id, kept_at, kind, reason, address, user_index, characteristic, uuid16, raw) = values[:9]
    received_at, stored, sequence_number, facts = values[9:]
    return KeptRow(
        int(row_id),
        str(kept_at),
        str(kind),
        str(reason),
        str(address),
        None if user_index is None else int(user_index),
        str(characteristic),
        int(uuid16),
        bytes(raw),
        dt.datetime.fromisoformat(str(received_at)),
        bool(stored),
        None if sequence_number is None else int(sequence_number),
        str(facts),
    )


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
        "services": sorted(facts.services),
        "clock": None
        if clock is None
        else {
            "gateway_time": clock.gateway_time.isoformat(),
            "device_time": None if clock.device_time is None else clock.device_time.isoformat(),
            "set_to": None if clock.set_to is None else clock.set_to.isoformat(),
            "elapsed": None
            if clock.elapsed is None
            else encode_current_elapsed_time(clock.elapsed).hex(),
        },
    }
    return json.dumps(data, sort_keys=True)


def facts_from_json(text: str) -> ConnectionFacts:
    """The connection facts :func:`facts_json` wrote (features and the Regulatory
    Certification Data List are not kept, so a re-mapping goes without them)."""
    data = json.loads(text)
    clock = data.get("clock")
    system_id = data.get("system_id")
    return ConnectionFacts(
        address=str(data["address"]),
        adapter=str(data.get("adapter") or ""),
        name=data.get("name"),
        connection_number=int(data.get("connection_number") or 0),
        connected_at=dt.datetime.fromisoformat(data["connected_at"]),
        device_information=DeviceInformation(
            manufacturer=data.get("manufacturer"),
            model=data.get("model"),
            serial_number=data.get("serial_number"),
            hardware_revision=data.get("hardware_revision"),
            firmware_revision=data.get("firmware_revision"),
            software_revision=data.get("software_revision"),
            system_id=None if system_id is None else bytes.fromhex(system_id),
        ),
        battery_percent=data.get("battery_percent"),
        clock=None
        if clock is None
        else ClockReading(
            dt.datetime.fromisoformat(clock["gateway_time"]),
            _optional_time(clock.get("device_time")),
            None,
            _optional_time(clock.get("set_to")),
            _optional_elapsed(clock.get("elapsed")),
        ),
        quirks=tuple(data.get("quirks") or ()),
        services=frozenset(int(s) for s in data.get("services") or ()),
    )


def _optional_time(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


def _optional_elapsed(text: str | None) -> CurrentElapsedTime | None:
    return None if text is None else decode_current_elapsed_time(bytes.fromhex(text))


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
        """Record ``sequence_number`` of ``address`` is in the outbox with all its values:
        delete its ``awaiting-join`` rows and its ``announced`` row; returns how many
        ``awaiting-join`` rows were deleted."""
        return await self._run(self._resolve, address, sequence_number)

    def _resolve(self, address: str, sequence_number: int) -> int:
        with self._conn:
            cursor = self._conn.execute(
                "DELETE FROM heldback WHERE kind = 'awaiting-join' AND address = ?"
                " AND sequence_number = ?",
                (address, sequence_number),
            )
            self._conn.execute(
                "DELETE FROM announced WHERE address = ? AND sequence_number = ?",
                (address, sequence_number),
            )
        return cursor.rowcount

    async def waiting(self, address: str, sequence_number: int) -> list[KeptRow]:
        """The ``awaiting-join`` rows of record ``sequence_number`` of ``address``, oldest
        first."""
        return await self._run(self._waiting, address, sequence_number)

    def _waiting(self, address: str, sequence_number: int) -> list[KeptRow]:
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM heldback WHERE kind = 'awaiting-join' AND address = ?"
            " AND sequence_number = ? ORDER BY id",
            (address, sequence_number),
        )
        return [row_of(r) for r in rows.fetchall()]

    async def announce(self, value: AnnouncedValue) -> None:
        """Keep a stored measurement that announced a value still to come (returns once
        committed)."""
        await self._run(self._announce, value)

    def _announce(self, v: AnnouncedValue) -> None:
        with self._conn:
            self._conn.execute(
                "INSERT OR REPLACE INTO announced (address, sequence_number, characteristic,"
                " uuid16, raw, received_at, kept_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    v.address,
                    v.sequence_number,
                    v.characteristic,
                    v.uuid16,
                    v.raw,
                    v.received_at.isoformat(),
                    dt.datetime.now(dt.UTC).isoformat(),
                ),
            )

    async def announced(self, address: str, sequence_number: int) -> AnnouncedValue | None:
        """The stored measurement of that record that announced a value, if kept."""
        return await self._run(self._announced, address, sequence_number)

    def _announced(self, address: str, sequence_number: int) -> AnnouncedValue | None:
        row = self._conn.execute(
            "SELECT characteristic, uuid16, raw, received_at FROM announced"
            " WHERE address = ? AND sequence_number = ?",
            (address, sequence_number),
        ).fetchone()
        if row is None:
            return None
        characteristic, uuid16, raw, received_at = row
        return AnnouncedValue(
            address,
            sequence_number,
            str(characteristic),
            int(uuid16),
            bytes(raw),
            dt.datetime.fromisoformat(str(received_at)),
        )

    async def counts(self) -> dict[str, int]:
        """Rows per kind."""
        return await self._run(kinds_count, self._conn)

    async def undecodable(self, limit: int) -> list[KeptRow]:
        """The newest ``decode-failed`` rows (bytes that did not decode), newest first."""
        return await self._run(rows, self._conn, ("decode-failed",), (), limit, True)

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

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


def open_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection to an existing held-back store (``FileNotFoundError`` if none)."""
    if not path.is_file():
        raise FileNotFoundError(f"no held-back store at {path}")
    return sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)


def open_writable(path: Path) -> sqlite3.Connection:
    """A read-write connection (the schema is created if missing), for ``phg heldback``."""
    return _connect(path)


def rows(
    conn: sqlite3.Connection,
    kinds: tuple[str, ...] = (),
    ids: tuple[int, ...] = (),
    limit: int | None = None,
    newest_first: bool = False,
) -> list[KeptRow]:
    """Rows of the given kinds (all when empty) and ids (all when empty)."""
    where: list[str] = []
    params: list[object] = []
    if kinds:
        where.append(f"kind IN ({', '.join('?' * len(kinds))})")
        params += list(kinds)
    if ids:
        where.append(f"id IN ({', '.join('?' * len(ids))})")
        params += list(ids)
    sql = f"SELECT {_COLUMNS} FROM heldback"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY id DESC" if newest_first else " ORDER BY id"
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return [row_of(r) for r in conn.execute(sql, params).fetchall()]


def delete(conn: sqlite3.Connection, row_id: int) -> bool:
    """Delete one row (committed); False when it was not there any more."""
    with conn:
        return conn.execute("DELETE FROM heldback WHERE id = ?", (row_id,)).rowcount == 1


def kinds_count(conn: sqlite3.Connection) -> dict[str, int]:
    found = conn.execute("SELECT kind, COUNT(*) FROM heldback GROUP BY kind").fetchall()
    return {str(kind): int(n) for kind, n in found}


def count(path: Path) -> dict[str, int]:
    """Rows per kind (for tests and status output); opens the file read-only. A store whose
    table is not created yet (the daemon is opening it) has no rows."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        if (
            conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'heldback'"
            ).fetchone()
            is None
        ):
            return {}
        return kinds_count(conn)
    finally:
        conn.close()
