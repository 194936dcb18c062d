# SPDX-License-Identifier: Apache-2.0
"""The hardware-free BLE test bus: a private dbus-daemon plus BlueZoo (with PHG's fixes).

BlueZoo mocks the BlueZ D-Bus API with N virtual adapters (``hci0``, ``hci1``, ...): unmodified
bleak on ``hci0`` can scan for, connect to and talk with a simulator registered on ``hci1``.

Use it from pytest or a demo as a context manager (sync or async)::

    with TestBus(adapters=2, export_env=True) as bus:
        ...  # DBUS_SYSTEM_BUS_ADDRESS now points at the private bus
        bus.check_log()

or by hand: ``python -m simulators.testbus --adapters 2`` prints the bus address (and
``export DBUS_SYSTEM_BUS_ADDRESS=...``) and waits until interrupted.

Only the processes started here are stopped, by PID (SIGTERM, then SIGKILL), also on errors.
BlueZoo runs as a separate process from ``tests/bluezoo/phg_bluezoo.py`` (GPL-2.0-only, see
its README); nothing here imports BlueZoo.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Coroutine, Mapping, Sequence
from pathlib import Path
from typing import Any, Final, TypeVar

from dbus_fast.aio import MessageBus
from dbus_fast.errors import DBusError

from simulators import bluez

ENV_VAR: Final = "DBUS_SYSTEM_BUS_ADDRESS"
LOG_PROBLEMS: Final = ("ERROR", "Traceback")
BLUEZOO_SCRIPT: Final = Path("tests") / "bluezoo" / "phg_bluezoo.py"

_T = TypeVar("_T")

BUS_CONFIG: Final = (
    (
        '<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"\n'
        ' "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">\n'
    )
    + """<busconfig>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*" eavesdrop="true"/>
    <allow receive_sender="*"/>
    <allow eavesdrop="true"/>
  </policy>
</busconfig>
"""
)


class TestBusError(RuntimeError):
    """The test bus could not be started, or its BlueZoo log shows problems."""


def repository_root() -> Path:
    return Path(__file__).resolve().parent.parent


def bluezoo_script() -> Path:
    """The BlueZoo fix module, located relative to this repository."""
    path = repository_root() / BLUEZOO_SCRIPT
    if not path.is_file():
        raise TestBusError(
            f"{path} is missing: the test bus needs PHG's BlueZoo fixes from a source checkout "
            "(tests/bluezoo/phg_bluezoo.py), not an installed package"
        )
    return path


def adapter_addresses(count: int) -> list[str]:
    """Deterministic adapter addresses: 00:11:22:33:44:00 for hci0, ...:01 for hci1, ..."""
    return [f"00:11:22:33:44:{i:02X}" for i in range(count)]


def _stop_process(proc: subprocess.Popen[Any] | None, timeout: float = 5.0) -> None:
    """SIGTERM, then SIGKILL, the given child (by its PID), and reap it."""
    if proc is None or proc.poll() is not None:
        return
    try:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout)
    except ProcessLookupError:
        pass


def _run_coroutine(coro: Coroutine[Any, Any, _T]) -> _T:
    """Run ``coro`` to completion, also when the caller is inside a running event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    result: list[_T] = []
    error: list[BaseException] = []

    def worker() -> None:
        try:
            result.append(asyncio.run(coro))
        except BaseException as e:
            error.append(e)

    thread = threading.Thread(target=worker, name="testbus-ready")
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


