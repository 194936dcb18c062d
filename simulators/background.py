"""Tasks a simulator runs in the background: a failure is reported as an ``error`` event, and
all of them can be cancelled when the simulator shuts down."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from typing import Any


class BackgroundTasks:
    def __init__(
        self,
        emit: Callable[[dict[str, object]], None],
        on_failure: Callable[[], None] | None = None,
    ) -> None:
        self.emit = emit
        self.on_failure = on_failure
        """Called after a task's failure was reported."""
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Run ``coro`` in the background; a failure is reported as an ``error`` event."""
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self.emit({"event": "error", "error": repr(task.exception())})
            if self.on_failure is not None:
                self.on_failure()

    def cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()
