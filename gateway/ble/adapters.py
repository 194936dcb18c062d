"""The host's Bluetooth adapters and the devices BlueZ knows on them, from BlueZ's object tree
(``/org/bluez/hci0``, ``/org/bluez/hci0/dev_AA_BB_...``)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from dbus_fast import BusType, Message, MessageType, unpack_variants
from dbus_fast.aio import MessageBus

from gateway.ble.allowlist import Advertisement, normalize_address

DEVICE_INTERFACE = "org.bluez.Device1"


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


async def read_managed_objects() -> dict[str, dict[str, Any]]:
    """BlueZ's object tree (path -> interface -> property -> Variant); raises ConnectionError
    if BlueZ is not reachable."""
    bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
    try:
        reply = await bus.call(managed_objects())
    finally:
        bus.disconnect()
    if reply is None or reply.message_type == MessageType.ERROR:
        detail = reply.error_name if reply is not None else "no reply"
        raise ConnectionError(f"BlueZ is not reachable on the system bus: {detail}")
    objects: dict[str, dict[str, Any]] = reply.body[0]
    return objects


async def list_adapters(powered_only: bool = True) -> list[str]:
    """Adapter names known to BlueZ (sorted); raises if BlueZ is not reachable."""
    return [
        name
        for name, powered in adapters_in(await read_managed_objects())
        if not (powered_only and powered is False)
    ]


@dataclass(frozen=True, slots=True)
class KnownDevice:
    """A device object BlueZ holds on one adapter, with what it last learned of it."""

    path: str
    connected: bool
    advertisement: Advertisement
    """Its last advertising data as BlueZ keeps it (``rssi`` None: not heard in the running
    discovery)."""
    properties: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """The unpacked ``Device1`` properties (what bleak keeps as a device's ``details``)."""

    @property
    def recently_seen(self) -> bool:
        """Connected, or heard during the running discovery: BlueZ has an RSSI only from an
        advertising report of the current discovery session (it drops it when discovery
        stops)."""
        return self.connected or self.advertisement.rssi is not None


def known_devices(
    objects: Mapping[str, Mapping[str, Any]], adapters: Collection[str]
) -> list[KnownDevice]:
    """The devices in BlueZ's object tree on the given adapters, by path."""
    found = []
    for path, interfaces in sorted(objects.items()):
        device = interfaces.get(DEVICE_INTERFACE)
        parts = str(path).split("/")
        if device is None or len(parts) != 5 or parts[3] not in adapters:
            continue
        properties: dict[str, Any] = unpack_variants(dict(device))
        rssi = properties.get("RSSI")
        advertisement = Advertisement(
            address=normalize_address(str(properties.get("Address", ""))),
            name=properties.get("Name"),
            service_uuids=tuple(str(u) for u in properties.get("UUIDs", ())),
            rssi=None if rssi is None else int(rssi),
            adapter=parts[3],
            manufacturer_data={
                int(k): bytes(v) for k, v in properties.get("ManufacturerData", {}).items()
            },
        )
        connected = bool(properties.get("Connected", False))
        found.append(KnownDevice(str(path), connected, advertisement, properties))
    return found
