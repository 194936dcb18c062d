"""The ``phg`` command line: one module per sub-command, each with ``register(subparsers)``."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from typing import Final

from gateway import __version__
from gateway.cli.parsing import CommandParser

COMMAND_MODULES: Final = (
    "gateway.cli.decode",
    "gateway.cli.scan",
    "gateway.cli.simulate",
    "gateway.cli.demo",
    "gateway.cli.map",
    "gateway.cli.validate",
    "gateway.cli.run",
    "gateway.cli.outbox",
    "gateway.cli.heldback",
    "gateway.cli.doctor",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="phg",
        description="PHG, the open Personal Health Gateway (Bluetooth LE health devices to FHIR).",
    )
    parser.add_argument("--version", action="version", version=f"phg {__version__}")
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=CommandParser
    )
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        result: int = args.run(args)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        sys.stderr.close()
        return 0
    return result


if __name__ == "__main__":
    sys.exit(main())
