"""The gateway's BLE layer end to end over the test bus: HealthScanner + DeviceSession on hci0
against the simulated blood pressure monitor on hci1 (bleak's real BlueZ backend, BlueZoo with
PHG's fixes). The test bus cannot show pairing, radio timing or RSSI (always 0)."""

from __future__ import annotations

import pytest

from gateway.ble.events import SessionStateEvent
from gateway.ble.session import SessionConfig
from gateway.cli import main as phg
from profiles import blood_pressure as bp
from simulators.runner import SimulatorProcess

from .conftest import StartSimulator
from .gateway_run import serve

pytestmark = pytest.mark.integration

MODULE = "simulators.blood_pressure"
MEASUREMENT = bp.BLOOD_PRESSURE_MEASUREMENT.uuid16
CONFIG = SessionConfig(step_timeout=5.0, connect_timeout=20.0)


def _expected(sim: SimulatorProcess) -> list[bytes]:
    return [bytes.fromhex(h) for h in sim.ready["records"]]


def test_phg_scan_lists_the_simulated_monitor(
    start_simulator: StartSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    sim = start_simulator(MODULE, ["--records", "1"])
    assert phg(["scan", "--adapter", "hci0", "--timeout", "1.5", "--json"]) == 0
    out = capsys.readouterr().out
    assert sim.ready["name"] in out
    assert '"blood-pressure"' in out


def test_bp_end_to_end_values_identical_to_what_the_simulator_sent(
    start_simulator: StartSimulator,
) -> None:
    sim = start_simulator(MODULE, ["--records", "3", "--seed", "11"])
    expected = _expected(sim)
    sink, session = serve(
        sim.ready["name"], lambda s: len(s.measurements(MEASUREMENT)) >= len(expected), CONFIG
    )
    sim.wait_for("transfer-complete")
    got = sink.measurements(MEASUREMENT)
    assert [m.raw for m in got] == expected == sim.sent(bp.BLOOD_PRESSURE_MEASUREMENT.uuid)
    assert [m.value for m in got] == [bp.decode_blood_pressure_measurement(r) for r in expected]
    facts = got[0].connection
    assert facts.device_information.manufacturer == "PHG Simulators"
    assert facts.device_information.model == "BP-SIM-1"
    assert facts.device_information.system_id_eui64 is not None
    assert facts.battery_percent == 90
    assert facts.adapter == "hci0"
    assert facts.clock is not None
    assert facts.clock.offset is not None
    assert abs(facts.clock.offset.total_seconds()) < 5
    assert facts.features["blood-pressure-feature"] == sim.ready["features"]
    assert session.stats.decode_errors == 0


def test_device_initiated_disconnect_then_reconnect(start_simulator: StartSimulator) -> None:
    sim = start_simulator(
        MODULE, ["--records", "2", "--seed", "5", "--keep-records", "--disconnect-after", "0.2"]
    )
    expected = _expected(sim)
    sink, session = serve(
        sim.ready["name"], lambda s: len(s.measurements(MEASUREMENT)) >= 2 * len(expected), CONFIG
    )
    assert [m.raw for m in sink.measurements(MEASUREMENT)][: 2 * len(expected)] == expected * 2
    numbers = sorted({m.connection.connection_number for m in sink.measurements(MEASUREMENT)})
    assert numbers[:2] == [1, 2]
    assert session.stats.disconnects >= 1
    states = [e.state.value for e in sink.events if isinstance(e, SessionStateEvent)]
    assert states.count("connected") >= 2
    assert "disconnected" in states
