"""``phg decode``: decode one characteristic value, or a capture log, to JSON."""

from __future__ import annotations

import argparse
import sys
from typing import Final, TextIO

from gateway import exact_json
from gateway.cli.command import INDENT, Command, arg
from gateway.measurement_json import (
    DECODE_ERRORS,
    decode_line,
    decode_to_json,
    error_message,
    lookup_characteristic,
)
from profiles import registry
from profiles.capture_log import parse_hex, read_lines

EXIT_BAD_LINES = 1
EXIT_BAD_INPUT = 2


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
        result = decode_to_json(
            lookup_characteristic(args.characteristic), parse_hex(" ".join(args.hex))
        )
    except DECODE_ERRORS as exc:
        print(f"phg decode: {error_message(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    out.write(exact_json.dumps(result, indent=args.indent) + "\n")
    return 0


def _batch(lines: TextIO, out: TextIO, indent: int | None) -> int:
    """One JSON object per non-empty, non-comment line; a bad line prints {"error": ...} and
    makes the exit status :data:`EXIT_BAD_LINES`."""
    failed = 0
    for line in read_lines(lines):
        result = decode_line(line)
        failed += "error" in result
        out.write(exact_json.dumps(result, indent=indent) + "\n")
        out.flush()
    if failed:
        print(f"phg decode: {failed} line(s) could not be decoded", file=sys.stderr)
        return EXIT_BAD_LINES
    return 0


COMMAND: Final = Command(
    "decode",
    help="decode a Bluetooth characteristic value to JSON",
    description=(
        "Decode CHARACTERISTIC's value HEX to JSON. CHARACTERISTIC is a 16-bit UUID "
        "(2A35, 0x2A35) or a name (blood-pressure-measurement). With '-' instead, read "
        "lines 'CHARACTERISTIC HEX' from standard input and print one JSON object per line "
        '(a bad line prints {"error": ...} and the batch goes on). Exit status: 0 decoded, '
        "1 some lines of '-' failed, 2 bad input."
    ),
    run=run,
    args=(
        arg("characteristic", nargs="?", help="UUID or name, or '-' for stdin"),
        arg("hex", nargs="*", help="the value as hex (spaces, ':' and '-' allowed)"),
        arg("--list", action="store_true", help="list supported characteristics"),
        INDENT,
    ),
)
