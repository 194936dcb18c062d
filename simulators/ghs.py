"""A simulated Generic Health Sensor (GHS service 0x1840) with the Elapsed Time Service (0x183F).

Two personalities (``--personality``, :mod:`simulators.ghs_observations`): a spot-check blood
pressure monitor (compound and numeric observations) and a waveform ECG patch (a sample array
strip and a numeric heart rate). Both serve

- Health Sensor Features (0x2BF3, read): the observation types and device specialization;
- Live Health Observations (0x2B8B, notify): while the central is subscribed and sending is
  started, one measurement every ``--interval`` seconds; each observation is cut into segments
  that fit the ATT payload (ATT_MTU - 3 as BlueZ reports it on a read or write, 20 bytes until
  it does);
- Stored Health Observations (0x2BDD, notify or indicate): ``--records`` measurements taken
  before the simulator started, one stored observation (record numbers from 1) per
  observation, reported through
- the Record Access Control Point (0x2A52, write + indicate) as GHS uses it
  (:mod:`simulators.ghs_racp`: report, combined report, number of records, delete, abort;
  with ``--response-first`` a report's success response comes before its observations, as
  bluetoothd can deliver them);
- the GHS Control Point (0x2BF4, write + indicate): stop (0x02) and start (0x01) sending live
  observations, answered with success (0x80) once the observation being sent is complete;
- Current Elapsed Time (0x183F/0x2BF2, read, write, indicate;
  :mod:`simulators.elapsed_time_clock`), which stamps every observation;

plus Device Information and Battery. Events: ``observation-sent`` after every observation
(``uuid``; ``value``: the observation as one unsegmented value; ``segments``;
``payload_size``), ``live-stopped`` and ``live-started`` (``count``: live observations sent so
far), ``clock-written``.

    python -m simulators.ghs --adapter hci1 --personality waveform --records 2 --seed 7
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import sys
from collections.abc import Sequence
from typing import Any, ClassVar

from profiles import battery
from profiles import elapsed_time as ets
from profiles.errors import DecodeError
from profiles.ghs import health_observations as gho
from profiles.ghs import service as ghs_service
from profiles.ghs.observations import Observation
from profiles.racp import RECORD_ACCESS_CONTROL_POINT
from simulators import bluez, common, racp_server
from simulators.base import DeviceSimulator, Event, main
from simulators.elapsed_time_clock import (
    CURRENT_ELAPSED_TIME,
    ElapsedTimeClock,
    current_elapsed_time_characteristic,
)
from simulators.ghs_observations import FEATURES, Measurer, Personality
from simulators.ghs_racp import GHS_RACP
from simulators.options import option
from simulators.peripheral import INDICATE, NOTIFY, READ, WRITE, Characteristic, GattError, Service

LIVE = gho.LIVE_HEALTH_OBSERVATIONS.uuid
STORED = gho.STORED_HEALTH_OBSERVATIONS.uuid
FEATURES_UUID = ghs_service.HEALTH_SENSOR_FEATURES.uuid
CONTROL_POINT = ghs_service.GHS_CONTROL_POINT.uuid
RACP = RECORD_ACCESS_CONTROL_POINT.uuid
STORED_INTERVAL = dt.timedelta(hours=4)
Op = ghs_service.GhsControlPointOpCode
PERSONALITIES = {p.value: p for p in Personality}


@dataclasses.dataclass(frozen=True)
class GhsOptions:
    personality: Personality = option(
        Personality.SPOT_CHECK,
        "spot-check: blood pressure and pulse; waveform: an ECG strip and the heart rate",
        choices=PERSONALITIES,
    )
    interval: float = option(1.0, "seconds between live measurements")
    strip_seconds: int = option(1, "seconds of ECG in a waveform strip (1..4)")
    tick_counter: bool = option(False, "the clock is a tick counter (it cannot be set)")
    pace: float = option(0.0, "seconds between stored observations in a transfer")
    response_first: bool = option(
        False,
        "send the RACP success response before the stored observations "
        "(as bluetoothd can deliver them)",
    )

    def __post_init__(self) -> None:
        if not 1 <= self.strip_seconds <= 4:
            raise ValueError("--strip-seconds must be 1..4")
        if self.interval < 0:
            raise ValueError("--interval must not be negative")
        if self.pace < 0:
            raise ValueError("--pace must not be negative")


def unsegmented(observation: Observation | gho.StoredObservation) -> str:
    """The hex of ``observation`` as one Live (or, stored, Stored) Health Observations value
    (first and last segment, counter 0): what the events report, decodable by the
    characteristic's decoder."""
    if isinstance(observation, gho.StoredObservation):
        segment = gho.StoredHealthObservationSegment(True, True, 0, observation)
        return gho.encode_stored_health_observations(segment).hex()
    live = gho.LiveHealthObservationSegment(True, True, 0, observation)
    return gho.encode_live_health_observations(live).hex()


