"""Kinds of setting values: each kind turns a value of the parsed TOML (or the text of a
``PHG_…`` override) into the typed value of one setting, or raises ``ValueError`` with the
message a person reads after the setting's path.

A kind is a function ``(value, context) -> typed value``. Text converts where TOML would not
need it (``PHG_OUTBOX_BATCH_SIZE=10`` is an integer, ``PHG_BLE_BONDED_ONLY=yes`` a boolean);
nothing else is guessed: a number is not text, a string is not a list. Kinds of lists and
tables report every bad item at once: :class:`LocatedError` carries one ``(location, message)``
per problem, the location relative to the value (``(2,)`` for a list's third item).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, TypeVar

T = TypeVar("T")
N = TypeVar("N", int, float)
K = TypeVar("K")
V = TypeVar("V")
S = TypeVar("S", bound=str)

Location = tuple[str | int, ...]
Problem = tuple[Location, str]

_TRUE: Final = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE: Final = frozenset({"0", "off", "f", "false", "n", "no"})
_NOT_AN_INTEGER: Final = "Input should be a valid integer"
_NOT_A_NUMBER: Final = "Input should be a valid number"


@dataclass(frozen=True, slots=True)
class Context:
    """What values are read against: relative paths are relative to ``base_dir`` (the
    configuration file's directory; None: the working directory)."""

    base_dir: Path | None = None


Kind = Callable[[object, Context], T]


class LocatedError(ValueError):
    """Problems inside a list or table: ``problems`` holds one ``(location, message)`` each."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("; ".join(message for _, message in self.problems))


def problems(exc: ValueError) -> tuple[Problem, ...]:
    """The problems of ``exc``: its own, or its message located at the value itself."""
    return exc.problems if isinstance(exc, LocatedError) else (((), str(exc)),)


def located(where: str | int, exc: ValueError) -> list[Problem]:
    """The problems of ``exc`` (raised by the value at ``where``), located from one level up."""
    return [((where, *location), message) for location, message in problems(exc)]


def text(value: object, _context: Context) -> str:
    if not isinstance(value, str):
        raise ValueError("Input should be a valid string")
    return value


def nonempty_text(value: object, context: Context) -> str:
    found = text(value, context)
    if not found:
        raise ValueError("String should have at least 1 character")
    return found


def boolean(value: object, _context: Context) -> bool:
    """``true``/``false``; from text also ``yes``/``no``, ``on``/``off``, ``1``/``0``."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError("Input should be a valid boolean, unable to interpret input")


def _whole(value: object) -> int:
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError(f"{_NOT_AN_INTEGER}, got a number with a fractional part")
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return _whole(float(value))
            except ValueError:
                pass
        raise ValueError(f"{_NOT_AN_INTEGER}, unable to parse string as an integer")
    raise ValueError(_NOT_AN_INTEGER)


def _real(value: object) -> float:
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            raise ValueError(f"{_NOT_A_NUMBER}, unable to parse string as a number") from None
    raise ValueError(_NOT_A_NUMBER)


def _bounded(
    convert: Callable[[object], N], gt: float | None, ge: float | None, le: float | None
) -> Kind[N]:
    def kind(value: object, _context: Context) -> N:
        found = convert(value)
        # Written so that NaN fails every bound.
        if gt is not None and not found > gt:
            raise ValueError(f"Input should be greater than {gt}")
        if ge is not None and not found >= ge:
            raise ValueError(f"Input should be greater than or equal to {ge}")
        if le is not None and not found <= le:
            raise ValueError(f"Input should be less than or equal to {le}")
        return found

    return kind


def integer(*, ge: int | None = None, le: int | None = None) -> Kind[int]:
    """A whole number (``10``, ``10.0``, ``"10"``) within the bounds."""
    return _bounded(_whole, None, ge, le)


def number(*, gt: float | None = None, ge: float | None = None) -> Kind[float]:
    """A number (``7``, ``7.5``, ``"7.5"``) within the bounds."""
    return _bounded(_real, gt, ge, None)


def _quoted(options: Sequence[str]) -> str:
    quoted = [repr(option) for option in options]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"


def choice(options: Sequence[S]) -> Kind[S]:
    """One of ``options`` (exactly: case matters)."""

    def kind(value: object, _context: Context) -> S:
        for option in options:
            if value == option:
                return option
        raise ValueError(f"Input should be {_quoted(options)}")

    return kind


def file_path(value: object, context: Context) -> Path:
    """A file system path: ``$VARIABLES`` and ``~`` expanded, relative to the context's
    ``base_dir``."""
    if not isinstance(value, str | Path):
        raise ValueError("Input is not a valid path")
    expanded = os.path.expandvars(str(value))
    if "$" in expanded:
        raise ValueError(f"undefined environment variable in {str(value)!r}")
    found = Path(expanded).expanduser()
    if not found.is_absolute() and context.base_dir is not None:
        found = context.base_dir / found
    return found


def optional(kind: Kind[T]) -> Kind[T | None]:
    """``kind``, or None where the value is None."""

    def optional_kind(value: object, context: Context) -> T | None:
        return None if value is None else kind(value, context)

    return optional_kind


def checked(kind: Kind[T], *checks: Callable[[T], T]) -> Kind[T]:
    """``kind``, then each check in turn: it returns the value (possibly normalized) or raises
    ``ValueError``."""

    def checked_kind(value: object, context: Context) -> T:
        found = kind(value, context)
        for check in checks:
            found = check(found)
        return found

    return checked_kind


def many(item: Kind[T]) -> Kind[list[T]]:
    """A list (a TOML array) of ``item`` values."""

    def many_kind(value: object, context: Context) -> list[T]:
        if not isinstance(value, list | tuple):
            raise ValueError("Input should be a valid list")
        found: list[T] = []
        bad: list[Problem] = []
        for index, each in enumerate(value):
            try:
                found.append(item(each, context))
            except ValueError as exc:
                bad += located(index, exc)
        if bad:
            raise LocatedError(bad)
        return found

    return many_kind


def toml_type(value: object) -> str:
    """What a configuration value is, in TOML's words, for error messages."""
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "text", list: "a list"}
    return next((name for kind, name in names.items() if isinstance(value, kind)), "a value")


def mapping(keys: Kind[K], values: Kind[V]) -> Kind[dict[K, V]]:
    """A table of any keys (``keys`` converts each) to ``values``; located by the key as written."""

    def mapping_kind(value: object, context: Context) -> dict[K, V]:
        if not isinstance(value, dict):
            raise ValueError(f"should be a table, not {toml_type(value)}")
        converted: dict[object, K] = {}
        bad: list[Problem] = []
        for key in value:
            try:
                converted[key] = keys(key, context)
            except ValueError as exc:
                bad += located(key, exc)
        found: dict[K, V] = {}
        for key, each in value.items():
            try:
                item = values(each, context)
            except ValueError as exc:
                bad += located(key, exc)
            else:
                if key in converted:
                    found[converted[key]] = item
        if bad:
            raise LocatedError(bad)
        return found

    return mapping_kind
