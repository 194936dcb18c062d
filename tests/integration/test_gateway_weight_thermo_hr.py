"""The gateway's BLE layer (HealthScanner + DeviceSession on hci0) against the simulated weight
scale, thermometer and heart rate sensor on hci1: the values the session emits are exactly
those the simulators sent."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from gateway.ble.events import MeasurementEvent
from gateway.ble.session import DeviceSession, SessionConfig
from profiles import body_composition as bc
from profiles import health_thermometer as hts
from profiles import heart_rate as hrs
from profiles import weight_scale as ws
from profiles.registry_types import AnyCharacteristic
from simulators.runner import SimulatorProcess
from simulators.weight_scale import WEIGHT_FEATURE

from .conftest import StartSimulator
from .gateway_run import Sink, serve

pytestmark = pytest.mark.integration

MODULE_WS = "simulators.weight_scale"
MODULE_HT = "simulators.thermometer"
MODULE_HR = "simulators.heart_rate"
CONFIG = SessionConfig(step_timeout=5.0, connect_timeout=20.0)


def _serve(sim: SimulatorProcess, until: Callable[[Sink], bool]) -> tuple[Sink, DeviceSession]:
    """Run a session against ``sim`` until ``until(sink)``, then stop it."""
    return serve(sim.ready["name"], until, CONFIG)


def _records(sim: SimulatorProcess) -> list[bytes]:
    return [bytes.fromhex(h) for h in sim.ready["records"]]


def _transferred(
    sim: SimulatorProcess, characteristic: AnyCharacteristic
) -> tuple[Sink, DeviceSession, list[MeasurementEvent], list[bytes]]:
    """Serve ``sim`` until its stored records (of ``characteristic``) arrived, as sent, byte for
    byte: (what the session emitted, the session, the records' events, the records)."""
    expected = _records(sim)
    uuid = characteristic.uuid16
    sink, session = _serve(sim, lambda s: len(s.measurements(uuid)) >= len(expected))
    sim.wait_for("transfer-complete")
    got = sink.measurements(uuid)
    assert [m.raw for m in got] == expected == sim.sent(characteristic.uuid)
    return sink, session, got, expected


def test_weight_scale_two_users_end_to_end(start_simulator: StartSimulator) -> None:
    # Without body composition: the session is stopped once the weights arrived, which could
    # cut a body composition measurement in half (an "incomplete measurement" decode error);
    # body composition has its own test below.
    sim = start_simulator(
        MODULE_WS, ["--users", "2", "--records", "4", "--seed", "21", "--no-body-composition"]
    )
    _, session, got, expected = _transferred(sim, ws.WEIGHT_MEASUREMENT)
    # Decoded with the scale's declared resolution (read from its feature characteristic).
    assert [m.value for m in got] == [
        ws.decode_weight_measurement(r, feature=WEIGHT_FEATURE) for r in expected
    ]
    users = [m.value.user_id for m in got if isinstance(m.value, ws.WeightMeasurement)]
    assert users == [0, 1, 0, 1] == sim.ready["user_ids"]
    facts = got[0].connection
    assert facts.features["weight-scale-feature"] == WEIGHT_FEATURE
    assert facts.device_information.model == "WS-SIM-1"
    assert session.stats.decode_errors == 0


def test_body_composition_is_reassembled_by_the_session(start_simulator: StartSimulator) -> None:
    """The scale splits each body composition measurement over several packets; the session
    delivers one complete measurement per record, its raw bytes being the packets joined."""
    sim = start_simulator(MODULE_WS, ["--users", "2", "--records", "2"])
    records = [[bytes.fromhex(p) for p in r] for r in sim.ready["composition_packets"]]
    assert all(len(packets) > 1 for packets in records)
    uuid = bc.BODY_COMPOSITION_MEASUREMENT.uuid16
    sink, session = _serve(sim, lambda s: len(s.measurements(uuid)) >= len(records))
    got = sink.measurements(uuid)
    assert [m.raw for m in got] == [b"".join(packets) for packets in records]
    feature = got[0].connection.features["body-composition-feature"]
    assert isinstance(feature, bc.BodyCompositionFeature)
    expected = []
    for packets in records:
        reassembler = bc.BodyCompositionReassembler(len(packets), feature=feature)
        done = [m for m in (reassembler.feed(p) for p in packets) if m is not None]
        expected.extend(done)
    assert [m.value for m in got] == expected
    assert all(isinstance(m.value, bc.BodyCompositionMeasurement) for m in got)
    assert not any(
        m.value.multiple_packet for m in got if isinstance(m.value, bc.BodyCompositionMeasurement)
    )
    assert sink.decode_failures() == []
    assert session.stats.decode_errors == 0


def test_thermometer_end_to_end_with_malformed_value_and_clock_offset(
    start_simulator: StartSimulator,
) -> None:
    offset = -3 * 3600
    sim = start_simulator(
        MODULE_HT,
        ["--records", "3", "--seed", "8", "--malformed", "1", "--clock-offset", str(offset)],
    )
    sink, session, got, expected = _transferred(sim, hts.TEMPERATURE_MEASUREMENT)
    assert [m.value for m in got] == [hts.decode_temperature_measurement(r) for r in expected]
    # The malformed value was reported, counted, and the session went on.
    malformed = [bytes.fromhex(e["value"]) for e in sim.events if e["event"] == "sent-malformed"]
    assert [f.raw for f in sink.decode_failures()] == malformed
    assert session.stats.decode_errors == 1
    facts = got[0].connection
    assert facts.features["temperature-type"] == hts.TemperatureTypeValue(hts.TemperatureType.EAR)
    assert facts.clock is not None
    assert facts.clock.offset is not None
    # The device clock is three hours behind (seconds of slack, not timing).
    assert abs(facts.clock.offset - dt.timedelta(seconds=offset)) < dt.timedelta(minutes=1)


def test_heart_rate_end_to_end(start_simulator: StartSimulator) -> None:
    count = 30
    sim = start_simulator(MODULE_HR, ["--records", str(count), "--interval", "0.01"])
    uuid = hrs.HEART_RATE_MEASUREMENT.uuid16
    sink, session = _serve(sim, lambda s: len(s.measurements(uuid)) >= count)
    sim.wait_for("transfer-complete")
    got = sink.measurements(uuid)
    sent = sim.sent(hrs.HEART_RATE_MEASUREMENT.uuid)
    assert len(sent) == count
    assert [m.raw for m in got] == sent
    assert [m.value for m in got] == [hrs.decode_heart_rate_measurement(r) for r in sent]
    location = got[0].connection.features["body-sensor-location"]
    assert location == hrs.BodySensorLocationValue(hrs.BodySensorLocation.CHEST)
    assert session.stats.decode_errors == 0
