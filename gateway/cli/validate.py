"""``phg validate``: validate FHIR resources or Bundles (JSON files) against the PHD IG."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Final, TextIO

from gateway.cli.command import Command, arg
from gateway.validation import Issue, validate_resource

EXIT_INVALID = 1
EXIT_BAD_INPUT = 2
MAX_DEPTH = 100
"""Deepest JSON nesting accepted; FHIR resources stay far below, and the validator recurses."""


def _load(path: str) -> dict[str, Any]:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"cannot read: {exc}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc}") from None
    except RecursionError:
        raise ValueError(f"JSON nested more than {MAX_DEPTH} levels deep") from None
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    if depth(data) > MAX_DEPTH:
        raise ValueError(f"JSON nested more than {MAX_DEPTH} levels deep")
    return data


def depth(value: Any) -> int:
    """How deeply arrays and objects nest in ``value`` (a scalar: 0), without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        deepest = max(deepest, level + 1)
        stack.extend((child, level + 1) for child in item if isinstance(child, dict | list))
    return deepest


def _line(path: str, issue: Issue) -> str:
    return f"{path}: {issue.severity.upper()} {issue.path}: {issue.message}"


def run(args: argparse.Namespace) -> int:
    out: TextIO = sys.stdout
    counts = {"error": 0, "warning": 0, "information": 0}
    bad_input = 0
    for path in args.files:
        try:
            resource = _load(path)
        except ValueError as exc:
            print(f"phg validate: {path}: {exc}", file=sys.stderr)
            bad_input += 1
            continue
        try:
            issues = list(validate_resource(resource, args.profile))
        except RecursionError:  # not expected below MAX_DEPTH; never a traceback
            print(f"phg validate: {path}: nested too deeply to validate", file=sys.stderr)
            bad_input += 1
            continue
        for issue in issues:
            counts[issue.severity] += 1
            out.write(_line(path, issue) + "\n")
    checked = len(args.files) - bad_input
    out.write(
        f"{checked} file(s) validated: {counts['error']} error(s), "
        f"{counts['warning']} warning(s), {counts['information']} information"
        + (f"; {bad_input} file(s) unreadable" if bad_input else "")
        + "\n"
    )
    if bad_input:
        return EXIT_BAD_INPUT
    return EXIT_INVALID if counts["error"] else 0


COMMAND: Final = Command(
    "validate",
    help="validate FHIR resources against the PHD IG 2.0.0 profiles (offline)",
    description=(
        "Validate each FILE (a FHIR R4 resource or Bundle as JSON) against its meta.profile "
        "(or the --profile URLs) and base FHIR R4, offline. Prints one line per issue, "
        "'FILE: SEVERITY PATH: MESSAGE', then a summary. Exit status: 0 valid (warnings "
        "allowed), 1 errors found, 2 a file could not be read, is not JSON or nests "
        f"deeper than {MAX_DEPTH} levels."
    ),
    run=run,
    args=(
        arg(
            "files",
            nargs="+",
            metavar="FILE",
            help="JSON file(s) to validate ('-': standard input)",
        ),
        arg(
            "--profile",
            action="append",
            metavar="URL",
            help="validate against this profile instead of meta.profile (repeatable)",
        ),
    ),
)
