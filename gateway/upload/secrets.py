"""Secrets (tokens, client secrets, private keys) read from the environment or a file.

A :class:`Secret` never shows its value in ``repr``/``str`` (so neither logs nor tracebacks
carry it); code that needs the value calls :meth:`Secret.reveal`.

Secrets that travel in an HTTP header or form (bearer tokens, client secrets, access tokens)
must be one line: :func:`one_line` rejects control characters (an embedded newline would make
httpx fail with ``Illegal header value`` and quote the whole header, secret included, into
logs and the outbox). Only a single line ending at the very end of a file is removed.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Final

_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")


ONE_LINE: Final = "a secret must be one line of printable text"


class SecretError(ValueError):
    """A configured secret cannot be read (the message names the source, never the value)."""


def control_character(value: str) -> str | None:
    """Describes the first control character of ``value`` (never the value), or None."""
    found = _CONTROL.search(value)
    if found is None:
        return None
    return f"a control character (0x{ord(found.group()):02x} at character {found.start() + 1})"


def one_line(value: str, source: str, *, final_line_end: bool = False) -> str:
    """``value``, checked to hold no control character; :class:`SecretError` (naming
    ``source`` and the character's position, never the value) otherwise. With
    ``final_line_end`` (a file's text), one line ending at the very end is removed first."""
    if final_line_end:
        value = value.removesuffix("\n").removesuffix("\r") if value.endswith("\n") else value
    found = control_character(value)
    if found is not None:
        raise SecretError(f"{source}: contains {found}; {ONE_LINE}")
    return value


class Secret:
    __slots__ = ("_value", "source")

    def __init__(self, value: str, source: str = "value") -> None:
        if not value:
            raise SecretError(f"the secret from {source} is empty")
        self._value = value
        self.source = source

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret(from {self.source}, ***)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


def from_env(name: str) -> Secret:
    value = os.environ.get(name)
    if value is None:
        raise SecretError(f"environment variable {name} is not set")
    return Secret(value.strip(), f"environment variable {name}")


def from_file(path: Path) -> Secret:
    """The file's text without surrounding white space (a PEM key is kept whole)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SecretError(f"cannot read the secret file {path}: {exc.strerror}") from exc
    return Secret(text.strip(), f"file {path}")


def load(*, env: str | None = None, file: Path | None = None) -> Secret:
    """From exactly one of ``env`` (a variable name) and ``file``."""
    if (env is None) == (file is None):
        raise SecretError("give a secret as exactly one of an environment variable or a file")
    return from_env(env) if env is not None else from_file(file)  # type: ignore[arg-type]
