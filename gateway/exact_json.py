"""JSON output that keeps Decimal numbers exactly as they are (``2.00`` stays ``2.00``).

The standard library cannot write a number it did not format itself, so Decimals are passed
through its fast C encoder as marked strings and unmarked afterwards. If a genuine string
happens to contain the marker, a slower pure-Python writer is used instead, so the output is
always right.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any, Final

_MARK: Final = "\x00\x01dec:"
_MARKED: Final = re.compile(r'"\\u0000\\u0001dec:([^"]*)"')


def decimal_text(value: Decimal) -> str:
    """The JSON number text of a finite Decimal, without exponent (``2E+1`` -> ``20``)."""
    if not value.is_finite():
        raise ValueError(f"{value} cannot be written as a JSON number")
    return format(value, "f")


def dumps(value: Any, *, indent: int | None = None, sort_keys: bool = False) -> str:
    """Serialize ``value`` (dicts, lists, tuples, str, int, bool, None, Decimal) to JSON text."""
    count = 0

    def default(obj: object) -> str:
        nonlocal count
        if isinstance(obj, Decimal):
            count += 1
            return _MARK + decimal_text(obj)
        raise TypeError(f"{type(obj).__name__} is not JSON serializable")

    separators = (",", ": ") if indent is not None else (",", ":")
    text = json.dumps(
        value,
        default=default,
        ensure_ascii=False,
        indent=indent,
        separators=separators,
        sort_keys=sort_keys,
    )
    if count == 0:
        return text
    result, replaced = _MARKED.subn(r"\1", text)
    if replaced != count:
        return _slow_dumps(value, indent)
    return result


def _slow_dumps(value: Any, indent: int | None) -> str:
    parts: list[str] = []
    _write(value, parts, indent, 0)
    return "".join(parts)


def _write(value: Any, out: list[str], indent: int | None, level: int) -> None:
    if isinstance(value, Decimal):
        out.append(decimal_text(value))
    elif isinstance(value, dict):
        items = list(value.items())
        if not items:
            out.append("{}")
            return
        out.append("{")
        for i, (key, item) in enumerate(items):
            if i:
                out.append(",")
            _newline(out, indent, level + 1)
            out.append(json.dumps(str(key), ensure_ascii=False))
            out.append(": " if indent is not None else ":")
            _write(item, out, indent, level + 1)
        _newline(out, indent, level)
        out.append("}")
    elif isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _newline(out, indent, level + 1)
            _write(item, out, indent, level + 1)
        _newline(out, indent, level)
        out.append("]")
    else:
        out.append(json.dumps(value, ensure_ascii=False))


def _newline(out: list[str], indent: int | None, level: int) -> None:
    if indent is not None:
        out.append("\n" + " " * (indent * level))
