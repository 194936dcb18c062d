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

EXIT_BAD_INPUT = 2


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "decode",
        help="decode a Bluetooth characteristic value to JSON",
        description=(
            "Decode CHARACTERISTIC's value HEX to JSON. CHARACTERISTIC is a 16-bit UUID "
            "(2A35, 0x2A35) or a name (blood-pressure-measurement). With '-' instead, read "
            "lines 'CHARACTERISTIC HEX' from standard input and print one JSON object per line."
        ),
    )
    parser.add_argument("characteristic", nargs="?", help="UUID or name, or '-' for stdin")
    parser.add_argument("hex", nargs="*", help="the value as hex (spaces, ':' and '-' allowed)")
    parser.add_argument("--list", action="store_true", help="list supported characteristics")
    parser.add_argument("--indent", type=int, default=None, help="pretty-print with N spaces")
    parser.set_defaults(run=run)


def parse_hex(text: str) -> bytes:
    cleaned = "".join(text.split()).replace(":", "").replace("-", "")
    cleaned = cleaned.removeprefix("0x").removeprefix("0X")
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        raise ValueError(f"not a hex string: {text!r}") from None


def decode_to_json(characteristic: AnyCharacteristic, data: bytes) -> dict[str, Any]:
    value = characteristic.decode(data)
    return {
        "characteristic": characteristic.name,
        "uuid": f"{characteristic.uuid16:04X}",
        "type": type(value).__name__,
        "value": to_jsonable(value),
    }


def _one(key: str, hex_text: str) -> dict[str, Any]:
    return decode_to_json(lookup(key), parse_hex(hex_text))


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
    """One JSON object per non-empty, non-comment line; a bad line prints {"error": ...}."""
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
        out.write(exact_json.dumps(result, indent=indent) + "\n")
        out.flush()
    return 0
