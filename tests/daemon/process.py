"""``phg run`` as a child process whose JSON log lines the test follows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.process_lines import ProcessLines

ROOT = Path(__file__).resolve().parents[2]


class Daemon:
    def __init__(self, config: Path, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gateway", "run", "--config", str(config)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        self._reader = ProcessLines(self.proc, self.proc.stderr)
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
