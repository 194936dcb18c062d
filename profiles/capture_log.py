"""The capture line format: one characteristic value per line, ``CHARACTERISTIC HEX``.

It is what ``phg decode -`` reads, what the corpus (``gateway/corpus/<profile>/*.log``) holds and
what the demo and the decode benchmark replay::

    # Weight 72.500 kg at 07:50 for user 1, BMI 23.7, height 1.750 m.
    2A9D 0e a438 ea070b16073200 01 ed00 d606
    !2AA7 07 00 6400 0500

CHARACTERISTIC is a 16-bit UUID or a characteristic name, HEX the value (spaces, ``:`` and
``-`` allowed). Blank lines and lines starting with ``#`` carry no value; the comment lines
just above a value describe it. A leading ``!`` marks a value that a decoder must refuse.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

ECHO_LIMIT: Final = 80
"""Most characters of the input quoted back in an error message."""
REFUSED_MARK: Final = "!"
COMMENT_MARK: Final = "#"
_HEX_DIGITS: Final = frozenset("0123456789abcdefABCDEF")


@dataclass(frozen=True, slots=True)
class CaptureLine:
    """One value line of a capture log."""

    number: int
    """Line number in its file, from 1."""
    characteristic: str
    """The characteristic as written: a UUID (``2A35``, ``0x2A35``) or a name."""
    hex: str
    """The value as written (parse it with :meth:`payload`)."""
    refused: bool = False
    """The line starts with ``!``: a decoder must refuse this value."""
    comment: str = ""
    """The last comment line above this value and below the previous one (without ``#``)."""

    def payload(self) -> bytes:
        """The value's bytes (:func:`parse_hex`; ValueError if it is not hex)."""
        return parse_hex(self.hex)


def read_lines(lines: Iterable[str]) -> Iterator[CaptureLine]:
    """The value lines of a capture log, in order."""
    comment = ""
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if text.startswith(COMMENT_MARK):
            comment = text.lstrip("# ")
            continue
        if not text:
            continue
        refused = text.startswith(REFUSED_MARK)
        key, _, hex_text = text.removeprefix(REFUSED_MARK).partition(" ")
        yield CaptureLine(number, key, hex_text, refused, comment)
        comment = ""


def shorten(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, for quoting input in errors."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def parse_hex(text: str) -> bytes:
    """Bytes from hex text: whitespace, ``:`` and ``-`` between digits and a leading ``0x``
    are allowed."""
    cleaned = "".join(text.split()).replace(":", "").replace("-", "")
    cleaned = cleaned.removeprefix("0x").removeprefix("0X")
    if not _HEX_DIGITS.issuperset(cleaned):
        raise ValueError(f"not a hex string: {shorten(text)!r}")
    if len(cleaned) % 2:
        raise ValueError(
            f"odd length: {len(cleaned)} hex digits in {shorten(text)!r} (two per byte)"
        )
    return bytes.fromhex(cleaned)
