"""Every ``PHG_…`` variable the scripts and the tests read is known to ``phg``: none of them
makes ``phg`` warn "not a PHG setting" (it did inside the real-BlueZ VM, whose scripts export
``PHG_BLUETOOTHD_LOG`` and ``PHG_REAL_BLUEZ``)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.config import env

ROOT = Path(__file__).resolve().parents[2]
READERS = [
    *sorted((ROOT / "scripts").rglob("*.sh")),
    ROOT / ".ci" / "run",
    *sorted((ROOT / "tests").rglob("*.py")),
]
SETTING = re.compile(r"\b(PHG_[A-Z][A-Z0-9_]*)")
READ_IN_PYTHON = re.compile(r"environ(?:\.get\(|\[)\s*\"(PHG_[A-Z0-9_]+)\"")


def variables_read() -> set[str]:
    names: set[str] = set()
    for path in READERS:
        text = path.read_text(encoding="utf-8")
        found = READ_IN_PYTHON.findall(text) if path.suffix == ".py" else SETTING.findall(text)
        names.update(found)
    return names


def test_the_scripts_and_tests_read_variables() -> None:
    assert {"PHG_VENV", "PHG_WITH_REAL_BLUEZ", "PHG_FUZZ_EXAMPLES"} <= variables_read()


@pytest.mark.parametrize("name", sorted(variables_read()))
def test_no_variable_of_the_scripts_or_tests_is_an_unknown_setting(name: str) -> None:
    assert env.unknown({name: "1"}) == []
