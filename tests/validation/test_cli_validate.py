"""``phg validate``: output format and exit status."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from gateway.cli import main
from tests.validation._fixtures import CASES, EXAMPLES, PHD

LINE = re.compile(
    r"^(?P<file>.+): (?P<severity>ERROR|WARNING|INFORMATION) (?P<path>\S+): (?P<msg>.+)$"
)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str], str]:
    code = main(["validate", *args])
    captured = capsys.readouterr()
    return code, captured.out.splitlines(), captured.err


def test_valid_file_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run(capsys, str(EXAMPLES / "glucose-observation.json"))
    assert code == 0
    assert lines == ["1 file(s) validated: 0 error(s), 0 warning(s), 0 information"]


def test_errors_exit_1_with_one_line_per_issue(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(CASES / "neg-bp-no-device.json")
    code, lines, _ = run(capsys, path, str(EXAMPLES / "glucose-observation.json"))
    assert code == 1
    match = LINE.match(lines[0])
    assert match is not None
    assert match["file"] == path
    assert match["severity"] == "ERROR"
    assert match["path"] == "Observation.device"
    assert lines[-1] == "2 file(s) validated: 1 error(s), 0 warning(s), 0 information"


def test_warnings_do_not_fail(capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, _ = run(capsys, str(CASES / "warn-bp-code-no-mdc.json"))
    assert code == 0
    assert any(" WARNING Observation.code: mdc-1" in line for line in lines)


def test_profile_option(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    device = json.loads((EXAMPLES / "phd-711000FEFF5F49B0.B0495F001071.json").read_text())
    del device["manufacturer"]
    del device["meta"]
    path = tmp_path / "device.json"
    path.write_text(json.dumps(device))
    assert run(capsys, str(path))[0] == 0
    code, lines, _ = run(capsys, str(path), "--profile", PHD + "PhdDevice")
    assert code == 1
    assert (
        f"{path}: ERROR Device.manufacturer: manufacturer: minimum required = 1, found 0" in lines
    )


def test_bundle_paths(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    bundle = json.loads((EXAMPLES / "bundle-example-1.json").read_text())
    bundle["entry"][3]["resource"]["status"] = "bogus"
    path = tmp_path / "bundle.json"
    path.write_text(json.dumps(bundle))
    code, lines, _ = run(capsys, str(path))
    assert code == 1
    assert any(": ERROR Bundle.entry[3].resource.status: " in line for line in lines)


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", None])
def test_unreadable_input_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str | None
) -> None:
    path = tmp_path / "input.json"
    if content is not None:
        path.write_text(content)
    code, lines, err = run(capsys, str(path), str(EXAMPLES / "glucose-observation.json"))
    assert code == 2
    assert err.startswith(f"phg validate: {path}: ")
    assert lines[-1].endswith("; 1 file(s) unreadable")
