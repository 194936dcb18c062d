"""The simulated Generic Health Sensor over the test bus, driven by unmodified bleak on hci0:
features, live observations reassembled from their segments and stopped/started through the
GHS Control Point, stored observations through RACP as GHS uses it, and the Elapsed Time
Service clock (read, set, indicated)."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest
from bleak import BleakClient
from bleak.exc import BleakError

from profiles import elapsed_time as ets
from profiles.ghs import health_observations as gho
from profiles.ghs import service as ghs_service
from profiles.ghs.observations import NumericValue, Observation, SampleArrayValue
from profiles.racp import RECORD_ACCESS_CONTROL_POINT

from .central import STEP_TIMEOUT, client, find_device, uuid16
from .conftest import StartSimulator
from .gateway_run import Gateway, Sink, until

pytestmark = pytest.mark.integration

MODULE = "simulators.ghs"
GHSS = uuid16(ghs_service.SERVICE_UUID16)
LIVE = gho.LIVE_HEALTH_OBSERVATIONS.uuid
STORED = gho.STORED_HEALTH_OBSERVATIONS.uuid
CONTROL_POINT = ghs_service.GHS_CONTROL_POINT.uuid
FEATURES = ghs_service.HEALTH_SENSOR_FEATURES.uuid
RACP = RECORD_ACCESS_CONTROL_POINT.uuid
CLOCK = ets.CURRENT_ELAPSED_TIME.uuid
STOP, START, SUCCESS = "02", "01", "80"


class Central:
    """Subscribes to everything the GHS simulator sends and reassembles the observations."""

    def __init__(self, c: BleakClient) -> None:
        self.c = c
        self.live: list[Observation] = []
        self.stored: list[gho.StoredObservation] = []
        self.answers: dict[str, asyncio.Queue[str]] = {
            RACP: asyncio.Queue(),
            CONTROL_POINT: asyncio.Queue(),
            CLOCK: asyncio.Queue(),
        }
        self._live = gho.HealthObservationReassembler()
        self._stored = gho.HealthObservationReassembler(stored=True)

    def _on_live(self, _char: object, data: bytearray) -> None:
        observation = self._live.feed(data)
        if observation is not None:
            assert isinstance(observation, Observation)
            self.live.append(observation)

    def _on_stored(self, _char: object, data: bytearray) -> None:
        stored = self._stored.feed(data)
        if stored is not None:
            assert isinstance(stored, gho.StoredObservation)
            self.stored.append(stored)

    def _answer(self, uuid: str) -> Callable[[object, bytearray], None]:
        return lambda _char, data: self.answers[uuid].put_nowait(bytes(data).hex())

    async def subscribe(self) -> None:
        for uuid in (RACP, CONTROL_POINT, CLOCK):
            await self.c.start_notify(uuid, self._answer(uuid))
        await self.c.start_notify(STORED, self._on_stored)
        await self.c.start_notify(LIVE, self._on_live)

    async def ask(self, uuid: str, request: str) -> str:
        """Write ``request`` (hex) and return the indicated answer (hex)."""
        await self.c.write_gatt_char(uuid, bytes.fromhex(request), response=True)
        return await self.answer(uuid)

    async def answer(self, uuid: str) -> str:
        async with asyncio.timeout(STEP_TIMEOUT):
            return await self.answers[uuid].get()

    async def until(self, enough: Callable[[], bool]) -> None:
        async with asyncio.timeout(STEP_TIMEOUT):
            while not enough():
                await asyncio.sleep(0.01)

    async def report(self, request: str, records: int) -> str:
        """A RACP report: its answer, once ``records`` more stored observations arrived (the
        test bus may deliver the answer before the last segments of another characteristic)."""
        before = len(self.stored)
        answer = await self.ask(RACP, request)
        await self.until(lambda: len(self.stored) >= before + records)
        return answer


def unsegmented_live(value: str) -> Observation:
    observation = gho.decode_live_health_observations(bytes.fromhex(value)).observation
    assert observation is not None
    return observation


def unsegmented_stored(value: str) -> gho.StoredObservation:
    stored = gho.decode_stored_health_observations(bytes.fromhex(value)).stored_observation
    assert stored is not None
    return stored


def live_events(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The simulator's live observation and start/stop events, in order."""
    return [
        e
        for e in events
        if (e["event"] == "observation-sent" and e["uuid"] == LIVE)
        or e["event"] in ("live-stopped", "live-started")
    ]


