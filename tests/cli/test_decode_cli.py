"""``phg decode`` end to end through the CLI entry point."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.cli import main

BP_HEX = "1e780050005d00ea070b16081e2d4800022d00"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("key", ["2A35", "0x2a35", "blood-pressure-measurement"])
def test_decode_by_uuid_or_name(capsys: pytest.CaptureFixture[str], key: str) -> None:
    code, out, err = run(capsys, "decode", key, BP_HEX)
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["characteristic"] == "blood-pressure-measurement"
    assert result["uuid"] == "2A35"
    assert result["type"] == "BloodPressureMeasurement"
    assert result["value"] == {
        "systolic": 120,
        "diastolic": 80,
        "mean_arterial_pressure": 93,
        "unit": "mm[Hg]",
        "timestamp": "2026-11-22T08:30:45",
        "pulse_rate": 72,
        "user_id": 2,
        "status": {
            "body_movement_detected": True,
            "cuff_too_loose": False,
            "irregular_pulse_detected": True,
            "pulse_rate_range": "exceeds_upper_limit",
            "improper_measurement_position": True,
        },
    }


def test_exact_numbers_and_special_values(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "decode", "2A35", "01 a0f0 b0e4 ff07")
    assert code == 0
    assert '"systolic":16.0,"diastolic":12.00,"mean_arterial_pressure":"NaN"' in out


def test_feature_bits_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "decode", "blood-pressure-feature", "2100")
    assert code == 0
    assert json.loads(out)["value"] == ["body_movement_detection", "multiple_bond"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["2A35", "1e78"], "blood-pressure-measurement: byte 1: truncated"),
        (["9999", "00"], "unknown characteristic '9999'"),
        (["2A35", "zz"], "not a hex string"),
    ],
)
def test_bad_input_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, out, err = run(capsys, "decode", *argv)
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert message in err


def test_list(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "decode", "--list")
    assert code == 0
    assert "2A35  blood-pressure-measurement" in out
    assert "2A19  battery-level" in out


def test_batch_from_stdin_survives_bad_lines(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    capture = f"# a capture log\n2A35 {BP_HEX}\n2A19 65\n\nbattery-level 5a\nnope 00\n"
    monkeypatch.setattr(sys, "stdin", io.StringIO(capture))
    code, out, err = run(capsys, "decode", "-")
    assert code == 1  # some lines failed
    assert err == "phg decode: 2 line(s) could not be decoded\n"
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == 4
    assert lines[0]["value"]["systolic"] == 120
    assert lines[1] == {
        "error": "line 3: battery-level: byte 0: battery level 101 is out of range 0..100"
    }
    assert lines[2]["value"] == {"percent": 90}
    assert set(lines[3]) == {"error"}


def test_console_script() -> None:
    phg = Path(sys.executable).with_name("phg")
    result = subprocess.run(
        [str(phg), "decode", "0x2A19", "64"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["value"] == {"percent": 100}
