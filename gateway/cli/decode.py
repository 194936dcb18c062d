"""``phg decode``: decode one characteristic value, or a capture log, to JSON."""

from __future__ import annotations

import argparse
import sys
from typing import Any, TextIO

from gateway import exact_json
from gateway.measurement_json import to_jsonable
from profiles import registry
from profiles.errors import DecodeError
from profiles.registry import UnknownCharacteristicError, lookup
from profiles.registry_types import AnyCharacteristic

EXIT_BAD_LINES = 1
EXIT_BAD_INPUT = 2
ECHO_LIMIT = 80
"""Most characters of the user's input quoted back in an error message."""
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "decode",
        help="decode a Bluetooth characteristic value to JSON",
        description=(
            "Decode CHARACTERISTIC's value HEX to JSON. CHARACTERISTIC is a 16-bit UUID "
            "(2A35, 0x2A35) or a name (blood-pressure-measurement). With '-' instead, read "
            "lines 'CHARACTERISTIC HEX' from standard input and print one JSON object per line "
            '(a bad line prints {"error": ...} and the batch goes on). Exit status: 0 decoded, '
            "1 some lines of '-' failed, 2 bad input."
        ),
    )
    parser.add_argument("characteristic", nargs="?", help="UUID or name, or '-' for stdin")
    parser.add_argument("hex", nargs="*", help="the value as hex (spaces, ':' and '-' allowed)")
    parser.add_argument("--list", action="store_true", help="list supported characteristics")
    parser.add_argument("--indent", type=int, default=None, help="pretty-print with N spaces")
    parser.set_defaults(run=run)


def shorten(text: str, limit: int = ECHO_LIMIT) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, for quoting input in errors."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def parse_hex(text: str) -> bytes:
    cleaned = "".join(text.split()).replace(":", "").replace("-", "")
    cleaned = cleaned.removeprefix("0x").removeprefix("0X")
    if not _HEX_DIGITS.issuperset(cleaned):
        raise ValueError(f"not a hex string: {shorten(text)!r}")
    if len(cleaned) % 2:
        raise ValueError(
            f"odd length: {len(cleaned)} hex digits in {shorten(text)!r} (two per byte)"
        )
    return bytes.fromhex(cleaned)


def lookup_characteristic(key: str) -> AnyCharacteristic:
    """:func:`profiles.registry.lookup`, quoting at most :data:`ECHO_LIMIT` characters of
    ``key`` when it is unknown."""
    try:
        return lookup(key)
    except UnknownCharacteristicError:
        raise UnknownCharacteristicError(
            f"unknown characteristic {shorten(key)!r} (see `phg decode --list`)"
        ) from None


def decode_to_json(characteristic: AnyCharacteristic, data: bytes) -> dict[str, Any]:
    value = characteristic.decode(data)
    return {
        "characteristic": characteristic.name,
        "uuid": f"{characteristic.uuid16:04X}",
        "type": type(value).__name__,
        "value": to_jsonable(value),
    }


def _one(key: str, hex_text: str) -> dict[str, Any]:
    return decode_to_json(lookup_characteristic(key), parse_hex(hex_text))


def run(args: argparse.Namespace) -> int:
    out: TextIO = sys.stdout
    if args.list:
        for c in sorted(registry.ALL, key=lambda c: c.uuid16):
            out.write(f"{c.uuid16:04X}  {c.name:<45} {c.measurement_type.__name__}\n")
        return 0
    if args.characteristic is None:
        print("phg decode: give CHARACTERISTIC HEX, '-' or --list", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.characteristic == "-":
        return _batch(sys.stdin, out, args.indent)
    try:
        result = _one(args.characteristic, " ".join(args.hex))
    except (DecodeError, UnknownCharacteristicError, ValueError) as exc:
        print(f"phg decode: {_message(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    out.write(exact_json.dumps(result, indent=args.indent) + "\n")
    return 0


def _message(exc: Exception) -> str:
    return str(exc.args[0]) if isinstance(exc, LookupError) and exc.args else str(exc)


def _batch(lines: TextIO, out: TextIO, indent: int | None) -> int:
    """One JSON object per non-empty, non-comment line; a bad line prints {"error": ...} and
    makes the exit status :data:`EXIT_BAD_LINES`."""
    failed = 0
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        key, _, hex_text = text.partition(" ")
        result: dict[str, Any]
        try:
            result = _one(key, hex_text)
        except (DecodeError, UnknownCharacteristicError, ValueError) as exc:
            result = {"error": f"line {number}: {_message(exc)}"}
            failed += 1
        out.write(exact_json.dumps(result, indent=indent) + "\n")
        out.flush()
    if failed:
        print(f"phg decode: {failed} line(s) could not be decoded", file=sys.stderr)
        return EXIT_BAD_LINES
    return 0
