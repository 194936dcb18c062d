"""``phg`` as a child process: the lines it writes, read by a thread as they come, and waiting
for one."""

from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, TypeVar

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[1]


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


def start_phg(
    args: Sequence[str], *, env: dict[str, str] | None = None, log_on_stderr: bool = False
) -> ProcessLines:
    """``python -m gateway ARGS`` from the repository root, its lines followed: those on
    standard error (standard output discarded) if ``log_on_stderr``, else standard output's,
    with standard error merged into it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "gateway", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL if log_on_stderr else subprocess.PIPE,
        stderr=subprocess.PIPE if log_on_stderr else subprocess.STDOUT,
        text=True,
    )
    return ProcessLines(proc, proc.stderr if log_on_stderr else proc.stdout)