class TestBus:
    """A private system bus with BlueZoo and ``adapters`` powered virtual adapters."""

    __test__ = False  # not a pytest test class

    def __init__(
        self,
        adapters: int = 2,
        *,
        scan_interval: float = 0.25,
        verbose: bool = False,
        export_env: bool = False,
        ready_timeout: float = 15.0,
        workdir: Path | None = None,
        bluezoo_args: Sequence[str] = (),
    ) -> None:
        if adapters < 1:
            raise ValueError("at least one adapter is needed")
        self.adapter_count = adapters
        self.addresses = adapter_addresses(adapters)
        self.scan_interval = scan_interval
        self.verbose = verbose
        self.export_env = export_env
        self.ready_timeout = ready_timeout
        self._workdir_arg = workdir
        self.bluezoo_args = tuple(bluezoo_args)
        """More options of tests/bluezoo/phg_bluezoo.py (e.g. ``--report-changes-only``)."""
        self.workdir: Path | None = None
        self.address: str | None = None
        self.dbus_pid: int | None = None
        self._dbus: subprocess.Popen[bytes] | None = None
        self._bluezoo: subprocess.Popen[bytes] | None = None
        self._own_workdir = False
        self._saved_env: str | None = None
        self._env_exported = False

    # -- properties ------------------------------------------------------------------------

    @property
    def adapters(self) -> list[str]:
        return [f"hci{i}" for i in range(self.adapter_count)]

    @property
    def log_path(self) -> Path:
        if self.workdir is None:
            raise TestBusError("the test bus is not started")
        return self.workdir / "bluezoo.log"

    @property
    def bluezoo_pid(self) -> int | None:
        return self._bluezoo.pid if self._bluezoo is not None else None

    def env(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """An environment for child processes (simulators, the gateway) using this bus."""
        if self.address is None:
            raise TestBusError("the test bus is not started")
        env = dict(os.environ if base is None else base)
        env[ENV_VAR] = self.address
        return env

    # -- start / stop ----------------------------------------------------------------------

    def _spawn(self) -> None:
        dbus_daemon = shutil.which("dbus-daemon")
        if dbus_daemon is None:
            raise TestBusError("dbus-daemon not found (Debian: apt-get install dbus)")
        script = bluezoo_script()
        if self._workdir_arg is None:
            self.workdir = Path(tempfile.mkdtemp(prefix="phg-testbus-"))
            self._own_workdir = True
        else:
            self.workdir = self._workdir_arg
            self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "bus.conf"
        config.write_text(BUS_CONFIG.format(socket=self.workdir / "bus.socket"))

        with (self.workdir / "dbus-daemon.log").open("wb") as dbus_log:
            self._dbus = subprocess.Popen(
                [
                    dbus_daemon,
                    "--nofork",
                    f"--config-file={config}",
                    "--print-address=1",
                    "--print-pid=1",
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=dbus_log,
            )
        assert self._dbus.stdout is not None
        address = self._dbus.stdout.readline().decode().strip()
        pid = self._dbus.stdout.readline().decode().strip()
        if not address or not pid.isdigit():
            raise TestBusError(f"dbus-daemon did not start (address {address!r}, pid {pid!r})")
        self.address = address
        self.dbus_pid = int(pid)

        args = [sys.executable, str(script), "--scan-interval", str(self.scan_interval)]
        for addr in self.addresses:
            args += ["--adapter", addr]
        if self.verbose:
            args.append("--verbose")
        args += self.bluezoo_args
        with self.log_path.open("wb") as log:
            self._bluezoo = subprocess.Popen(
                args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env(),
                cwd=self.workdir,
            )

    async def _wait_ready(self) -> None:
        """Poll until every /org/bluez/hciN exists with Powered=true."""
        assert self.address is not None
        deadline = time.monotonic() + self.ready_timeout
        wanted = {bluez.adapter_path(a) for a in self.adapters}
        bus: MessageBus | None = None
        try:
            while True:
                self._check_alive()
                try:
                    if bus is None:
                        bus = await MessageBus(bus_address=self.address).connect()
                    objects = await bluez.managed_objects(bus)
                    powered = {
                        path
                        for path, interfaces in objects.items()
                        if bluez.ADAPTER in interfaces
                        and interfaces[bluez.ADAPTER].get("Powered") is not None
                        and interfaces[bluez.ADAPTER]["Powered"].value
                    }
                    if wanted <= powered:
                        return
                except (DBusError, OSError):
                    pass  # org.bluez not on the bus yet
                if time.monotonic() > deadline:
                    raise TestBusError(
                        f"BlueZoo adapters not ready after {self.ready_timeout} s; "
                        f"log:\n{self.log_text()[-2000:]}"
                    )
                await asyncio.sleep(0.02)
        finally:
            if bus is not None:
                bus.disconnect()

    def _check_alive(self) -> None:
        if self._dbus is not None and self._dbus.poll() is not None:
            raise TestBusError(f"dbus-daemon exited with {self._dbus.returncode}")
        if self._bluezoo is not None and self._bluezoo.poll() is not None:
            raise TestBusError(
                f"BlueZoo exited with {self._bluezoo.returncode}; log:\n{self.log_text()[-2000:]}"
            )

    def _export_env(self) -> None:
        if self.export_env and self.address is not None:
            self._saved_env = os.environ.get(ENV_VAR)
            os.environ[ENV_VAR] = self.address
            self._env_exported = True

    def start(self) -> TestBus:
        """Start dbus-daemon and BlueZoo and wait until the adapters are powered."""
        try:
            self._spawn()
            _run_coroutine(self._wait_ready())
        except BaseException:
            self.stop()
            raise
        self._export_env()
        return self

    async def astart(self) -> TestBus:
        try:
            self._spawn()
            await self._wait_ready()
        except BaseException:
            self.stop()
            raise
        self._export_env()
        return self

    def stop(self) -> None:
        """Stop BlueZoo, then dbus-daemon (only these two, by PID); keeps the log if asked."""
        try:
            _stop_process(self._bluezoo)
        finally:
            _stop_process(self._dbus)
            if self._dbus is not None and self._dbus.stdout is not None:
                self._dbus.stdout.close()
            if self._env_exported:
                if self._saved_env is None:
                    os.environ.pop(ENV_VAR, None)
                else:
                    os.environ[ENV_VAR] = self._saved_env
                self._env_exported = False

    def cleanup(self) -> None:
        """Remove the temporary directory (socket, config, log) if it was created here."""
        if self._own_workdir and self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self._own_workdir = False

    def __enter__(self) -> TestBus:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def __aenter__(self) -> TestBus:
        return await self.astart()

    async def __aexit__(self, *exc: object) -> None:
        self.stop()

    # -- log -------------------------------------------------------------------------------

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except (OSError, TestBusError):
            return ""

    def log_problems(self) -> list[str]:
        """Lines of the BlueZoo log containing ERROR or Traceback."""
        return [
            line for line in self.log_text().splitlines() if any(p in line for p in LOG_PROBLEMS)
        ]

    def check_log(self) -> None:
        """Raise TestBusError if the BlueZoo log contains ERROR or Traceback."""
        if self.log_problems():
            raise TestBusError(f"BlueZoo log {self.log_path} has errors:\n{self.log_text()}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simulators.testbus",
        description="Start a private D-Bus system bus with BlueZoo (PHG fixes) and wait.",
    )
    parser.add_argument("--adapters", type=int, default=2, help="virtual adapters (hci0..)")
    parser.add_argument("--scan-interval", type=float, default=0.25, help="seconds")
    parser.add_argument("--verbose", action="store_true", help="debug-level BlueZoo log")
    args = parser.parse_args(argv)

    bus = TestBus(args.adapters, scan_interval=args.scan_interval, verbose=args.verbose)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    with bus:
        print(f"export {ENV_VAR}={bus.address}", flush=True)
        for name, address in zip(bus.adapters, bus.addresses, strict=True):
            print(f"# {name} {address}", flush=True)
        print(f"# BlueZoo log: {bus.log_path}; Ctrl-C to stop", flush=True)
        while not stop.wait(0.5):
            if bus._bluezoo is not None and bus._bluezoo.poll() is not None:
                print("BlueZoo exited", file=sys.stderr)
                return 1
    problems = bus.log_problems()
    for line in problems:
        print(line, file=sys.stderr)
    bus.cleanup()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
