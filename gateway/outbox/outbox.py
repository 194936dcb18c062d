"""The asyncio face of the outbox: ``await put(...)`` returns only after the reading is
committed to disk, so the BLE layer's consumer can await it before the RACP high-water mark
advances.

All SQLite work runs on one dedicated thread (one connection, never shared). Calls to ``put``
that arrive while a commit is in progress are grouped into the next transaction (group
commit): each caller still gets its own id only after *its* commit, and a burst of readings
costs one fsync per group rather than one per reading. If a group cannot be stored (full,
unwritable), every caller in it gets the error and none of its readings is stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import ParamSpec, TypeVar

from gateway.fhir.connection import Mapped
from gateway.fhir.elements import JsonDict
from gateway.outbox.items import ItemState, OutboxItem, StoredEntry, entries_of
from gateway.outbox.store import DEFAULT_MAX_BYTES, OutboxStore

P = ParamSpec("P")
T = TypeVar("T")

_Request = tuple[str, tuple[StoredEntry, ...], "asyncio.Future[int]"]


class Outbox:
    """Open with :meth:`open` (an async context manager is also provided)."""

    def __init__(self, store: OutboxStore, executor: ThreadPoolExecutor) -> None:
        self.store = store
        self._executor = executor
        self._queue: list[_Request] = []
        self._flusher: asyncio.Task[None] | None = None
        self.changed = asyncio.Event()
        """Set whenever readings were stored (the uploader waits on it)."""

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
        (the items of the bundle in flight, when the uploader reads ahead)."""
        return await self.run(self._next_items, max_entries, skip)

    def _next_items(self, max_entries: int, skip: Collection[int]) -> list[OutboxItem]:
        first = self.store.oldest_pending(skip)
        if first is None:
            return []
        return self.store.pending_for_device(first.device, max(1, max_entries), skip)

    async def mark_done(self, ids: Sequence[int], server: str, known: Mapping[str, str]) -> None:
        await self.run(self.store.mark_done, ids, server, known)

    async def record_failure(self, ids: Sequence[int], error: str) -> None:
        await self.run(self.store.record_failure, ids, error)

    async def quarantine(self, item_id: int, error: str, outcome: JsonDict | None) -> None:
        await self.run(self.store.quarantine, item_id, error, outcome)

    async def counts(self) -> dict[ItemState, int]:
        return await self.run(self.store.counts)
