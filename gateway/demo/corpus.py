"""``phg demo --decode-only``: decode the bundled capture corpus (:mod:`gateway.corpus`, the
``captures.log`` of each profile) and print each measurement as JSON; no Bluetooth, no
server."""

from __future__ import annotations

import sys
from importlib.resources.abc import Traversable

from gateway import exact_json
from gateway.corpus import log_files
from gateway.measurement_json import decode_line
from profiles.capture_log import read_lines


def decode_corpus(corpus: Traversable) -> int:
    logs = log_files(corpus, samples=False)
    if not logs:
        print(f"phg demo: no capture logs in {corpus}", file=sys.stderr)
        return 2
    shown = 0
    for name, log in logs:
        print(f"\n=== {name}")
        for line in read_lines(log.read_text().splitlines()):
            if line.comment:
                print(f"\n# {line.comment}")
            print(f"$ phg decode {line.characteristic} {line.hex}")
            result = decode_line(line)
            if "error" in result:
                print(f"error: {result['error']}")
                continue
            print(exact_json.dumps(result["value"], indent=2))
            shown += 1
    print(f"\n{shown} payloads decoded. Try: phg decode --list")
    return 0
