"""``phg map`` for a device without Device Information strings or versions produces a Bundle
that ``phg validate`` accepts (the field finding: PhdDevice manufacturer/modelNumber/version are
1..1 in the IG; the data-absent-reason extension fills them without inventing values)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.cli import main
from profiles.blood_pressure import encode_blood_pressure_measurement
from tests.fhir.helpers import bp


def test_mapped_bundle_of_a_bare_device_validates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    info = tmp_path / "device.json"
    info.write_text(json.dumps({"bluetooth_address": "AA:BB:CC:DD:EE:FF"}), encoding="utf-8")
    value = encode_blood_pressure_measurement(bp()).hex()
    code = main(
        [
            "map",
            "2A35",
            value,
            "--device-info",
            str(info),
            "--patient",
            "p1",
            "--received-at",
            "2018-11-11T16:38:20Z",
            "--zone",
            "America/New_York",
            "--phg-system-id",
            "EC-DE-3D-4E-58-53-2D-31",
        ]
    )
    out = capsys.readouterr().out
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
