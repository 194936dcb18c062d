"""The asyncio face of the outbox: ``await put(...)`` returns only after the reading is
committed to disk, so the BLE layer's consumer can await it before the RACP high-water mark
advances.

All SQLite work runs on one dedicated thread (one connection, never shared). Calls to ``put``
that arrive while a commit is in progress are grouped into the next transaction (group
commit): each caller still gets its own id only after *its* commit, and a burst of readings
costs one fsync per group rather than one per reading. If a group cannot be stored (full,
unwritable), every caller in it gets the error and none of its readings is stored.

Bookkeeping never fails the uploader (a full disk, field finding G2): when marking items done
or quarantined cannot be written, the fact is kept in memory, those items are no longer handed
out (nor counted as pending), and the write is tried again before every later read of the
queue, so a batch the server accepted is not sent again while the daemon runs. A failed
attempt counter is only logged.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import ParamSpec, TypeVar

import structlog

from gateway.fhir.connection import Mapped
from gateway.fhir.elements import JsonDict
from gateway.outbox.errors import OutboxError
from gateway.outbox.items import ItemState, OutboxItem, StoredEntry, entries_of
from gateway.outbox.store import DEFAULT_MAX_BYTES, OutboxStore

P = ParamSpec("P")
T = TypeVar("T")

_Request = tuple[str, tuple[StoredEntry, ...], "asyncio.Future[int]"]
_BOOKKEEPING_ERRORS = (OutboxError, sqlite3.Error, OSError)

_log = structlog.get_logger("gateway.outbox")


@dataclass(slots=True)
class _Unsaved:
    """A state change the server's answer decided but the disk did not take yet."""

    ids: tuple[int, ...]
    state: ItemState
    write: Callable[[], None]
    failed: bool = False


