"""The host's Bluetooth adapters, from BlueZ's object tree (``hci0``, ``hci1``, ...)."""

from __future__ import annotations

from dbus_fast import BusType, Message, MessageType
from dbus_fast.aio import MessageBus


async def list_adapters(powered_only: bool = True) -> list[str]:
    """Adapter names known to BlueZ (sorted); raises if BlueZ is not reachable."""
    bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
    try:
        reply = await bus.call(
            Message(
                destination="org.bluez",
                path="/",
                interface="org.freedesktop.DBus.ObjectManager",
                member="GetManagedObjects",
            )
        )
    finally:
        bus.disconnect()
    if reply is None or reply.message_type == MessageType.ERROR:
        detail = reply.error_name if reply is not None else "no reply"
        raise ConnectionError(f"BlueZ is not reachable on the system bus: {detail}")
    names = []
    for path, interfaces in reply.body[0].items():
        adapter = interfaces.get("org.bluez.Adapter1")
        if adapter is None:
            continue
        powered = adapter.get("Powered")
        if powered_only and powered is not None and not powered.value:
            continue
        names.append(str(path).rsplit("/", 1)[-1])
    return sorted(names)
