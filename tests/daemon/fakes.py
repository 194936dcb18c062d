"""Builders of BLE events and in-memory fakes of the pipeline's stores."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from typing import Any

from gateway.ble.events import (
    ClockReading,
    ConnectionFacts,
    MeasurementEvent,
)
from gateway.daemon.heldback import AnnouncedValue, KeptReading, KeptRow, facts_json
from gateway.fhir.connection import Mapped
from gateway.fhir.phg_device import PhgConfig
from profiles import blood_pressure as bp
from profiles.date_time import DateTime
from profiles.device_information import DeviceInformation

ADDRESS = "AA:BB:CC:DD:EE:01"
PHG = PhgConfig(bytes.fromhex("ECDE3D4E58532D31"))
CONNECTED = dt.datetime(2026, 3, 1, 9, 0, 0, tzinfo=dt.UTC)
STAMP = DateTime(2026, 3, 1, 8, 30, 0)
CLOCK = ClockReading(CONNECTED, dt.datetime(2026, 3, 1, 9, 0, 0), dt.timedelta(0))


def facts(
    address: str = ADDRESS, connection: int = 1, clock: ClockReading | None = CLOCK
) -> ConnectionFacts:
    return ConnectionFacts(
        address=address,
        adapter="hci0",
        name="BP-SIM-1",
        connection_number=connection,
        connected_at=CONNECTED,
        device_information=DeviceInformation(
            manufacturer="PHG Simulators",
            model="BP-SIM-1",
            system_id=bytes.fromhex("0102030405060708"),
        ),
        battery_percent=90,
        clock=clock,
    )


def bp_event(
    systolic: int = 120,
    *,
    user_id: int | None = None,
    stamp: DateTime | None = STAMP,
    connection: ConnectionFacts | None = None,
    received_at: dt.datetime = CONNECTED + dt.timedelta(seconds=5),
    stored: bool = False,
) -> MeasurementEvent:
    value = bp.BloodPressureMeasurement(
        Decimal(systolic), Decimal(80), Decimal(93), timestamp=stamp, user_id=user_id
    )
    return MeasurementEvent(
        bp.BLOOD_PRESSURE_MEASUREMENT.name,
        bp.BLOOD_PRESSURE_MEASUREMENT.uuid16,
        value,
        bp.encode_blood_pressure_measurement(value),
        received_at,
        stored,
        None,
        connection or facts(),
    )


class FakeOutbox:
    """Records puts; ``gate`` (when set) holds every put until it is released."""

    def __init__(self, fail: Exception | None = None) -> None:
        self.puts: list[tuple[str, Mapped]] = []
        self.fail = fail
        self.gate: asyncio.Event | None = None
        self.started = 0

    async def put(self, reading: Mapped, *, device: str) -> int:
        self.started += 1
        if self.gate is not None:
            await self.gate.wait()
        if self.fail is not None:
            raise self.fail
        self.puts.append((device, reading))
        return len(self.puts)

    def resources(self) -> list[dict[str, Any]]:
        return [e.resource for _, m in self.puts for e in m.entries]


class FakeKept:
    def __init__(self) -> None:
        self.kept: list[KeptReading] = []
        self.announced_values: dict[tuple[str, int], AnnouncedValue] = {}
        self.gate: asyncio.Event | None = None

    async def keep(self, reading: KeptReading) -> int:
        if self.gate is not None:
            await self.gate.wait()
        self.kept.append(reading)
        return len(self.kept)

    async def resolve(self, address: str, sequence_number: int) -> int:
        gone = [
            k
            for k in self.kept
            if k.kind == "awaiting-join"
            and k.facts.address == address
            and k.sequence_number == sequence_number
        ]
        self.kept = [k for k in self.kept if k not in gone]
        self.announced_values.pop((address, sequence_number), None)
        return len(gone)

    async def waiting(self, address: str, sequence_number: int) -> list[KeptRow]:
        return [
            KeptRow(
                i,
                "",
                k.kind,
                k.reason,
                address,
                k.user_index,
                k.characteristic,
                k.uuid16,
                k.raw,
                k.received_at,
                k.stored,
                k.sequence_number,
                facts_json(k.facts),
            )
            for i, k in enumerate(self.kept, start=1)
            if k.kind == "awaiting-join"
            and k.facts.address == address
            and k.sequence_number == sequence_number
        ]

    async def announce(self, value: AnnouncedValue) -> None:
        self.announced_values[(value.address, value.sequence_number)] = value

    async def announced(self, address: str, sequence_number: int) -> AnnouncedValue | None:
        return self.announced_values.get((address, sequence_number))

    def kinds(self) -> list[str]:
        return [k.kind for k in self.kept]
