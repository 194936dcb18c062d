"""TOML tables read into frozen dataclasses: each field declares the kind of its value
(:func:`setting`, :func:`table`); :func:`read` checks every field, rejects unknown keys and
reports all problems at once (:class:`~gateway.config.kinds.LocatedError`).

A dataclass checks what spans its fields in ``__post_init__``, raising ``ValueError``: that
runs only when every field is valid, and the problem is located at the table itself.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import MISSING, Field, field, fields
from typing import TYPE_CHECKING, Any, Final, TypeVar, overload

from gateway.config.kinds import Context, Kind, LocatedError, Problem, located, toml_type

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

T = TypeVar("T")
KIND: Final = "kind"
UNKNOWN: Final = "unknown setting (check the spelling)"
REQUIRED: Final = "required"
D = TypeVar("D", bound="DataclassInstance")


@overload
def setting(kind: Kind[T]) -> T: ...
@overload
def setting(kind: Kind[T], default: T) -> T: ...
@overload
def setting(kind: Kind[T], *, factory: Callable[[], T]) -> T: ...
def setting(kind: Kind[T], default: Any = MISSING, *, factory: Any = MISSING) -> Any:
    """A field whose value is read by ``kind``; without a default (or ``factory``) the setting
    is required."""
    return field(default=default, default_factory=factory, metadata={KIND: kind})


def table(cls: type[D], *, required: bool = False) -> D:
    """A field holding a nested table (a TOML ``[a.b]``), its defaults unless ``required``."""
    kind = table_of(cls)
    if required:
        return setting(kind)
    return setting(kind, factory=cls)


def table_of(cls: type[D]) -> Kind[D]:
    """The kind of a TOML table read into ``cls``."""

    def kind(value: object, context: Context) -> D:
        return read(cls, value, context)

    return kind


def _required(spec: Field[Any]) -> bool:
    return spec.default is MISSING and spec.default_factory is MISSING


def read(cls: type[D], data: object, context: Context) -> D:
    """``data`` (a table) as a ``cls``; :class:`LocatedError` lists every problem."""
    if not isinstance(data, Mapping):
        raise ValueError(f"should be a table of settings, not {toml_type(data)}")
    values: dict[str, Any] = {}
    problems: list[Problem] = []
    specs = fields(cls)
    for spec in specs:
        if spec.name not in data:
            if _required(spec):
                problems.append(((spec.name,), REQUIRED))
            continue
        try:
            values[spec.name] = spec.metadata[KIND](data[spec.name], context)
        except ValueError as exc:
            problems += located(spec.name, exc)
    names = {spec.name for spec in specs}
    problems += [((key,), UNKNOWN) for key in data if key not in names]
    if problems:
        raise LocatedError(problems)
    return cls(**values)
