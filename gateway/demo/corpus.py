"""``phg demo --decode-only``: decode the bundled capture corpus (``tests/corpus/*.log``) and
print each measurement as JSON; no Bluetooth, no server."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Final

from gateway import exact_json
from gateway.cli.decode import decode_to_json, parse_hex
from profiles.errors import DecodeError
from profiles.registry import lookup

CORPUS: Final = Path(__file__).resolve().parents[2] / "tests" / "corpus"


def decode_corpus(corpus: Path) -> int:
    logs = sorted(p for p in corpus.glob("*.log") if not p.name.startswith("samples-"))
    if not logs:
        print(f"phg demo: no capture logs in {corpus}", file=sys.stderr)
        return 2
    shown = 0
    for path in logs:
        print(f"\n=== {path.name}")
        comment = ""
        for line in path.read_text().splitlines():
            text = line.strip()
            if text.startswith("#"):
                comment = text.lstrip("# ")
                continue
            if not text:
                continue
            key, _, hex_text = text.lstrip("!").partition(" ")
            if comment:
                print(f"\n# {comment}")
                comment = ""
            print(f"$ phg decode {key} {hex_text}")
            try:
                result = decode_to_json(lookup(key), parse_hex(hex_text))
            except (DecodeError, LookupError, ValueError) as exc:
                print(f"error: {exc}")
                continue
            print(exact_json.dumps(result["value"], indent=2))
            shown += 1
    print(f"\n{shown} payloads decoded. Try: phg decode --list")
    return 0
