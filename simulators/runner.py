"""Run a simulator module as a child process and follow its JSON events (tests, the demo).

    with SimulatorProcess("simulators.blood_pressure", ["--records", "3"], env=bus.env()) as sim:
        ready = sim.ready  # the parsed ready event
        sim.wait_for("transfer-complete")

Only the child started here is stopped, by its PID (SIGTERM, then SIGKILL).
"""

from __future__ import annotations

import json
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

Event = dict[str, Any]


class SimulatorError(RuntimeError):
    pass


class SimulatorProcess:
    def __init__(
        self,
        module: str,
        args: Sequence[str] = (),
        *,
        env: Mapping[str, str] | None = None,
        ready_timeout: float = 15.0,
        cwd: str | None = None,
    ) -> None:
        self.module = module
        self.args = list(args)
        self.env = dict(env) if env is not None else None
        self.ready_timeout = ready_timeout
        self.cwd = cwd
        self.proc: subprocess.Popen[str] | None = None
        self.events: list[Event] = []
        self.output: list[str] = []
        self._queue: queue.Queue[Event | None] = queue.Queue()
        self._reader: threading.Thread | None = None
        self.ready: Event = {}

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise SimulatorError("not started")
        return self.proc.pid

    def start(self) -> Event:
        """Start the process and return its ready event."""
        self.proc = subprocess.Popen(
            [sys.executable, "-m", self.module, *self.args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=self.env,
            cwd=self.cwd,
        )
        self._reader = threading.Thread(target=self._read, name=f"{self.module}-out", daemon=True)
        self._reader.start()
        try:
            self.ready = self.wait_for("ready", self.ready_timeout)
        except BaseException:
            self.stop()
            raise
        return self.ready

    def _read(self) -> None:
        assert self.proc is not None
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict) and "event" in event:
                self._queue.put(event)
        self._queue.put(None)  # end of output

    def wait_for(self, name: str, timeout: float = 10.0) -> Event:
        """Return the next event called ``name`` (earlier ones are kept in ``events``)."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise SimulatorError(f"no {name!r} event within {timeout} s:\n{self.log()}")
            try:
                event = self._queue.get(timeout=remaining)
            except queue.Empty:
                continue
            if event is None:
                self._queue.put(None)
                raise SimulatorError(f"{self.module} exited before {name!r}:\n{self.log()}")
            self.events.append(event)
            if event["event"] == "error":
                raise SimulatorError(f"{self.module} reported {event}:\n{self.log()}")
            if event["event"] == name:
                return event

    def sent(self, uuid: str | None = None) -> list[bytes]:
        """Values the simulator reported as delivered so far (events already waited for)."""
        return [
            bytes.fromhex(e["value"])
            for e in self.events
            if e["event"] == "sent" and (uuid is None or e["uuid"] == uuid)
        ]

    def drain(self) -> list[Event]:
        """Move every event that already arrived into ``events`` and return the new ones."""
        new: list[Event] = []
        while True:
            try:
                event = self._queue.get_nowait()
            except queue.Empty:
                return new
            if event is None:
                self._queue.put(None)
                return new
            self.events.append(event)
            new.append(event)

    def log(self) -> str:
        return "".join(self.output)

    def kill(self) -> None:
        """SIGKILL: the device dies without unregistering anything."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)

    def stop(self, timeout: float = 5.0) -> int | None:
        """SIGTERM, then SIGKILL; returns the exit code."""
        proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        if self._reader is not None:
            self._reader.join(timeout)
        if proc.stdout is not None:
            proc.stdout.close()
        return proc.returncode

    def __enter__(self) -> SimulatorProcess:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
