"""``phg run`` as a child process whose JSON log lines the test follows."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

from tests.process_lines import start_phg


class Daemon:
    def __init__(self, config: Path, env: dict[str, str]) -> None:
        self._reader = start_phg(["run", "--config", str(config)], env=env, log_on_stderr=True)
        self.proc = self._reader.proc
        self.lines = self._reader.queue
        self.seen: list[dict[str, Any]] = []

    def wait_for(self, event: str, timeout: float = 30.0) -> dict[str, Any]:
        def record_of(line: str) -> dict[str, Any] | None:
            record: dict[str, Any] = json.loads(line)  # every line is one JSON object
            self.seen.append(record)
            return record if record.get("event") == event else None

        found = self._reader.first(record_of, timeout, poll=0.2)
        if found is None:
            raise AssertionError(f"no {event!r} in {self.seen}")
        return found

    def stop(self, signum: int) -> int:
        self.proc.send_signal(signum)
        try:
            code = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            raise
        self._reader.thread.join(timeout=10)  # every line written before the exit is queued
        return code
