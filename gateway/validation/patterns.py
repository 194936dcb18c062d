"""fixed[x] (exact) and pattern[x] (contains) comparison, and reading values along a path."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any


def equals(value: Any, expected: Any) -> bool:
    """Deep JSON equality; 1 == 1.0 but True != 1."""
    if isinstance(expected, dict):
        return (
            isinstance(value, dict)
            and value.keys() == expected.keys()
            and all(equals(value[k], expected[k]) for k in expected)
        )
    if isinstance(expected, list):
        return (
            isinstance(value, list)
            and len(value) == len(expected)
            and all(equals(v, e) for v, e in zip(value, expected, strict=True))
        )
    if isinstance(expected, bool) or isinstance(value, bool):
        return type(value) is type(expected) and value == expected
    return bool(value == expected)


def contains(value: Any, pattern: Any) -> bool:
    """FHIR pattern semantics: every member of ``pattern`` is present in ``value``; each
    item of a pattern array is matched by some item of the value array."""
    if isinstance(pattern, dict):
        return isinstance(value, dict) and all(
            key in value and contains(value[key], sub) for key, sub in pattern.items()
        )
    if isinstance(pattern, list):
        items = value if isinstance(value, list) else [value]
        return all(any(contains(v, p) for v in items) for p in pattern)
    return equals(value, pattern)


def values_at(value: Any, segments: Sequence[str]) -> Iterator[Any]:
    """Every value reached from ``value`` along ``segments`` (arrays are flattened)."""
    if isinstance(value, list):
        for item in value:
            yield from values_at(item, segments)
        return
    if not segments:
        if value is not None:
            yield value
        return
    if isinstance(value, dict) and segments[0] in value:
        yield from values_at(value[segments[0]], segments[1:])
