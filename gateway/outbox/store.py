"""The outbox store: one SQLite file (see :mod:`~gateway.outbox.schema`), used from one thread.

Items move ``pending`` → ``done`` (the server committed them) or ``pending`` → ``quarantined``
(the server rejected them with a 4xx; the OperationOutcome is kept) and back to ``pending`` by
``phg outbox retry``. Per device, items are handed out in insertion order.

Size limit (``max_bytes``, default 256 MiB): the database pages in use are counted before each
insert. Done items are only a record of what was sent, so they are deleted first when space is
needed. If pending and quarantined items alone fill the outbox, the new readings are refused
with :class:`OutboxFullError` and nothing stored is dropped: readings are clinical data, and a
refused reading is not acknowledged, so it stays on the device (RACP) to be fetched again once
there is room. A warning is logged above ``warn_fraction`` of the limit. A full disk
(``SQLITE_FULL``) is reported the same way; SQLite rolls the transaction back, so the file
is never corrupted.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Collection, Iterable, Mapping, Sequence
from pathlib import Path
from typing import Final

import structlog

from gateway import exact_json
from gateway.fhir.elements import JsonDict
from gateway.outbox import schema
from gateway.outbox.errors import OutboxFullError, OutboxUnavailableError
from gateway.outbox.items import (
    ItemState,
    OutboxItem,
    StoredEntry,
    decode_json,
    decode_texts,
    encode_entries,
)

DEFAULT_MAX_BYTES: Final = 256 * 1024 * 1024
_COLUMNS: Final = "id, device, state, created_at, entries, keys, attempts, last_error, outcome"

_log = structlog.get_logger("gateway.outbox")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")


class OutboxStore:
    def __init__(
        self,
        path: Path,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        warn_fraction: float = 0.8,
        readonly: bool = False,
    ) -> None:
        if max_bytes <= 0:
            raise ValueError("max_bytes must be positive")
        self.path = path
        self.max_bytes = max_bytes
        self.warn_fraction = warn_fraction
        self._conn = schema.connect(path, readonly=readonly)
        self._page_size: int = self._conn.execute("PRAGMA page_size").fetchone()[0]
        self._warned = False

    def close(self) -> None:
        self._conn.close()

    # --- size ---------------------------------------------------------------------------------
    def used_bytes(self) -> int:
        pages = self._conn.execute("PRAGMA page_count").fetchone()[0]
        free = self._conn.execute("PRAGMA freelist_count").fetchone()[0]
        return int(pages - free) * self._page_size

    def _make_room(self, needed: int) -> None:
        """Inside a write transaction: ensure ``needed`` more bytes fit, deleting done items
        if that helps; raise OutboxFullError otherwise."""
        # A row costs its text plus B-tree overhead; index pages come on top. 1.5x is generous.
        budget = self.max_bytes - int(needed * 1.5) - 4 * self._page_size
        if self.used_bytes() > budget:
            deleted = self._conn.execute("DELETE FROM items WHERE state = 'done'").rowcount
            if deleted:
                _log.info("outbox_pruned_done_items", count=deleted)
        used = self.used_bytes()
        if used > budget:
            counts = self.counts()
            raise OutboxFullError(
                f"the outbox {self.path} is full ({used} of {self.max_bytes} bytes; "
                f"{counts[ItemState.PENDING]} pending, {counts[ItemState.QUARANTINED]} "
                "quarantined): the reading was NOT stored. Check the FHIR server connection "
                "(`phg outbox list`), purge quarantined items that are not needed, or raise "
                "the outbox size limit."
            )
        if not self._warned and used > self.max_bytes * self.warn_fraction:
            self._warned = True
            _log.warning(
                "outbox_nearly_full", used_bytes=used, max_bytes=self.max_bytes, path=str(self.path)
            )
        elif used < self.max_bytes * self.warn_fraction * 0.9:
            self._warned = False

    # --- writing ------------------------------------------------------------------------------
    def insert_many(self, readings: Sequence[tuple[str, tuple[StoredEntry, ...]]]) -> list[int]:
        """Store readings ``(device, entries)`` in one transaction; returns their ids once the
        commit is on disk. All or none are stored."""
        rows = [(device, *encode_entries(entries), len(entries)) for device, entries in readings]
        now = _now()
        with self._write():
            self._make_room(sum(len(text) + len(keys) for _, text, keys, _ in rows))
            ids = []
            for device, text, keys, count in rows:
                cursor = self._conn.execute(
                    "INSERT INTO items (device, state, created_at, updated_at, entry_count, "
                    "entries, keys) VALUES (?, 'pending', ?, ?, ?, ?, ?)",
                    (device, now, now, count, text, keys),
                )
                ids.append(int(cursor.lastrowid or 0))
        return ids

    def mark_done(self, ids: Iterable[int], server: str, known: Mapping[str, str]) -> None:
        """Items committed by ``server``; ``known`` are server ids learnt from the response."""
        now = _now()
        with self._write():
            self._conn.executemany(
                "UPDATE items SET state = 'done', updated_at = ?, last_error = NULL "
                "WHERE id = ? AND state = 'pending'",
                [(now, i) for i in ids],
            )
            self._conn.executemany(
                "INSERT OR REPLACE INTO known_ids (server, key, reference) VALUES (?, ?, ?)",
                [(server, key, ref) for key, ref in known.items()],
            )

    def record_failure(self, ids: Iterable[int], error: str) -> None:
        """A retryable failure (the items stay pending)."""
        now = _now()
        with self._write():
            self._conn.executemany(
                "UPDATE items SET attempts = attempts + 1, last_error = ?, updated_at = ? "
                "WHERE id = ? AND state = 'pending'",
                [(error, now, i) for i in ids],
            )

    def quarantine(self, item_id: int, error: str, outcome: JsonDict | None) -> None:
        text = None if outcome is None else exact_json.dumps(outcome)
        with self._write():
            self._conn.execute(
                "UPDATE items SET state = 'quarantined', attempts = attempts + 1, last_error = ?, "
                "outcome = ?, updated_at = ? WHERE id = ? AND state = 'pending'",
                (error, text, _now(), item_id),
            )

    def retry(self, ids: Sequence[int] | None = None) -> int:
        """Quarantined items (all, or the given ids) back to pending; returns how many."""
        with self._write():
            if ids is None:
                sql = (
                    "UPDATE items SET state = 'pending', updated_at = ? WHERE state = 'quarantined'"
                )
                return self._conn.execute(sql, (_now(),)).rowcount
            return sum(
                self._conn.execute(
                    "UPDATE items SET state = 'pending', updated_at = ? "
                    "WHERE id = ? AND state = 'quarantined'",
                    (_now(), i),
                ).rowcount
                for i in ids
            )

    def purge_done(self) -> int:
        with self._write():
            return self._conn.execute("DELETE FROM items WHERE state = 'done'").rowcount

    def purge_quarantined(self, ids: Sequence[int]) -> int:
        """Delete the named quarantined items (only those; pending items are never purged)."""
        with self._write():
            return sum(
                self._conn.execute(
                    "DELETE FROM items WHERE id = ? AND state = 'quarantined'", (i,)
                ).rowcount
                for i in ids
            )

    def forget_known_ids(self, server: str) -> int:
        """Drop the cached server ids (e.g. after the server was reset)."""
        with self._write():
            return self._conn.execute("DELETE FROM known_ids WHERE server = ?", (server,)).rowcount

    def _write(self) -> _Transaction:
        return _Transaction(self._conn, self.path)

    # --- reading ------------------------------------------------------------------------------
    def known_ids(self, server: str) -> dict[str, str]:
        rows = self._conn.execute(
            "SELECT key, reference FROM known_ids WHERE server = ?", (server,)
        )
        return {str(key): str(ref) for key, ref in rows.fetchall()}

    def oldest_pending(self, skip: Collection[int] = ()) -> OutboxItem | None:
        """The oldest pending item, ignoring the ids in ``skip``."""
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM items WHERE state = 'pending' {_not_in(skip)} "
            "ORDER BY id LIMIT 1",
            tuple(skip),
        ).fetchone()
        return None if row is None else _item(row)

    def pending_for_device(
        self, device: str, limit: int, skip: Collection[int] = ()
    ) -> list[OutboxItem]:
        rows = self._conn.execute(
            f"SELECT {_COLUMNS} FROM items WHERE state = 'pending' AND device = ? "
            f"{_not_in(skip)} ORDER BY id LIMIT ?",
            (device, *skip, limit),
        )
        return [_item(r) for r in rows]

    def get(self, item_id: int) -> OutboxItem | None:
        row = self._conn.execute(
            f"SELECT {_COLUMNS} FROM items WHERE id = ?", (item_id,)
        ).fetchone()
        return None if row is None else _item(row)

    def list_items(self, state: ItemState | None = None, limit: int = 1000) -> list[OutboxItem]:
        if state is None:
            rows = self._conn.execute(f"SELECT {_COLUMNS} FROM items ORDER BY id LIMIT ?", (limit,))
        else:
            rows = self._conn.execute(
                f"SELECT {_COLUMNS} FROM items WHERE state = ? ORDER BY id LIMIT ?",
                (state.value, limit),
            )
        return [_item(r) for r in rows]

    def counts(self) -> dict[ItemState, int]:
        found = dict(self._conn.execute("SELECT state, COUNT(*) FROM items GROUP BY state"))
        return {state: int(found.get(state.value, 0)) for state in ItemState}


class _Transaction:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (rollback on error), with disk-full and permission
    errors turned into outbox errors."""

    def __init__(self, conn: sqlite3.Connection, path: Path) -> None:
        self._conn = conn
        self._path = path

    def __enter__(self) -> None:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise _translate(exc, self._path) from exc

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        if kind is not None:
            if self._conn.in_transaction:  # SQLITE_FULL has already rolled back
                self._conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.OperationalError):
                raise _translate(exc, self._path) from exc
            return
        try:
            self._conn.execute("COMMIT")
        except sqlite3.OperationalError as error:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
            raise _translate(error, self._path) from error


def _translate(exc: sqlite3.OperationalError, path: Path) -> Exception:
    text = str(exc)
    if "full" in text:
        return OutboxFullError(
            f"the disk holding the outbox {path} is full ({text}): nothing was written"
        )
    if "readonly" in text or "read-only" in text or "unable to open" in text:
        return OutboxUnavailableError(f"the outbox {path} cannot be written: {text}")
    return OutboxUnavailableError(f"the outbox {path} failed: {text}")


def _not_in(ids: Collection[int]) -> str:
    return f"AND id NOT IN ({', '.join('?' * len(ids))})" if ids else ""


def _item(row: tuple[object, ...]) -> OutboxItem:
    item_id, device, state, created, entries, keys, attempts, error, outcome = row
    texts, entry_keys = decode_texts(str(entries), str(keys))
    return OutboxItem(
        id=int(str(item_id)),
        device=str(device),
        state=ItemState(str(state)),
        created_at=dt.datetime.fromisoformat(str(created)),
        texts=texts,
        keys=entry_keys,
        attempts=int(str(attempts)),
        last_error=None if error is None else str(error),
        outcome=decode_json(None if outcome is None else str(outcome)),
    )