class Outbox:
    """Open with :meth:`open` (an async context manager is also provided)."""

    def __init__(self, store: OutboxStore, executor: ThreadPoolExecutor) -> None:
        self.store = store
        self._executor = executor
        self._queue: list[_Request] = []
        self._flusher: asyncio.Task[None] | None = None
        self.changed = asyncio.Event()
        """Set whenever readings were stored (the uploader waits on it)."""
        self._unsaved: list[_Unsaved] = []
        self._saving = asyncio.Lock()

    @classmethod
    async def open(
        cls, path: Path, *, max_bytes: int = DEFAULT_MAX_BYTES, warn_fraction: float = 0.8
    ) -> Outbox:
        executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="phg-outbox")
        try:
            store = await asyncio.get_running_loop().run_in_executor(
                executor,
                lambda: OutboxStore(path, max_bytes=max_bytes, warn_fraction=warn_fraction),
            )
        except BaseException:
            executor.shutdown(wait=False)
            raise
        return cls(store, executor)

    async def close(self) -> None:
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)
        if not await self.save_unsaved():
            _log.warning(
                "outbox_marks_lost_at_stop",
                items=len(self.unsaved_ids()),
                hint="the server has them; they are sent again at the next start and its "
                "conditional creates keep them from being duplicated",
            )
        await self.run(self.store.close)
        self._executor.shutdown(wait=True)

    async def __aenter__(self) -> Outbox:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def run(self, fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run a store method on the outbox thread."""
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, lambda: fn(*args, **kwargs)
        )

    # --- storing ------------------------------------------------------------------------------
    async def put(self, reading: Mapped, *, device: str) -> int:
        """Store one mapped reading for ``device`` (the key that orders uploads, e.g. the
        PHD's address). Returns the item id once committed; raises
        :class:`~gateway.outbox.OutboxFullError` or :class:`~gateway.outbox.OutboxUnavailableError`
        when it was not stored (then it must not be acknowledged)."""
        return await self.put_entries(device, entries_of(reading))

    async def put_entries(self, device: str, entries: tuple[StoredEntry, ...]) -> int:
        if not entries:
            raise ValueError("a reading without bundle entries cannot be stored")
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        self._queue.append((device, entries, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await asyncio.shield(future)

    async def _flush(self) -> None:
        while self._queue:
            group, self._queue = self._queue, []
            readings = [(device, entries) for device, entries, _ in group]
            try:
                ids = await self.run(self.store.insert_many, readings)
            except Exception as exc:
                for *_, future in group:
                    if not future.done():
                        future.set_exception(exc)
                continue
            for item_id, (*_, future) in zip(ids, group, strict=True):
                if not future.done():
                    future.set_result(item_id)
            self.changed.set()

    # --- uploader and CLI helpers ---------------------------------------------------------------
    async def known_ids(self, server: str) -> dict[str, str]:
        return await self.run(self.store.known_ids, server)

    async def next_items(self, max_entries: int, skip: Collection[int] = ()) -> list[OutboxItem]:
        """The oldest pending item's device, and that device's next pending items in order
        (at most ``max_entries`` items; the uploader cuts by entry count), ignoring ``skip``
        (the items of the bundle in flight, when the uploader reads ahead) and items whose
        new state is not written yet."""
        await self.save_unsaved()
        return await self.run(self._next_items, max_entries, {*skip, *self.unsaved_ids()})

    def _next_items(self, max_entries: int, skip: Collection[int]) -> list[OutboxItem]:
        first = self.store.oldest_pending(skip)
        if first is None:
            return []
        return self.store.pending_for_device(first.device, max(1, max_entries), skip)

    async def mark_done(self, ids: Sequence[int], server: str, known: Mapping[str, str]) -> None:
        """The server committed these items. Never raises for a store failure (see the module
        documentation): then the items stay out of the queue until the mark is written."""
        write = functools.partial(self.store.mark_done, tuple(ids), server, dict(known))
        await self._settle(_Unsaved(tuple(ids), ItemState.DONE, write))

    async def record_failure(self, ids: Sequence[int], error: str) -> None:
        """Count a failed attempt; when that cannot be written it is only logged."""
        try:
            await self.run(self.store.record_failure, ids, error)
        except _BOOKKEEPING_ERRORS as exc:
            _log.warning("outbox_attempt_not_counted", items=len(ids), error=str(exc))

    async def quarantine(self, item_id: int, error: str, outcome: JsonDict | None) -> None:
        """Like :meth:`mark_done`, never raises for a store failure."""
        write = functools.partial(self.store.quarantine, item_id, error, outcome)
        await self._settle(_Unsaved((item_id,), ItemState.QUARANTINED, write))

    async def _settle(self, change: _Unsaved) -> None:
        self._unsaved.append(change)
        await self.save_unsaved()

    def unsaved_ids(self) -> set[int]:
        """Items done or quarantined in memory whose new state is not on disk yet."""
        return {i for change in self._unsaved for i in change.ids}

    async def save_unsaved(self) -> bool:
        """Write the state changes kept in memory, oldest first; True when none is left."""
        async with self._saving:
            while self._unsaved:
                change = self._unsaved[0]
                try:
                    await self.run(change.write)
                except _BOOKKEEPING_ERRORS as exc:
                    if not change.failed:
                        change.failed = True
                        _log.warning(
                            "outbox_mark_deferred",
                            state=change.state.value,
                            items=len(change.ids),
                            error=str(exc),
                            hint="kept in memory and written when the disk takes it; the "
                            "items are not sent again meanwhile",
                        )
                    return False
                self._unsaved.pop(0)
                if change.failed:
                    _log.info("outbox_mark_saved", state=change.state.value, items=len(change.ids))
            return True

    async def counts(self) -> dict[ItemState, int]:
        """Items per state, with the changes not written yet counted in their new state."""
        await self.save_unsaved()
        counts = await self.run(self.store.counts)
        for change in self._unsaved:
            counts[ItemState.PENDING] -= len(change.ids)
            counts[change.state] += len(change.ids)
        return counts
