"""Loading the configuration: read the TOML file (``tomllib``), apply the ``PHG_…`` environment
overrides (:mod:`gateway.config.env`), validate (:mod:`gateway.config.settings`), check the secret
files (:mod:`gateway.config.secrets`). Every problem becomes one line of a
:class:`ConfigError`, ``<setting>: <what is wrong>``, naming the environment variable when the
value came from one, and never quoting a secret."""

from __future__ import annotations

import copy
import os
import sys
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from gateway.config import env, secrets
from gateway.config.kinds import Context, Location, problems
from gateway.config.settings import GatewayConfig
from gateway.config.tables import read


class ConfigError(Exception):
    """The configuration cannot be used; ``problems`` lists one line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


def _location(loc: Location) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int) and not text.endswith("users"):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def problems_of(exc: ValueError, sources: Mapping[str, str]) -> list[str]:
    """One line per problem: ``<setting>: <message>``, and the variable it came from."""
    lines: list[str] = []
    for loc, message in problems(exc):
        setting = _location(loc)
        line = f"{setting or 'configuration'}: {message}"
        if setting in sources:
            line += f" (from {sources[setting]})"
        if line not in lines:
            lines.append(line)
    return lines


def parse(
    data: dict[str, Any], environ: Mapping[str, str], base_dir: Path | None = None
) -> GatewayConfig:
    """Validate already-parsed TOML ``data`` with the overrides of ``environ`` applied."""
    auth = _table(_table(data, "fhir"), "auth")
    forbidden = [
        f"fhir.auth.{key}: secrets do not belong in the configuration file; use {instead}"
        for key, instead in secrets.FORBIDDEN_IN_FILE.items()
        if key in auth
    ]
    if forbidden:
        raise ConfigError(forbidden)
    data = copy.deepcopy(data)
    sources = env.apply(data, environ)
    try:
        config = read(GatewayConfig, data, Context(base_dir))
    except ValueError as exc:
        raise ConfigError(problems_of(exc, sources)) from None
    try:
        secrets.check_readable(config.fhir.auth)
    except secrets.SecretError as exc:
        raise ConfigError([str(exc)]) from None
    return config


def _table(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``data[key]`` when it is a table, else an empty one (validation reports a value where a
    table belongs, with the setting's name)."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def _warn(message: str) -> None:
    print(f"phg: warning: {message}", file=sys.stderr)


def load_config(
    path: Path,
    environ: Mapping[str, str] | None = None,
    warn: Callable[[str], None] = _warn,
) -> GatewayConfig:
    """Load ``path`` with the overrides of ``environ`` (default: the process environment);
    ``warn`` receives one line per ``PHG_…`` variable that is not a setting (a typo)."""
    environ = os.environ if environ is None else environ
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError([f"{path}: no such configuration file"]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(
            [f"{path}: not UTF-8 text (invalid byte at offset {exc.start})"]
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML: {exc}"]) from None
    for message in env.unknown(environ):
        warn(message)
    return parse(data, environ, path.resolve().parent)
