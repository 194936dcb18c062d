"""A simulator's own options as one frozen dataclass, and its command-line flags built from it.

Each field declared with :func:`option` becomes a flag (``first_sequence`` -> ``--first-sequence``)
whose type and default are the field's, and whose help is the option's, with the default.
A bool that defaults to False is a switch (``--indicate``); one that defaults to True is turned
off by ``--no-NAME``. Fields with ``choices`` take one of the mapping's names. Checks belong
in the dataclass's ``__post_init__`` (a ValueError there is a usage error on the command line).

    @dataclass(frozen=True)
    class PulseOximeterOptions:
        spot_checks: int = option(1, "spot-checks indicated on subscription")
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from collections.abc import Mapping
from typing import Any, Final, TypeVar

T = TypeVar("T")

_HELP: Final = "help"
_METAVAR: Final = "metavar"
_CHOICES: Final = "choices"


@dataclasses.dataclass(frozen=True)
class NoOptions:
    """The options of a simulator that has none of its own."""


def option(
    default: T,
    help: str,
    *,
    metavar: str | None = None,
    choices: Mapping[str, T] | None = None,
) -> T:
    """A dataclass field that is also a command-line flag."""
    metadata: dict[str, Any] = {_HELP: help, _METAVAR: metavar, _CHOICES: choices}
    field: T = dataclasses.field(default=default, metadata=metadata)
    return field


def flag_name(field_name: str) -> str:
    return "--" + field_name.replace("_", "-")


def _value_type(annotation: Any) -> Any:
    """``int`` of ``int | None``; the annotation itself otherwise."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        (value_type,) = [a for a in typing.get_args(annotation) if a is not type(None)]
        return value_type
    return annotation


def _flags(cls: type[Any]) -> list[tuple[dataclasses.Field[Any], Any]]:
    hints = typing.get_type_hints(cls)
    return [(f, _value_type(hints[f.name])) for f in dataclasses.fields(cls) if _HELP in f.metadata]


def _name_of(choices: Mapping[str, Any], value: Any) -> str:
    return next(name for name, item in choices.items() if item == value)


def with_default(help_text: str, default: object) -> str:
    """``help_text`` followed by the default, inside its closing parenthesis if it has one."""
    if help_text.endswith(")"):
        return f"{help_text[:-1]}; default: {default})"
    return f"{help_text} (default: {default})"


def add_arguments(parser: argparse.ArgumentParser, cls: type[Any]) -> None:
    """Add a flag to ``parser`` for each :func:`option` field of dataclass ``cls``."""
    for field, value_type in _flags(cls):
        help_text: str = field.metadata[_HELP]
        choices: Mapping[str, Any] | None = field.metadata[_CHOICES]
        if value_type is bool:
            if field.default:
                parser.add_argument(
                    flag_name(f"no_{field.name}"),
                    dest=field.name,
                    action="store_false",
                    help=help_text,
                )
            else:
                parser.add_argument(flag_name(field.name), action="store_true", help=help_text)
            continue
        if choices is not None:
            parser.add_argument(
                flag_name(field.name),
                choices=sorted(choices),
                default=_name_of(choices, field.default),
                help=with_default(help_text, _name_of(choices, field.default)),
            )
            continue
        if field.default is not None:
            help_text = with_default(help_text, field.default)
        parser.add_argument(
            flag_name(field.name),
            type=value_type,
            default=field.default,
            metavar=field.metadata[_METAVAR],
            help=help_text,
        )


def from_args(cls: type[T], args: argparse.Namespace) -> T:
    """The options of dataclass ``cls`` from parsed flags (SystemExit with the message of a
    ValueError from its checks)."""
    values: dict[str, Any] = {}
    for field, _ in _flags(cls):
        value = getattr(args, field.name)
        choices: Mapping[str, Any] | None = field.metadata[_CHOICES]
        values[field.name] = value if choices is None else choices[value]
    try:
        return cls(**values)
    except ValueError as exc:
        raise SystemExit(str(exc)) from exc
