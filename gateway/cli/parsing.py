"""The argument parser of every ``phg`` command: options and positional arguments in any order
(``phg decode 2A35 --indent 2 HEX``, ``phg validate a.json --profile URL b.json``), through
argparse's intermixed parsing wherever argparse allows it: not on a parser with sub-commands
(``phg outbox``; its actions are parsed intermixed themselves) or a ``REMAINDER`` argument
(``phg simulate DEVICE ...``, whose options belong to the simulator)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

DEFAULT_CONFIG: Final = "/etc/phg/gateway.toml"


def config_path(given: Path | None = None) -> Path:
    """The configuration file: ``given``, else ``$PHG_CONFIG``, else /etc/phg/gateway.toml."""
    return given if given is not None else Path(os.environ.get("PHG_CONFIG", DEFAULT_CONFIG))


class CommandParser(argparse.ArgumentParser):
    _intermixing = False

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: Any = None
    ) -> tuple[Any, list[str]]:
        if self._intermixing or not self._can_intermix():
            return super().parse_known_args(args, namespace)
        self._intermixing = True  # parse_known_intermixed_args calls parse_known_args
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._intermixing = False

    def _can_intermix(self) -> bool:
        return all(
            action.nargs not in (argparse.PARSER, argparse.REMAINDER)
            for action in self._get_positional_actions()
        )
