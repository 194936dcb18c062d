"""A simulator follows the centrals on its adapter from BlueZ's signals, not by reading BlueZ's
whole object tree over and over: twenty simulators that did that (five reads a second each)
kept BlueZoo busy answering them, and on a loaded machine every GATT call of the gateway timed
out behind those reads for minutes (the twenty-meters test hung in CI)."""

from __future__ import annotations

import asyncio

import pytest
from dbus_fast import BusType, Message, MessageType
from dbus_fast.aio import MessageBus

from profiles import glucose as gl
from simulators import bluez

from .central import client, find_device, uuid16
from .conftest import StartSimulator

pytestmark = pytest.mark.integration

WINDOW = 2.0
"""Seconds of watching the bus while the simulator is idle (its fallback read comes every 5 s)."""


async def tree_reads_during(seconds: float) -> int:
    """How many GetManagedObjects calls the bus carried during ``seconds`` (a monitor
    connection sees every message)."""
    bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
    reads = 0

    def seen(message: Message) -> bool:
        nonlocal reads
        if message.message_type != MessageType.METHOD_CALL:
            return False  # (the reply to BecomeMonitor)
        reads += message.member == "GetManagedObjects"
        return True  # handled: a monitor must never reply to the calls it sees

    try:
        bus.add_message_handler(seen)
        await bluez.call(
            bus,
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.Monitoring",
            "BecomeMonitor",
            "asu",
            [["type='method_call',member='GetManagedObjects'"], 0],
            destination="org.freedesktop.DBus",
        )
        await asyncio.sleep(seconds)
        return reads
    finally:
        bus.disconnect()


def test_an_idle_simulator_does_not_keep_reading_bluez(start_simulator: StartSimulator) -> None:
    start_simulator("simulators.glucose", ["--records", "1"])
    # Polling read the tree every 0.2 s: about ten reads in this window.
    assert asyncio.run(tree_reads_during(WINDOW)) <= 1


def test_each_connection_is_still_reported(start_simulator: StartSimulator) -> None:
    sim = start_simulator("simulators.glucose", ["--records", "1"])

    async def connect_twice() -> list[int]:
        counts = []
        device = await find_device(sim.ready["name"], uuid16(gl.SERVICE_UUID16))
        for _ in range(2):
            async with client(device):
                event = await asyncio.to_thread(sim.wait_for, "connected", 10.0)
                counts.append(event["count"])
        return counts

    assert asyncio.run(connect_twice()) == [1, 2]
