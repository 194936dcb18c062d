"""``phg validate`` on hostile input: resource ids against the R4 id pattern, absurd nesting
(one line, exit 2, no traceback), and invariants skipped only where they cannot fail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from gateway.cli import main
from gateway.cli.validate import MAX_DEPTH, depth
from gateway.validation import validate_resource

OBSERVATION: dict[str, Any] = {
    "resourceType": "Observation",
    "status": "final",
    "code": {"text": "x"},
}


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["validate", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def errors(resource: dict[str, Any]) -> list[str]:
    return [f"{i.path}: {i.message}" for i in validate_resource(resource) if i.severity == "error"]


@pytest.mark.parametrize("bad", ["../x y", "a/b", "", "x" * 65, "ümlaut", "a_b"])
def test_a_resource_id_must_match_the_r4_id_pattern(bad: str) -> None:
    assert errors({"resourceType": "Patient", "id": bad}) == [
        f"Patient.id: {bad!r} is not a valid id"
    ]


def test_the_id_pattern_applies_inside_a_bundle() -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {
                "fullUrl": "http://x.org/Patient/a",
                "resource": {"resourceType": "Patient", "id": "a"},
            },
            {"resource": {**OBSERVATION, "id": "../x y"}},
        ],
    }
    assert errors(bundle) == ["Bundle.entry[1].resource.id: '../x y' is not a valid id"]


@pytest.mark.parametrize("good", ["a", "A-1.b", "x" * 64, "0"])
def test_valid_resource_ids_pass(good: str) -> None:
    assert errors({"resourceType": "Patient", "id": good}) == []


def test_an_element_id_is_a_string_not_an_id() -> None:
    assert (
        errors({"resourceType": "Patient", "id": "p", "name": [{"id": "x y/z", "text": "A"}]}) == []
    )


def test_the_cli_reports_a_bad_id_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "patient.json"
    path.write_text('{"resourceType":"Patient","id":"../x y"}', encoding="utf-8")
    code, out, _ = run(capsys, str(path))
    assert code == 1
    assert out.splitlines()[0] == f"{path}: ERROR Patient.id: '../x y' is not a valid id"


@pytest.mark.parametrize(
    "text",
    [
        "[" * 100_000,
        '{"resourceType":"Patient","x":' + "[" * 100_000,
        '{"resourceType":"Patient","x":' + "[" * 5_000 + "]" * 5_000 + "}",
        '{"resourceType":"Patient","x":' + "[" * MAX_DEPTH + "]" * MAX_DEPTH + "}",
    ],
)
def test_absurd_nesting_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    path = tmp_path / "deep.json"
    path.write_text(text, encoding="utf-8")
    code, _, err = run(capsys, str(path))
    assert code == 2
    assert err == f"phg validate: {path}: JSON nested more than {MAX_DEPTH} levels deep\n"


def test_nesting_up_to_the_limit_is_validated(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    inner = MAX_DEPTH - 1
    path = tmp_path / "deep.json"
    path.write_text('{"resourceType":"Patient","x":' + "[" * inner + "]" * inner + "}")
    code, out, err = run(capsys, str(path))
    assert (code, err) == (1, "")
    assert "unknown element 'x'" in out


def test_depth() -> None:
    assert depth(1) == 0
    assert depth([]) == 1
    assert depth({"a": [1, {"b": []}]}) == 4
    assert depth([[[]], [], [[[[]]]]]) == 5


def test_invariant_shortcuts_still_report_what_fails() -> None:
    nested = {
        "resourceType": "Patient",
        "id": "a",
        "contained": [
            {
                "resourceType": "Patient",
                "id": "c",
                "contained": [{"resourceType": "Patient", "id": "d"}],
            }
        ],
    }
    assert any("dom-2" in e for e in errors(nested))
    local = {**OBSERVATION, "subject": {"reference": "#nope"}}
    assert any("ref-1" in e for e in errors(local))
    assert errors({**OBSERVATION, "subject": {"reference": "Patient/p"}}) == []
