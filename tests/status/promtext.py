"""A strict reader of the Prometheus text format 0.0.4, written from the format's description
(not from the code under test): comment lines ``# HELP name text`` / ``# TYPE name kind``,
sample lines ``name{label="value",...} number``."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

SAMPLE = re.compile(
    r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)"
    r'(?:\{(?P<labels>(?:[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\]|\\.)*",?)*)\})?'
    r" (?P<value>\S+)$"
)
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


@dataclass(frozen=True)
class Sample:
    name: str
    labels: dict[str, str]
    value: float


def parse(text: str) -> tuple[dict[str, str], list[Sample]]:
    """(metric name -> TYPE, samples); raises AssertionError on any malformed line."""
    assert text.endswith("\n"), "the exposition must end with a newline"
    types: dict[str, str] = {}
    samples: list[Sample] = []
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            assert kind in ("counter", "gauge", "histogram", "summary", "untyped"), line
            assert name not in types, f"TYPE twice for {name}"
            types[name] = kind
        elif line.startswith("# HELP "):
            assert len(line.split(" ", 3)) == 4, line
        else:
            match = SAMPLE.match(line)
            assert match, f"malformed sample line: {line!r}"
            labels = {
                k: v.encode().decode("unicode_escape")
                for k, v in LABEL.findall(match["labels"] or "")
            }
            value = (
                float(match["value"])
                if match["value"] not in ("+Inf", "-Inf")
                else (math.inf if match["value"] == "+Inf" else -math.inf)
            )
            samples.append(Sample(match["name"], labels, value))
    for sample in samples:
        base = re.sub(r"_(bucket|sum|count)$", "", sample.name)
        assert sample.name in types or base in types, f"sample {sample.name} has no TYPE"
    return types, samples


def value(samples: list[Sample], name: str, **labels: str) -> float:
    found = [s.value for s in samples if s.name == name and s.labels == labels]
    assert len(found) == 1, f"{name}{labels}: {found}"
    return found[0]