def segments_fit(event: dict[str, Any]) -> bool:
    """Whether the simulator cut an observation into as few segments as its payload size
    allows (the unsegmented value is the header byte and the observation)."""
    room = event["payload_size"] - 1
    return bool(event["segments"] == -(-(len(event["value"]) // 2 - 1) // room))


async def stop_live(central: Central, sim: Any) -> int:
    """Stop live observations; wait for all the simulator sent; return how many."""
    assert await central.ask(CONTROL_POINT, STOP) == SUCCESS
    stopped = await asyncio.to_thread(sim.wait_for, "live-stopped")
    count: int = stopped["count"]
    await central.until(lambda: len(central.live) >= count)
    return count


async def live_until_stopped(
    c: BleakClient, sim: Any, observations: int
) -> tuple[Central, dict[str, Any]]:
    """Read the features, subscribe, take ``observations`` live observations, then stop them
    (``stop``: how many the simulator sent)."""
    got: dict[str, Any] = {"features": bytes(await c.read_gatt_char(FEATURES))}
    central = Central(c)
    await central.subscribe()
    await central.until(lambda: len(central.live) >= observations)
    got["stop"] = await stop_live(central, sim)
    return central, got


def test_spot_check_device_live_stored_and_clock(start_simulator: StartSimulator) -> None:
    sim = start_simulator(
        MODULE,
        ["--personality", "spot-check", "--records", "2", "--seed", "5", "--interval", "0.1"],
    )
    records = [unsegmented_stored(v) for v in sim.ready["records"]]
    assert [r.record_number for r in records] == [1, 2, 3, 4]

    async def scenario() -> dict[str, Any]:
        device = await find_device(sim.ready["name"], GHSS)
        async with client(device) as c:
            central, got = await live_until_stopped(c, sim, 4)
            got["count"] = await central.ask(RACP, "0401")
            got["all"] = await central.report("0101", 4)
            got["all_stored"] = list(central.stored)
            got["start"] = await central.ask(CONTROL_POINT, START)
            await central.until(lambda: len(central.live) >= got["stop"] + 2)
            got["second_stop"] = await stop_live(central, sim)
            got["live"] = list(central.live)
            got["clock"] = bytes(await c.read_gatt_char(CLOCK))
            clock = ets.decode_current_elapsed_time(got["clock"])
            wrong_format = replace(clock.time, resolution=ets.TimeResolution.ONE_SECOND)
            try:
                await c.write_gatt_char(
                    CLOCK, ets.encode_current_elapsed_time(replace(clock, time=wrong_format))
                )
            except BleakError as e:
                got["refused"] = str(e)
            moment = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.timezone(dt.timedelta(hours=1)))
            setting = replace(clock, time=clock.time.set_to(moment, ets.TimeSyncSource.MANUAL))
            await c.write_gatt_char(CLOCK, ets.encode_current_elapsed_time(setting), response=True)
            got["indicated"] = await central.answer(CLOCK)
            got["clock_after"] = bytes(await c.read_gatt_char(CLOCK))
            central.stored.clear()
            got["combined"] = await central.report("07030103000000", 2)
            got["combined_stored"] = list(central.stored)
            return got

    got = asyncio.run(scenario())
    sim.drain()
    features = ghs_service.decode_health_sensor_features(got["features"])
    assert got["features"].hex() == sim.ready["features"]
    assert features.device_specializations == (ghs_service.DeviceSpecialization(0x1007, 1),)

    # live: exactly what the simulator sent, nothing while stopped
    events = live_events(sim.events)
    kinds = [e["event"] for e in events]
    assert kinds.count("live-stopped") == 2
    assert kinds.count("live-started") == 1
    between = kinds[kinds.index("live-stopped") : kinds.index("live-started")]
    assert between == ["live-stopped"]
    sent = [unsegmented_live(e["value"]) for e in events if e["event"] == "observation-sent"]
    assert got["live"] == sent
    assert len(sent) == got["second_stop"] >= got["stop"] + 2
    assert got["stop"] == kinds.index("live-stopped")
    assert {o.type for o in sent} == set(features.supported_observation_types)
    assert all(segments_fit(e) for e in events if e["event"] == "observation-sent")

    # stored: every record exactly once, in order, with the RACP answers of GHS
    assert got["count"] == "050004000000"
    assert got["all"] == "06000101"
    assert got["all_stored"] == records
    assert all(r.observation.time_stamp and r.observation.time_stamp.current_timeline
               for r in records)  # fmt: skip

    # the clock
    clock = ets.decode_current_elapsed_time(got["clock"])
    assert clock.clock_needs_to_be_set
    assert clock.time.utc
    assert not clock.time.tick_counter
    now = clock.time.to_datetime()
    assert now is not None
    assert abs(now - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    assert "0x80" in got["refused"]
    after = ets.decode_current_elapsed_time(got["clock_after"])
    assert not after.clock_needs_to_be_set
    assert after.time.sync_source == ets.TimeSyncSource.MANUAL
    assert after.time.tz_dst_offset == 4
    shown = after.time.to_datetime()
    assert shown is not None
    assert dt.timedelta(0) <= shown - dt.datetime(2030, 1, 2, 2, 4, 5, tzinfo=dt.UTC)
    assert shown - dt.datetime(2030, 1, 2, 2, 4, 5, tzinfo=dt.UTC) < dt.timedelta(minutes=1)
    indicated = ets.decode_current_elapsed_time(bytes.fromhex(got["indicated"]))
    assert indicated.time.sync_source == ets.TimeSyncSource.MANUAL

    # after the clock was set, the records are from an earlier timeline
    assert got["combined"] == "080002000000"
    earlier = [
        replace(
            r, observation=replace(r.observation, time_stamp=replace(stamp, current_timeline=False))
        )
        for r in records[2:]
        if (stamp := r.observation.time_stamp) is not None
    ]
    assert got["combined_stored"] == earlier


def test_waveform_device_sends_segmented_strips(start_simulator: StartSimulator) -> None:
    sim = start_simulator(
        MODULE,
        [
            *("--personality", "waveform", "--records", "1", "--seed", "3"),
            *("--interval", "0.1", "--strip-seconds", "2", "--tick-counter"),
        ],
    )
    records = [unsegmented_stored(v) for v in sim.ready["records"]]

    async def scenario() -> dict[str, Any]:
        device = await find_device(sim.ready["name"], GHSS)
        async with client(device) as c:
            central, got = await live_until_stopped(c, sim, 2)
            got["live"] = list(central.live)
            got["all"] = await central.report("0101", 2)
            got["stored"] = list(central.stored)
            got["delete"] = await central.ask(RACP, "0201")
            got["count"] = await central.ask(RACP, "0401")
            try:
                await c.write_gatt_char(CONTROL_POINT, bytes.fromhex("05"), response=True)
            except BleakError as e:
                got["unknown_op"] = str(e)
            clock = bytes(await c.read_gatt_char(CLOCK))
            got["clock"] = clock
            try:
                await c.write_gatt_char(CLOCK, clock, response=True)
            except BleakError as e:
                got["refused"] = str(e)
            return got

    got = asyncio.run(scenario())
    sim.drain()
    features = ghs_service.decode_health_sensor_features(got["features"])
    assert got["features"].hex() == sim.ready["features"]
    events = live_events(sim.events)
    sent = [unsegmented_live(e["value"]) for e in events if e["event"] == "observation-sent"]
    assert got["live"] == sent
    assert len(sent) == got["stop"]
    assert all(segments_fit(e) for e in events if e["event"] == "observation-sent")
    strips = [o for o in sent if isinstance(o.value, SampleArrayValue)]
    rates = [o for o in sent if isinstance(o.value, NumericValue)]
    assert strips
    assert len(strips) + len(rates) == len(sent)
    assert {o.type for o in sent} == set(features.supported_observation_types)
    assert all(len(o.value.samples) == 500 for o in strips)  # type: ignore[union-attr]
    assert max(e["segments"] for e in events if e["event"] == "observation-sent") > 1
    assert got["all"] == "06000101"
    assert got["stored"] == records
    assert [r.record_number for r in records] == [1, 2]
    assert got["delete"] == "06000201"
    assert got["count"] == "050000000000"
    clock = ets.decode_current_elapsed_time(got["clock"])
    assert clock.time.tick_counter
    assert "refused" in got  # a tick counter cannot be set
    assert "Request Not Supported" in got["unknown_op"]  # ATT error 0x06


def test_gateway_takes_observations_the_racp_response_overtook_as_stored(
    start_simulator: StartSimulator,
) -> None:
    # bluetoothd sends a pending indication before queued notifications (docs/real-bluez.md,
    # finding 3): the session counts the stored observations first, so they stay stored ones.
    sim = start_simulator(
        MODULE,
        [
            *("--personality", "spot-check", "--records", "2", "--seed", "5"),
            *("--interval", "5", "--response-first"),
        ],
    )
    numbers = [unsegmented_stored(v).record_number for v in sim.ready["records"]]
    assert numbers == [1, 2, 3, 4]

    async def scenario() -> Sink:
        async with Gateway([sim.ready["name"]]) as gw:
            await until(lambda: len(gw.sink.transfers()) >= 1)
        return gw.sink

    sink = asyncio.run(scenario())
    got = sink.measurements(gho.STORED_HEALTH_OBSERVATIONS.uuid16)
    assert [(m.sequence_number, m.stored) for m in got] == [(n, True) for n in numbers]
    (transfer,) = sink.transfers()
    assert (transfer.outcome, transfer.records, transfer.next_sequence) == ("complete", 4, 5)
