"""The real-BlueZ suite runs only inside the VM of ``scripts/real-bluez.sh`` (which sets
``PHG_REAL_BLUEZ=1`` after starting D-Bus, btvirt and bluetoothd). Elsewhere every test here is
skipped with that reason; ``scripts/test.sh`` runs the script after the host suite, so CI still
runs them."""

from __future__ import annotations

import os

import pytest

IN_VM = os.environ.get("PHG_REAL_BLUEZ") == "1"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip = pytest.mark.skip(
        reason="real BlueZ: runs in the VM of scripts/real-bluez.sh (scripts/test.sh runs it)"
    )
    for item in items:
        if "realbluez" in item.nodeid.split("::")[0].split("/"):
            item.add_marker(pytest.mark.realbluez)
            if not IN_VM:
                item.add_marker(skip)
