"""Benchmark: milliseconds per validated resource over the PHD IG examples.

Counts every example and every Bundle entry as one resource. Prints numbers, asserts nothing.
Run: ``.venv/bin/python bench/validate.py [ROUNDS]``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

EXAMPLES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "phd-ig" / "examples"


def _count(resource: dict[str, Any]) -> int:
    entries = resource.get("entry", []) if resource.get("resourceType") == "Bundle" else []
    return 1 + len(entries)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    start = time.perf_counter()
    from gateway.validation import validate_resource  # imported here: its time is measured

    imported = time.perf_counter()
    resources = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(EXAMPLES.glob("*.json"))]
    per_round = sum(_count(r) for r in resources)
    first = time.perf_counter()
    for resource in resources:
        validate_resource(resource)
    cold = time.perf_counter() - first
    warm_start = time.perf_counter()
    for _ in range(rounds):
        for resource in resources:
            validate_resource(resource)
    warm = time.perf_counter() - warm_start
    print(f"import: {(imported - start) * 1000:.0f} ms")
    print(f"resources per round: {per_round} (examples: {len(resources)}, with bundle entries)")
    cold_ms = cold * 1000
    print(
        f"first round (loads definitions): {cold_ms:.0f} ms, {cold_ms / per_round:.2f} ms/resource"
    )
    print(f"warm, {rounds} rounds: {warm * 1000 / (rounds * per_round):.2f} ms/resource")


if __name__ == "__main__":
    main()
