"""A scanner that starts after BlueZ already knows the device (docs/real-bluez.md, finding 10).

bluetoothd signals a known device only when its advertising data or RSSI change, and bleak
reports a device only on such a signal, so a second ``phg scan`` or a restarted gateway never
heard of a device whose advertisements stay the same. BlueZoo's ``--report-changes-only`` makes
the test bus behave that way (without it, PHG's BlueZoo signals every advertising report); the
scanner then has to take the devices BlueZ knows and saw recently at start."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.cli import main as phg
from profiles import blood_pressure as bp
from simulators.testbus import TestBus

from .conftest import StartSimulator, checked_test_bus
from .gateway_run import serve

pytestmark = pytest.mark.integration

MODULE = "simulators.blood_pressure"
MEASUREMENT = bp.BLOOD_PRESSURE_MEASUREMENT.uuid16


@pytest.fixture(scope="module")
def testbus() -> Iterator[TestBus]:
    with checked_test_bus(2, bluezoo_args=["--report-changes-only"]) as bus:
        yield bus


def _scan(capsys: pytest.CaptureFixture[str]) -> str:
    assert phg(["scan", "--adapter", "hci0", "--timeout", "1.5", "--json"]) == 0
    return capsys.readouterr().out


def test_a_second_scan_lists_a_device_bluez_already_knows(
    start_simulator: StartSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = start_simulator(MODULE, ["--records", "1", "--name", "PHG-BP-KNOWN"])
    first = _scan(capsys)  # BlueZ adds the device's object: reported by the object's addition
    assert "PHG-BP-KNOWN" in first
    second = _scan(capsys)  # the same object, nothing changed: no signal at all
    assert "PHG-BP-KNOWN" in second
    assert '"blood-pressure"' in second
    assert sim.ready["address"] in second


def test_a_gateway_started_after_a_scan_serves_the_known_device(
    start_simulator: StartSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = start_simulator(MODULE, ["--records", "2", "--seed", "3", "--name", "PHG-BP-LATER"])
    expected = [bytes.fromhex(h) for h in sim.ready["records"]]
    assert "PHG-BP-LATER" in _scan(capsys)
    sink, _session = serve("PHG-BP-LATER", lambda s: len(s.measurements(MEASUREMENT)) >= 2)
    assert [m.raw for m in sink.measurements(MEASUREMENT)] == expected


def test_a_device_that_readvertises_is_found_and_served(
    start_simulator: StartSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--readvertise`` (for btvirt, docs/real-bluez.md finding 16) re-registers the
    advertisement through BlueZ's real D-Bus calls; the device stays discoverable and
    connectable, and its re-registrations stop while the gateway is connected."""
    sim = start_simulator(
        MODULE, ["--records", "2", "--seed", "4", "--name", "PHG-BP-READV", "--readvertise", "0.2"]
    )
    expected = [bytes.fromhex(h) for h in sim.ready["records"]]
    assert "PHG-BP-READV" in _scan(capsys)  # several re-registrations within the scan
    sink, _session = serve("PHG-BP-READV", lambda s: len(s.measurements(MEASUREMENT)) >= 2)
    assert [m.raw for m in sink.measurements(MEASUREMENT)] == expected
    assert not [e for e in sim.events if e.get("event") == "error"]
