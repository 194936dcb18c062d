"""The real-BlueZ suite runs only inside the VM of ``scripts/real-bluez.sh`` (which sets
``PHG_REAL_BLUEZ=1`` after starting D-Bus, btvirt and bluetoothd); elsewhere ``tests/conftest.py``
does not collect this folder. ``scripts/test.sh`` runs the script after the host suite only with
``PHG_WITH_REAL_BLUEZ=1`` until the suite passes reliably (issue 12, docs/real-bluez.md)."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture(autouse=True)
def bluetoothd_alive(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with a running bluetoothd; one that died during a test (bluetoothd 5.66
    has crashed here, see docs/real-bluez.md) fails that test and is restarted for the next."""
    if not IN_VM or request.node.get_closest_marker("realbluez") is None:
        yield
        return
    if not _bluez_running():
        restart_bluetoothd()
    yield
    if not _bluez_running():
        restart_bluetoothd()
        pytest.fail("bluetoothd died during this test (see bluetoothd.log and dmesg.log)")


def _bluez_running() -> bool:
    result = subprocess.run(
        [
            "dbus-send",
            "--system",
            "--print-reply",
            "--dest=org.freedesktop.DBus",
            "/",
            "org.freedesktop.DBus.NameHasOwner",
            "string:org.bluez",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    return "boolean true" in result.stdout


def restart_bluetoothd() -> None:
    log = open(os.environ.get("PHG_BLUETOOTHD_LOG", "/tmp/bluetoothd.log"), "ab")  # noqa: SIM115
    subprocess.Popen(
        ["/usr/libexec/bluetooth/bluetoothd", "-n", "-d"],
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not _bluez_running():
        if time.monotonic() > deadline:
            pytest.fail("bluetoothd did not come back within 60 s")
        time.sleep(0.5)
    time.sleep(2)  # the adapters register right after the name


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """In the VM: each failure's report right away in /phg-results/failures.log (the host can
    follow it while the suite runs; pytest prints failures only at the end)."""
    results = Path("/phg-results")
    if IN_VM and report.failed and results.is_dir():
        with (results / "failures.log").open("a", encoding="utf-8") as out:
            out.write(f"=== {report.nodeid} ({report.when})\n{report.longreprtext}\n")
