"""The one secret type of the gateway (tokens, client secrets, private keys, the status
page's token): the configuration holds them as :class:`Secret` (read by
:mod:`gateway.config.secrets`) and the uploader's authentication uses them as they are.

A :class:`Secret` never shows its value in ``repr``/``str`` (so neither logs, tracebacks nor a
dump of the configuration carry it); code that needs the value calls :meth:`Secret.reveal`.

Secrets that travel in an HTTP header or form (bearer tokens, client secrets, access tokens)
must be one line: :func:`one_line` rejects control characters (an embedded newline would make
httpx fail with ``Illegal header value`` and quote the whole header, secret included, into
logs and the outbox). Only a single line ending at the very end of a file is removed.
"""

from __future__ import annotations

import re
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
    """A non-empty secret value; ``source`` (a setting, a file) names it in messages."""

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
