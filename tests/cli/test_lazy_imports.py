"""Offline commands import only what they use: no Bluetooth, D-Bus, HTTP or crypto stack for
``phg decode``, ``phg map`` and ``phg validate`` (bench/cli.py measures the time)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BP = "1e780050005d00ea070b16081e2d4800022d00"
OFFLINE_FORBIDDEN = ("bleak", "dbus_fast", "httpx", "cryptography", "ssl")
MAP = ["map", "2A35", BP, "--device-info", str(ROOT / "config/device-info.example.json"),
       "--patient", "p1", "--user", "2=p1", "--received-at", "2026-11-22T08:31:00Z"]  # fmt: skip


def _loaded_after(args: list[str]) -> tuple[set[str], str]:
    code = (
        "import json, runpy, sys\n"
        f"sys.argv = ['phg', *{args!r}]\n"
        "try:\n    runpy.run_module('gateway', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    return set(json.loads(done.stderr.splitlines()[-1])), done.stdout


def _top(modules: set[str]) -> set[str]:
    return {m.partition(".")[0] for m in modules}


@pytest.mark.parametrize("command", ["decode", "map", "validate"])
def test_offline_commands_load_no_network_or_bluetooth_stack(command: str, tmp_path: Path) -> None:
    _, bundle = _loaded_after(MAP)
    (tmp_path / "bundle.json").write_text(bundle)
    args = {"decode": ["decode", "2A35", BP], "map": MAP}.get(
        command, ["validate", str(tmp_path / "bundle.json")]
    )
    loaded, out = _loaded_after(args)
    assert out  # the command did its work
    assert not _top(loaded) & set(OFFLINE_FORBIDDEN)


def test_decode_loads_only_its_profile() -> None:
    loaded, out = _loaded_after(["decode", "2A35", BP])
    assert json.loads(out)["value"]["systolic"] == 120
    assert "profiles.blood_pressure" in loaded
    assert not {"profiles.glucose", "profiles.cgm", "profiles.weight_scale"} & loaded
    assert not {"gateway.cli.run", "gateway.cli.simulate", "gateway.fhir.connection"} & loaded
