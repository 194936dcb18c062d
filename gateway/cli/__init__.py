"""The ``phg`` command line: one module per sub-command, each declaring
its ``COMMAND`` (:class:`gateway.cli.command.Command`), from which its parser is built.

Only the named command's module is imported (``phg decode`` loads no Bluetooth, HTTP or
validation code); ``phg --help`` and unknown commands load them all to list them.
"""

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


def _command_of(argv: Sequence[str]) -> str | None:
    """The sub-command's module when argv names one (the first argument that is no option)."""
    for arg in argv:
        if not arg.startswith("-"):
            module_name = f"gateway.cli.{arg}"
            return module_name if module_name in COMMAND_MODULES else None
    return None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser with every command, or with the ``only`` module's command alone."""
    parser = argparse.ArgumentParser(
        prog="phg",
        description="PHG, the open Personal Health Gateway (Bluetooth LE health devices to FHIR).",
    )
    parser.add_argument("--version", action="version", version=f"phg {__version__}")
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, parser_class=CommandParser
    )
    for module_name in (only,) if only else COMMAND_MODULES:
        importlib.import_module(module_name).COMMAND.add_to(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(_command_of(arguments))
    args = parser.parse_args(arguments)
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
