"""Environment overrides: ``PHG_<TABLE>_<KEY>`` replaces one setting of the file.

Every setting of the single tables (``gateway``, ``fhir``, ``fhir.auth``, ``outbox``, ``ble``,
``logging``, ``status``) has a variable: the path in upper case joined by ``_``
(``fhir.auth.kind`` -> ``PHG_FHIR_AUTH_KIND``); :func:`variables` lists them all. Device
bindings (``[[devices]]``) have none. Values are text, converted by validation like TOML
values; lists are comma-separated (``PHG_BLE_ADAPTERS=hci0,hci1``); an empty value unsets an
optional setting (its default applies).

A ``PHG_…`` variable that is neither an override nor one of :data:`OTHER_VARIABLES` is most
likely a typo; :func:`unknown` names each with the closest valid name (``PHG_FHIR_BASEURL``:
did you mean ``PHG_FHIR_BASE_URL``?), and loading the configuration warns about it.
"""

from __future__ import annotations

import dataclasses
import difflib
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Final, Union

from gateway.config.settings import GatewayConfig

PREFIX: Final = "PHG_"
_SECTIONS: Final = ("gateway", "fhir", "outbox", "ble", "logging", "status")
OTHER_VARIABLES: Final = frozenset(
    {
        "PHG_CONFIG",  # the configuration file of `phg run`, `phg outbox`, `phg doctor`
        "PHG_VENV",  # scripts/: the virtual environments and the Python they use
        "PHG_FHIR_VENV",
        "PHG_PYTHON",
        "PHG_ROOT",
        "PHG_FUZZ_EXAMPLES",  # tests
        "PHG_ROUND_TRIP_EXAMPLES",
        "PHG_MAPPING_EXAMPLES",
        "PHG_TEST_WORKERS",
        "PHG_WITH_REAL_BLUEZ",  # scripts/test.sh, scripts/real-bluez.sh and its VM
        "PHG_VM_KVM",
        "PHG_VM_TIMEOUT",
        "PHG_VM_OOPS_RETRY",
        "PHG_VM_LOGS",
        "PHG_PYTEST_TIMEOUT",
        "PHG_REAL_BLUEZ",
        "PHG_BLUETOOTHD_LOG",
    }
)


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    path: tuple[str, ...]
    is_list: bool


def _table_of(annotation: Any) -> type[Any] | None:
    if isinstance(annotation, type) and dataclasses.is_dataclass(annotation):
        return annotation
    return None


def _is_list(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        return any(_is_list(a) for a in typing.get_args(annotation))
    return origin is list


def _walk(table: type[Any], path: tuple[str, ...]) -> Iterator[Variable]:
    for name, annotation in typing.get_type_hints(table).items():
        sub = _table_of(annotation)
        if sub is not None:
            yield from _walk(sub, (*path, name))
        else:
            full = (*path, name)
            yield Variable(PREFIX + "_".join(full).upper(), full, _is_list(annotation))


def variables() -> tuple[Variable, ...]:
    """Every override variable, in the order of the settings' classes."""
    tables = typing.get_type_hints(GatewayConfig)
    found: list[Variable] = []
    for section in _SECTIONS:
        table = _table_of(tables[section])
        assert table is not None
        found += _walk(table, (section,))
    return tuple(found)


VARIABLES: Final = variables()


def apply(data: dict[str, Any], environ: Mapping[str, str]) -> dict[str, str]:
    """Apply the overrides present in ``environ`` to ``data`` (the parsed TOML, modified in
    place); returns setting path ("fhir.base_url") -> variable name, for error messages."""
    applied: dict[str, str] = {}
    for var in VARIABLES:
        if var.name not in environ:
            continue
        text = environ[var.name]
        table: Any = data
        for key in var.path[:-1]:
            table = table.setdefault(key, {}) if isinstance(table, dict) else None
        if not isinstance(table, dict):
            continue  # the file has a value where a table belongs: validation reports it
        leaf = var.path[-1]
        if var.is_list:
            table[leaf] = [item.strip() for item in text.split(",") if item.strip()]
        elif text == "":
            table.pop(leaf, None)
        else:
            table[leaf] = text
        applied[".".join(var.path)] = var.name
    return applied


def unknown(environ: Mapping[str, str]) -> list[str]:
    """One warning per ``PHG_…`` variable of ``environ`` that PHG does not read."""
    names = [var.name for var in VARIABLES]
    warnings: list[str] = []
    for name in sorted(environ):
        if not name.startswith(PREFIX) or name in OTHER_VARIABLES or name in names:
            continue
        suffixes = [known.removeprefix(PREFIX) for known in (*names, *OTHER_VARIABLES)]
        close = difflib.get_close_matches(name.removeprefix(PREFIX), suffixes, n=1, cutoff=0.6)
        hint = f"; did you mean {PREFIX}{close[0]}?" if close else " (docs/daemon.md lists them)"
        warnings.append(f"environment variable {name} is not a PHG setting, ignored{hint}")
    return warnings
