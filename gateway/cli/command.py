"""What a ``phg`` command is, declared once: its name, help, options and ``run``; argparse is
built from it (:meth:`Command.add_to`), so no command module repeats the parser plumbing.

A command with actions (``phg outbox list``) declares them as :class:`Action` rows; its
``shared`` options are accepted both before and after the action.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gateway.cli.parsing import DEFAULT_CONFIG


@dataclass(frozen=True)
class Arg:
    """One ``add_argument`` call: a positional's name or an option's flags, and its keywords."""

    names: tuple[str, ...]
    keywords: Mapping[str, Any]

    def add_to(self, parser: argparse.ArgumentParser, **override: Any) -> None:
        parser.add_argument(*self.names, **{**self.keywords, **override})


def arg(*names: str, **keywords: Any) -> Arg:
    return Arg(names, keywords)


def config_arg(what: str = "configuration file") -> Arg:
    """``--config FILE`` (None when not given: :func:`gateway.cli.parsing.config_path`)."""
    return arg("--config", type=Path, help=f"{what} (default: $PHG_CONFIG or {DEFAULT_CONFIG})")


INDENT = arg("--indent", type=int, default=None, help="pretty-print with N spaces")
SHOW_ID = arg("id", type=int)


def limit_arg(what: str) -> Arg:
    return arg("--limit", type=int, default=100, help=f"at most N {what} (100)")


def ids_arg(text: str) -> Arg:
    return arg("ids", type=int, nargs="*", metavar="ID", help=text)


@dataclass(frozen=True)
class Action:
    """One action of a command with actions: its name, help and own arguments."""

    name: str
    help: str
    args: tuple[Arg, ...] = ()


@dataclass(frozen=True)
class Command:
    name: str
    help: str
    description: str
    run: Callable[[argparse.Namespace], int]
    args: tuple[Arg, ...] = ()
    shared: tuple[Arg, ...] = ()
    actions: tuple[Action, ...] = ()
    parser_keywords: Mapping[str, Any] = field(default_factory=dict)

    def add_to(self, subparsers: Any) -> argparse.ArgumentParser:
        """This command's parser, added to ``subparsers``."""
        parser: argparse.ArgumentParser = subparsers.add_parser(
            self.name, help=self.help, description=self.description, **self.parser_keywords
        )
        for argument in (*self.shared, *self.args):
            argument.add_to(parser)
        if self.actions:
            self._add_actions(parser)
        parser.set_defaults(run=self.run)
        return parser

    def _add_actions(self, parser: argparse.ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
        shared = argparse.ArgumentParser(add_help=False)
        for argument in self.shared:  # also after the action; unset ones keep the above
            argument.add_to(shared, default=argparse.SUPPRESS)
        for action in self.actions:
            action_parser = actions.add_parser(action.name, parents=[shared], help=action.help)
            for argument in action.args:
                argument.add_to(action_parser)
