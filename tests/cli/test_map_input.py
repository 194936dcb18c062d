"""``phg map`` checks its input (device-info types, user index, patient id) and keeps standard
output for the Bundle alone."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gateway.cli import main
from gateway.cli.map_input import parse_patient
from gateway.fhir.patient import PatientId, PatientIdentifier

BP_HEX = "1e780050005d00ea070b16081e2d4800022d00"  # user index 2
GLUCOSE_CONTROL = "02 0100 ea070b16081e2d 01d0 1a"  # a control-solution test
ADDRESS = "B0:49:5F:00:10:71"
COMMON = ["--received-at", "2026-11-22T08:31:00Z", "--phg-system-id", "EC-DE-3D-4E-58-53-2D-31"]


def device_file(tmp_path: Path, **info: Any) -> str:
    path = tmp_path / "device.json"
    path.write_text(json.dumps({"bluetooth_address": ADDRESS, **info}), encoding="utf-8")
    return str(path)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["map", *argv, *COMMON])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.parametrize(
    ("info", "message"),
    [
        ({"manufacturer": 5}, "manufacturer must be a string or null, not a number"),
        ({"model": ["HEM"]}, "model must be a string or null, not an array"),
        ({"serial": ""}, "serial must not be empty (null when unknown)"),
        (
            {"firmware_version": True},
            "firmware_version must be a string or null, not a boolean",
        ),
        ({"system_id": 17}, "system_id must be a string or null, not a number"),
        ({"regulated": "yes"}, "regulated must be true, false or null, not a string"),
        ({"time_sync": {"code": 1}}, "time_sync must be an MDC code (digits), not an object"),
        ({"specializations": "528391"}, "specializations must be an array of MDC codes (digits)"),
        ({"specializations": [True]}, "specializations must be an array of MDC codes (digits)"),
    ],
)
def test_device_info_types_are_checked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], info: dict[str, Any], message: str
) -> None:
    path = device_file(tmp_path, **info)
    code, out, err = run(capsys, "2A35", BP_HEX, "--device-info", path, "--user", "2=p1")
    assert (code, out) == (2, "")
    assert err == f"phg map: --device-info {path}: {message}\n"


@pytest.mark.parametrize("binding", ["300=p1", "255=p1", "256=p1"])
def test_the_user_index_is_0_to_254(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], binding: str
) -> None:
    code, out, err = run(
        capsys, "2A35", BP_HEX, "--device-info", device_file(tmp_path), "--user", binding
    )
    assert (code, out) == (2, "")
    assert (
        err == f"phg map: --user {binding!r}: user index must be 0..254 (255 is 'unknown user')\n"
    )


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--user", "2=../../etc/passwd"),
        ("--user", "2=two words"),
        ("--user", "2=" + "x" * 65),
        ("--patient", "a/b"),
        ("--patient", "Patient/"),
    ],
)
def test_a_patient_id_must_match_the_fhir_id_pattern(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str
) -> None:
    code, out, err = run(
        capsys, "2A35", BP_HEX, "--device-info", device_file(tmp_path), option, value
    )
    assert (code, out) == (2, "")
    assert err.startswith("phg map: patient ")
    assert err.endswith(
        "a Patient logical id has 1 to 64 letters, digits, '-' or '.' (or give SYSTEM|VALUE)\n"
    )
    assert err.count("\n") == 1


def test_patient_forms() -> None:
    assert parse_patient("p-1.x") == PatientId("p-1.x")
    assert parse_patient("Patient/p1") == PatientId("p1")
    assert parse_patient("urn:oid:1.2.3|MRN 7") == PatientIdentifier("urn:oid:1.2.3", "MRN 7")
    with pytest.raises(ValueError, match="SYSTEM must be a URI"):
        parse_patient("hospital|7")


def test_a_bound_user_maps_to_a_valid_reference(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "2A35", BP_HEX, "--device-info", device_file(tmp_path), "--user", "2=Patient/p-1"
    )
    assert (code, err) == (0, "")
    subjects = {
        e["resource"]["subject"]["reference"]
        for e in json.loads(out)["entry"]
        if "subject" in e["resource"]
    }
    assert {s for s in subjects if not s.startswith("urn:uuid:")} == {"Patient/p-1"}


def test_a_skipped_reading_leaves_standard_output_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(
        capsys, "2A18", GLUCOSE_CONTROL, "--device-info", device_file(tmp_path), "--patient", "p"
    )
    assert code == 3
    assert out == ""
    assert "glucose_control_solution_skipped" in err
    assert err.endswith(
        "phg map: not mapped: control-solution test: a meter quality check, not patient data\n"
    )
