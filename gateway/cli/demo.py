"""``phg demo``: PHG at work with no hardware and no configuration.

Starts a private Bluetooth test bus, a simulated blood pressure monitor, glucose meter and
weight scale, a local FHIR server (SEKMET; Medplum's FHIR engine with ``--fhir-server medplum``)
and the gateway daemon (in this process, with a
generated configuration in a temporary state directory), prints what happens (devices
connected, readings decoded, uploaded with their server ids), and serves the status page.
Ctrl-C or SIGTERM (or ``--duration``) stops everything it started, by PID, and exits 0; a
part that cannot start exits 1 with the reason. ``--decode-only`` decodes the bundled capture
corpus instead (no Bluetooth, no server).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any, Final

from gateway import corpus
from gateway.cli.command import Command, arg
from gateway.config import ConfigError
from gateway.config.load import load_config
from gateway.daemon import logs
from gateway.daemon.server import fhir_client
from gateway.daemon.service import Daemon
from gateway.demo.corpus import decode_corpus
from gateway.demo.fhir_server import DemoError
from gateway.demo.servers import DEFAULT_PORTS, KINDS
from gateway.demo.stack import DEVICES, GENERIC_HEALTH_SENSOR, DemoStack, port_or_free
from gateway.status.board import Happening, StatusBoard
from simulators.runner import SimulatorError
from simulators.testbus import ENV_VAR, TestBusError

EXIT_FAILED: Final = 1
_SIGNALS: Final = (signal.SIGTERM, signal.SIGINT)


class _SignalledError(Exception):
    pass


def say(text: str) -> None:
    print(f"{dt.datetime.now():%H:%M:%S}  {text}", flush=True)


def _raise(_signum: int, _frame: FrameType | None) -> None:
    raise _SignalledError


@contextlib.contextmanager
def _signals(handler: Any) -> Iterator[None]:
    previous = {s: signal.signal(s, handler) for s in _SIGNALS}
    try:
        yield
    finally:
        for s, h in previous.items():
            signal.signal(s, h)


def run(args: argparse.Namespace) -> int:
    if args.decode_only:
        return decode_corpus(corpus.root() if args.corpus is None else Path(args.corpus))
    if args.duration is not None and args.duration <= 0:
        print("phg demo: --duration must be positive", file=sys.stderr)
        return 2
    stack: DemoStack | None = None
    try:
        with _signals(_raise):
            port = DEFAULT_PORTS[args.fhir_server] if args.fhir_port is None else args.fhir_port
            devices = (*DEVICES, GENERIC_HEALTH_SENSOR) if args.ghs else DEVICES
            stack = DemoStack(fhir_port=port, fhir_server=args.fhir_server, devices=devices)
            stack.start(say)
            assert stack.fhir is not None
            config_path = stack.workdir / "gateway.toml"
            status_port = port_or_free(args.status_port)
            if args.status_port and status_port != args.status_port:
                say(f"port {args.status_port} is busy: the status page uses port {status_port}")
            config_path.write_text(stack.config_text(status_port))
            return asyncio.run(_serve(config_path, stack, args))
    except _SignalledError:
        return 0
    except (DemoError, TestBusError, SimulatorError, ConfigError, OSError) as exc:
        print(f"phg demo: {exc}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        if stack is not None:
            with _signals(signal.SIG_IGN):  # cleaning up: a second Ctrl-C must not cut it short
                say("stopping the simulators, the FHIR server and the test bus")
                stack.stop()


async def _serve(config_path: Path, stack: DemoStack, args: argparse.Namespace) -> int:
    config = load_config(config_path, {})  # the user's PHG_* variables do not apply here
    logs.setup("console", "info" if args.verbose else "warning")
    # The daemon's Bluetooth side (bleak) finds the test bus through the environment.
    os.environ[ENV_VAR] = stack.bus_env()[ENV_VAR]
    board = StatusBoard(config.fhir.base_url)
    board.listeners.append(_show)
    stop = asyncio.Event()
    daemon = Daemon(config, fhir_client(config.fhir), stop=stop, board=board)
    task = asyncio.create_task(daemon.run())
    while daemon.status_server is None and not task.done():
        await asyncio.sleep(0.05)
    assert stack.fhir is not None
    console = f"   (console: {stack.fhir.console_url})" if stack.fhir.console_url else ""
    say(f"FHIR server:  {stack.fhir.base_url}{console}")
    if daemon.status_server is not None:
        say(f"status page:  {daemon.status_server.url}   (metrics: /metrics, JSON: /api/status)")
    say("gateway running; waiting for the devices (Ctrl-C stops the demo)")
    if args.duration is not None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(task), args.duration)
        stop.set()
    code = await task
    counts = board.metrics
    say(
        f"gateway stopped: {int(counts.stored.value())} readings stored, "
        f"{int(counts.uploaded.value())} uploaded, {int(counts.quarantined.value())} quarantined"
    )
    return code


def _show(happening: Happening) -> None:
    labels = {
        "device": "device",
        "reading": "decoded",
        "uploaded": "uploaded",
        "quarantined": "REJECTED",
        "fhir": "server",
    }
    say(f"{labels.get(happening.kind, happening.kind):<9} {happening.text}")


COMMAND: Final = Command(
    "demo",
    help="run simulated devices, a local FHIR server and the gateway, with a status page",
    description=(
        "Simulated blood pressure monitor, glucose meter and weight scale -> PHG -> a local "
        "FHIR server (SEKMET, or Medplum's FHIR engine), with the status page. Ctrl-C stops "
        "everything."
    ),
    run=run,
    args=(
        arg("--duration", type=float, metavar="S", help="stop by itself after S seconds"),
        arg(
            "--status-port", type=int, default=8080, help="status page port (8080, else a free one)"
        ),
        arg(
            "--fhir-server",
            choices=KINDS,
            default="sekmet",
            help="the local FHIR server: sekmet (default) or medplum (Medplum's FHIR engine, Node)",
        ),
        arg(
            "--fhir-port",
            type=int,
            help="FHIR server port (default 8090 for sekmet, 8103 for medplum; else a free one)",
        ),
        arg(
            "--ghs",
            action="store_true",
            help="also a simulated generic health sensor (GHS blood pressure monitor)",
        ),
        arg("--verbose", action="store_true", help="show the daemon's info logs"),
        arg(
            "--decode-only",
            action="store_true",
            help="only decode the bundled capture corpus (no Bluetooth, no server)",
        ),
        arg(
            "--corpus",
            type=Path,
            default=None,
            help="capture logs for --decode-only (*.log, also one folder down; default: the bundled"
            " corpus)",
        ),
    ),
)
