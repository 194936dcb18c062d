"""``phg run``: the gateway daemon (see docs/daemon.md).

Exit status: 0 after a clean stop (SIGTERM, SIGINT), 2 for a configuration problem (each one
printed on standard error as ``phg run: <setting>: <problem>``), 1 when the daemon cannot run
(the outbox cannot be opened, an internal error).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any, Final

from gateway.config import ConfigError, GatewayConfig, load_config
from gateway.daemon import logs
from gateway.daemon.server import fhir_client
from gateway.daemon.service import Daemon
from gateway.outbox import OutboxError

EXIT_CONFIG: Final = 2
EXIT_FAILED: Final = 1
DEFAULT_CONFIG: Final = "/etc/phg/gateway.toml"


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "run",
        help="run the gateway daemon (devices -> FHIR server)",
        description=(
            "Connect to the configured Bluetooth LE health devices, map their readings to PHD IG "
            "FHIR resources, store them in the outbox and upload them. Stops cleanly on SIGTERM "
            "or SIGINT. Settings: docs/daemon.md."
        ),
    )
    parser.add_argument(
        "--config",
        type=Path,
        default=Path(os.environ.get("PHG_CONFIG", DEFAULT_CONFIG)),
        help=f"configuration file (default: $PHG_CONFIG or {DEFAULT_CONFIG})",
    )
    parser.add_argument(
        "--check", action="store_true", help="validate the configuration and exit (0 if valid)"
    )
    parser.set_defaults(run=run)


def _fail(message: str) -> None:
    for line in message.splitlines():
        print(f"phg run: {line}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
    except ConfigError as exc:
        _fail(str(exc))
        return EXIT_CONFIG
    if args.check:
        print(f"phg run: {args.config}: configuration is valid", file=sys.stderr)
        return 0
    logs.setup(config.logging.format, config.logging.level)
    return asyncio.run(_main(config))


async def _main(config: GatewayConfig) -> int:
    try:
        client = fhir_client(config.fhir)
    except (ValueError, OSError) as exc:
        _fail(str(exc))
        return EXIT_CONFIG
    try:
        return await Daemon(config, client).run()
    except (OutboxError, OSError, sqlite3.Error) as exc:  # state directory unusable
        await client.aclose()
        _fail(f"cannot use the state directory {config.gateway.state_dir}: {exc}")
        return EXIT_FAILED
