"""The host's Bluetooth adapters, from BlueZ's object tree (``hci0``, ``hci1``, ...)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dbus_fast import BusType, Message, MessageType
from dbus_fast.aio import MessageBus


def managed_objects() -> Message:
    """The call that returns BlueZ's object tree (adapters, devices, ...)."""
    return Message(
        destination="org.bluez",
        path="/",
        interface="org.freedesktop.DBus.ObjectManager",
        member="GetManagedObjects",
    )


def adapters_in(objects: Mapping[str, Mapping[str, Any]]) -> list[tuple[str, bool | None]]:
    """``(name, powered)`` of each adapter in BlueZ's object tree, by name; powered is None
    where BlueZ did not say."""
    found = []
    for path, interfaces in objects.items():
        adapter = interfaces.get("org.bluez.Adapter1")
        if adapter is not None:
            powered = adapter.get("Powered")
            found.append(
                (str(path).rsplit("/", 1)[-1], None if powered is None else bool(powered.value))
            )
    return sorted(found)


async def list_adapters(powered_only: bool = True) -> list[str]:
    """Adapter names known to BlueZ (sorted); raises if BlueZ is not reachable."""
    bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
    try:
        reply = await bus.call(managed_objects())
    finally:
        bus.disconnect()
    if reply is None or reply.message_type == MessageType.ERROR:
        detail = reply.error_name if reply is not None else "no reply"
        raise ConnectionError(f"BlueZ is not reachable on the system bus: {detail}")
    return [
        name
        for name, powered in adapters_in(reply.body[0])
        if not (powered_only and powered is False)
    ]
