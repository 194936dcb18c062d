"""The lines a child process writes, read by a thread as they come, and waiting for one."""

from __future__ import annotations

import queue
import subprocess
import threading
import time
from collections.abc import Callable
from typing import IO, TypeVar

T = TypeVar("T")


class ProcessLines:
    """The lines ``proc`` writes on ``pipe``: queued for :meth:`first` (or a reader of
    ``queue``), and all of them kept in ``output``."""

    def __init__(self, proc: subprocess.Popen[str], pipe: IO[str] | None) -> None:
        assert pipe is not None
        self.proc = proc
        self.queue: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        self.thread = threading.Thread(target=self._read, args=(pipe,), daemon=True)
        self.thread.start()

    def _read(self, pipe: IO[str]) -> None:
        for line in pipe:
            self.output.append(line)
            self.queue.put(line)

    def first(self, found: Callable[[str], T | None], timeout: float, poll: float) -> T | None:
        """The first ``found(line)`` that is not None among the lines still to come, within
        ``timeout`` seconds; None when time runs out or the process exited (``poll``: how
        often to look whether it did)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.queue.get(timeout=poll)
            except queue.Empty:
                if self.proc.poll() is not None:
                    return None
                continue
            result = found(line)
            if result is not None:
                return result
        return None
