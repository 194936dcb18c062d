"""``phg map``: prints the transaction Bundle as exact JSON."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from gateway import exact_json
from gateway.cli import main
from profiles.blood_pressure import encode_blood_pressure_measurement
from tests.fhir.helpers import bp
from tests.profiles.ghs_vectors import ST_NUMERIC

DEVICE_INFO = {
    "manufacturer": "OMRONHEALTHCARE",
    "model": "HEM-9200T",
    "firmware_version": "C.00.7AJ-02",
    "system_id": "71:10:00:FE:FF:5F:49:B0",
    "bluetooth_address": "B0:49:5F:00:10:71",
    "regulated": True,
    "real_time_clock": True,
    "specializations": ["528391"],
}
COMMON = [
    "--received-at",
    "2018-11-11T16:38:20Z",
    "--zone",
    "America/New_York",
    "--phg-system-id",
    "EC-DE-3D-4E-58-53-2D-31",
]


@pytest.fixture
def device_info(tmp_path: Path) -> Path:
    path = tmp_path / "device.json"
    path.write_text(json.dumps(DEVICE_INFO), encoding="utf-8")
    return path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_map_blood_pressure(device_info: Path, capsys: pytest.CaptureFixture[str]) -> None:
    value = encode_blood_pressure_measurement(bp(systolic=Decimal("116.0"))).hex()
    code, out, err = run(
        [
            "map",
            "2A35",
            value,
            "--device-info",
            str(device_info),
            "--patient",
            "p1",
            "--device-clock",
            "2018-11-11T11:38:15",
            *COMMON,
        ],
        capsys,
    )
    assert code == 0, err
    bundle = json.loads(out, parse_float=Decimal)
    assert bundle["type"] == "transaction"
    obs = bundle["entry"][-1]["resource"]
    assert obs["subject"] == {"reference": "Patient/p1"}
    assert obs["effectiveDateTime"] == "2018-11-11T11:38:20-05:00"
    assert '"value":116.0,' in out  # exact decimal text, not 116 or "116.0"
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == [
        "Device",
        "Device",
        "Observation",
        "Observation",
    ]
    device = bundle["entry"][1]["resource"]
    assert device["identifier"][0]["value"] == "B0-49-5F-FF-FE-00-10-71"


def test_map_is_reproducible(device_info: Path, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "map",
        "blood-pressure-measurement",
        encode_blood_pressure_measurement(bp()).hex(),
        "--device-info",
        str(device_info),
        "--patient",
        "urn:oid:1.2|abc",
        *COMMON,
    ]
    first = run(args, capsys)
    second = run(args, capsys)
    assert first == second
    assert first[0] == 0


def test_unbound_user_is_held_back(device_info: Path, capsys: pytest.CaptureFixture[str]) -> None:
    value = encode_blood_pressure_measurement(bp(user_id=2)).hex()
    args = ["map", "2A35", value, "--device-info", str(device_info), "--patient", "p1", *COMMON]
    code, out, err = run(args, capsys)
    assert code == 3
    assert out == ""
    assert "held back" in err
    code, out, _ = run([*args, "--user", "2=p2"], capsys)
    assert code == 0
    assert '"reference":"Patient/p2"' in out


def test_battery_without_device_info(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["map", "2A19", "32", *COMMON, "--indent", "2"], capsys)
    assert code == 0
    assert "placeholder" in err
    bundle = json.loads(out)
    assert bundle["entry"][-1]["resource"]["valueQuantity"]["value"] == 50


def test_transient_data_is_not_mapped(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["map", "2A36", "00 5000 FF07 FF07", *COMMON], capsys)
    assert code == 3
    assert "transient" in err


@pytest.mark.parametrize(
    "args",
    [
        ["map", "2A35", "00"],
        ["map", "FFFF", "00"],
        ["map", "2A49", "0000"],
        ["map", "2A19", "50", "--received-at", "2018-11-11T16:38:20"],
        ["map", "2A19", "50", "--zone", "Nowhere/Else"],
        ["map", "2A19", "50", "--patient", "|x"],
    ],
)
def test_bad_input(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(args, capsys)
    assert code == 2
    assert out == ""
    assert err.startswith("phg map:")


def test_bad_device_info(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "d.json"
    path.write_text(json.dumps({"bluetooth_address": "00:11", "colour": "red"}), "utf-8")
    code, _, err = run(["map", "2A19", "50", "--device-info", str(path)], capsys)
    assert code == 2
    assert "colour" in err


def test_exact_json_keeps_trailing_zeros() -> None:
    assert exact_json.dumps({"v": Decimal("2.00")}) == '{"v":2.00}'


def test_map_ghs_live_observation(device_info: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # One whole segment (first and last, counter 0) holding ST's SpO2 numeric.
    value = "03" + ST_NUMERIC.hex()
    args = ["map", "2B8B", value, "--device-info", str(device_info), "--user", "1=p1", *COMMON]
    code, out, err = run(args, capsys)
    assert code == 0, err
    observations = [
        e["resource"] for e in json.loads(out)["entry"] if "valueQuantity" in e["resource"]
    ]
    assert [o["valueQuantity"]["value"] for o in observations] == [98]


def test_mapped_bundle_of_a_bare_device_validates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A device without Device Information strings or versions gives a Bundle that ``phg
    validate`` accepts (the field finding: PhdDevice manufacturer/modelNumber/version are 1..1
    in the IG; the data-absent-reason extension fills them without inventing values)."""
    info = tmp_path / "device.json"
    info.write_text(json.dumps({"bluetooth_address": "AA:BB:CC:DD:EE:FF"}), encoding="utf-8")
    value = encode_blood_pressure_measurement(bp()).hex()
    args = ["map", "2A35", value, "--device-info", str(info), "--patient", "p1", *COMMON]
    code, out, _ = run(args, capsys)
    assert code == 0
    bundle = tmp_path / "bundle.json"
    bundle.write_text(out, encoding="utf-8")
    [device] = [
        e["resource"]
        for e in json.loads(out)["entry"]
        if "PhdDevice" in e["resource"]["meta"]["profile"][0]
    ]
    assert "_manufacturer" in device
    assert main(["validate", str(bundle)]) == 0
    assert " 0 error(s)" in capsys.readouterr().out
