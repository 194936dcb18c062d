"""The registry's static INDEX (what lets ``lookup`` import one profile module) matches the
modules' own CHARACTERISTICS, and a lookup imports no other profile."""

from __future__ import annotations

import importlib
import subprocess
import sys

from profiles import registry


def test_index_lists_every_characteristic_of_every_module_once() -> None:
    declared = {
        c.name: (c.uuid16, module_name)
        for module_name in registry.PROFILE_MODULES
        for c in importlib.import_module(module_name).CHARACTERISTICS
    }
    assert dict(registry.INDEX) == declared


def test_lookup_by_uuid_name_and_base_uuid_finds_the_same_descriptor() -> None:
    for name, (uuid16, _) in registry.INDEX.items():
        found = registry.lookup(name)
        assert found.name == name
        assert registry.lookup(uuid16) is found
        assert registry.lookup(f"0x{uuid16:04x}") is found
        assert registry.lookup(f"0000{uuid16:04x}-0000-1000-8000-00805f9b34fb") is found
    assert registry.BY_NAME["glucose-measurement"] is registry.lookup("2A18")
    assert len(registry.ALL) == len(registry.INDEX)


def test_a_lookup_imports_only_its_own_profile_module() -> None:
    code = (
        "import sys; from profiles.registry import lookup; lookup('2A35'); "
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('profiles.'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    loaded = [m for m in out if m in registry.PROFILE_MODULES]
    assert "profiles.blood_pressure" in loaded
    assert set(loaded) <= {"profiles.blood_pressure", "profiles.date_time"}  # and what it imports
