"""``phg run``: the gateway daemon (see docs/daemon.md).

Exit status (docs/daemon.md; config/phg.service does not restart on 2 and 4):

- 0: a clean stop (SIGTERM, SIGINT);
- 1: an internal error, or a failure that may pass (the disk full at start): restarted;
- 2: a configuration problem, each one printed on standard error as
  ``phg run: <setting>: <problem>``;
- 3: another ``phg`` process holds the state directory (a second daemon, or ``phg outbox
  retry|purge`` at that moment): restarted later, when it may be free;
- 4: the state directory or the outbox cannot be used (permissions, read-only file system, a
  file that is not a PHG outbox): an operator has to fix it.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import os
import sqlite3
import sys
from typing import Final

from gateway.cli.command import Command, arg, config_arg
from gateway.cli.parsing import config_path
from gateway.config import ConfigError, GatewayConfig, load_config
from gateway.daemon import logs
from gateway.daemon.server import fhir_client
from gateway.daemon.service import Daemon
from gateway.daemon.statelock import StateDirBusyError
from gateway.outbox import OutboxError, OutboxFullError, OutboxUnavailableError

EXIT_FAILED: Final = 1
EXIT_CONFIG: Final = 2
EXIT_BUSY: Final = 3
EXIT_STATE: Final = 4


def _fail(message: str) -> None:
    for line in message.splitlines():
        print(f"phg run: {line}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    path = config_path(args.config)
    try:
        config = load_config(path)
    except ConfigError as exc:
        _fail(str(exc))
        return EXIT_CONFIG
    if args.check:
        print(f"phg run: {path}: configuration is valid", file=sys.stderr)
        return 0
    logs.setup(config.logging.format, config.logging.level)
    os.umask(0o077)  # everything the daemon creates is for its user only (docs/daemon.md)
    return asyncio.run(_main(config))


async def _main(config: GatewayConfig) -> int:
    try:
        client = fhir_client(config.fhir)
    except (ValueError, OSError) as exc:
        _fail(str(exc))
        return EXIT_CONFIG
    try:
        return await Daemon(config, client).run()
    except StateDirBusyError as exc:
        await client.aclose()
        _fail(str(exc))
        return EXIT_BUSY
    except (OutboxError, OSError, sqlite3.Error) as exc:
        await client.aclose()
        _fail(f"cannot use the state directory {config.gateway.state_dir}: {exc}")
        return _state_exit(exc)


def _state_exit(exc: Exception) -> int:
    """4 for what needs an operator (permissions, read-only, not an outbox), else 1."""
    if isinstance(exc, OutboxFullError):
        return EXIT_FAILED
    if isinstance(exc, OutboxUnavailableError | PermissionError):
        return EXIT_STATE
    if isinstance(exc, OSError) and exc.errno == errno.EROFS:
        return EXIT_STATE
    return EXIT_FAILED


COMMAND: Final = Command(
    "run",
    help="run the gateway daemon (devices -> FHIR server)",
    description=(
        "Connect to the configured Bluetooth LE health devices, map their readings to PHD IG "
        "FHIR resources, store them in the outbox and upload them. Stops cleanly on SIGTERM "
        "or SIGINT. Settings: docs/daemon.md."
    ),
    run=run,
    args=(
        config_arg(),
        arg(
            "--check", action="store_true", help="validate the configuration and exit (0 if valid)"
        ),
    ),
)