class GhsSimulator(DeviceSimulator):
    default_name: ClassVar[str] = "PHG-GHS"
    options_type: ClassVar[type[Any]] = GhsOptions
    model: ClassVar[str] = "GHS-SIM-1"
    appearance: ClassVar[int] = 0  # Unknown: the advertised GHS service tells what it is

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = self.device_options(GhsOptions)
        self.own = own
        self.features = FEATURES[own.personality]
        self.measurer = Measurer(own.personality, self.rng, own.strip_seconds)
        self.ets = ElapsedTimeClock(self.options.clock_offset, own.tick_counter)
        self.stored: dict[int, gho.StoredObservation] = {}
        newest = self.ets.now_real() - dt.timedelta(minutes=5)
        count = self.options.records
        for i in range(count):
            stamp = self.ets.at(newest - (count - 1 - i) * STORED_INTERVAL)
            for observation in self.measurer.measure(stamp):
                number = len(self.stored) + 1
                self.stored[number] = gho.StoredObservation(number, observation)
        self.store = racp_server.RecordStore(racp_server.StoredRecord(n, ()) for n in self.stored)
        self.racp = racp_server.RacpServer(
            self.store,
            self._send_record,
            self._indicate_racp,
            self.emit,
            dialect=GHS_RACP,
            is_subscribed=lambda: self._subscribed(RACP),
            after_report=self.disconnect_after_transfer,
            response_first=own.response_first,
        )
        self.counters = {LIVE: 0, STORED: 0}
        self.live_sent = 0
        self.sending = asyncio.Event()
        self.sending.set()
        self.measuring = asyncio.Lock()
        self.live_running = False
        self.characteristics: list[Characteristic] = []

    # -- services --------------------------------------------------------------------------

    def services(self) -> list[Service]:
        """GHS, ETS, Device Information and Battery (the Elapsed Time Service replaces the
        Current Time Service of the other simulators)."""
        services = [
            *self.device_services(),
            common.device_information_service(self.info),
            common.battery_service(battery.BatteryLevel(self.options.battery_percent)),
        ]
        self._secure(services)
        return services

    def device_services(self) -> list[Service]:
        features = ghs_service.encode_health_sensor_features(self.features)
        self.characteristics = [
            Characteristic(FEATURES_UUID, [READ], features),
            Characteristic(LIVE, [NOTIFY], on_subscribe=self._on_live_subscribe),
            Characteristic(STORED, [NOTIFY, INDICATE], on_subscribe=self.on_subscribe(STORED)),
            Characteristic(RACP, [WRITE, INDICATE], on_write=self.racp.on_write),
            Characteristic(CONTROL_POINT, [WRITE, INDICATE], on_write=self._on_control_point),
        ]
        clock = current_elapsed_time_characteristic(
            self.ets, self._accept_clock_write, self._on_clock_written
        )
        return [
            Service(bluez.uuid16(ghs_service.SERVICE_UUID16), list(self.characteristics)),
            Service(bluez.uuid16(ets.SERVICE_UUID16), [clock]),
        ]

    def ready_details(self) -> Event:
        return {
            "personality": self.own.personality.value,
            "features": ghs_service.encode_health_sensor_features(self.features).hex(),
            "records": [unsegmented(s) for s in self.stored.values()],
        }

    def _subscribed(self, uuid: str) -> bool:
        return self.peripheral is not None and self.peripheral.is_subscribed(uuid)

    def payload_size(self) -> int:
        """ATT_MTU - 3 of the smallest MTU BlueZ reported with a read or write of a GHS
        characteristic (segments then fit every link seen), or the minimum, 20."""
        mtus = [c.mtu for c in self.characteristics if c.mtu is not None]
        return max(gho.MIN_PAYLOAD_SIZE, min(mtus, default=0) - 3)

    async def _send_observation(
        self, uuid: str, observation: Observation | gho.StoredObservation
    ) -> None:
        """Send one observation (or stored observation) as segments of ``uuid``."""
        payload_size, counter = self.payload_size(), self.counters[uuid]
        if isinstance(observation, gho.StoredObservation):
            segments = gho.stored_observation_segments(observation, payload_size, counter)
        else:
            segments = gho.live_observation_segments(observation, payload_size, counter)
        self.counters[uuid] = (self.counters[uuid] + len(segments)) % gho.SEGMENT_COUNTER_MODULO
        for segment in segments:
            await self.send(uuid, segment)
        self.emit(
            {
                "event": "observation-sent",
                "uuid": uuid,
                "value": unsegmented(observation),
                "segments": len(segments),
                "payload_size": payload_size,
            }
        )

    # -- live observations and the control point -------------------------------------------

    def _on_live_subscribe(self, subscribed: bool) -> None:
        self.on_subscribe(LIVE)(subscribed)
        if subscribed and not self.live_running:
            self.live_running = True
            self.spawn(self._live())

    async def _live(self) -> None:
        try:
            while self._subscribed(LIVE):
                await self.sending.wait()
                async with self.measuring:
                    if not self.sending.is_set():  # stopped while this task waited
                        continue
                    for observation in self.measurer.measure(self.ets.now()):
                        await self._send_observation(LIVE, observation)
                        self.live_sent += 1
                await asyncio.sleep(self.own.interval)
        except ConnectionError as e:
            self.emit({"event": "live-aborted", "count": self.live_sent, "error": repr(e)})
        finally:
            self.live_running = False

    def _on_control_point(self, value: bytes) -> None:
        if not self._subscribed(CONTROL_POINT):
            raise GattError(
                bluez.ERROR_FAILED,
                f"0x{racp_server.ATT_CCCD_IMPROPERLY_CONFIGURED:02X}: "
                "control point indications are not on",
            )
        try:
            request = ghs_service.decode_ghs_control_point(value)
        except DecodeError as e:
            raise GattError(bluez.ERROR_FAILED, str(e)) from e
        if request.op_code not in (Op.START_SEND_LIVE_OBSERVATIONS, Op.STOP_SEND_LIVE_OBSERVATIONS):
            raise GattError(bluez.ERROR_NOT_SUPPORTED, f"op code {request.op_code}")
        self.emit({"event": "control-point", "value": value.hex()})
        self.spawn(self._control(request.op_code == Op.START_SEND_LIVE_OBSERVATIONS))

    async def _control(self, start: bool) -> None:
        if start:
            self.sending.set()
        else:
            self.sending.clear()
            async with self.measuring:  # the observation being sent is completed first
                pass
        self.emit({"event": "live-started" if start else "live-stopped", "count": self.live_sent})
        answer = ghs_service.GhsControlPoint(Op.SUCCESS)
        await self.send(CONTROL_POINT, ghs_service.encode_ghs_control_point(answer))

    # -- stored observations ---------------------------------------------------------------

    async def _indicate_racp(self, value: bytes) -> None:
        await self.send(RACP, value)

    async def _send_record(self, record: racp_server.StoredRecord, _index: int) -> None:
        if self.own.pace:
            await asyncio.sleep(self.own.pace)
        await self._send_observation(STORED, self.stored[record.key])

    # -- the clock -------------------------------------------------------------------------

    def _on_clock_written(self) -> None:
        """Stored observations stamped before now are on an earlier timeline."""
        for number, stored in self.stored.items():
            stamp = stored.observation.time_stamp
            if stamp is not None and stamp.current_timeline:
                earlier = dataclasses.replace(stamp, current_timeline=False)
                observation = dataclasses.replace(stored.observation, time_stamp=earlier)
                self.stored[number] = gho.StoredObservation(number, observation)
        self._clock_written()
        if self._subscribed(CURRENT_ELAPSED_TIME):
            value = ets.encode_current_elapsed_time(self.ets.current())
            self.spawn(self.send(CURRENT_ELAPSED_TIME, value))


def run(argv: Sequence[str] | None = None) -> int:
    return main(GhsSimulator, argv)


if __name__ == "__main__":
    sys.exit(run())
