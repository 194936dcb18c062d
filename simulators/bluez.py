"""Small helpers for talking to BlueZ (or BlueZoo) over D-Bus with dbus-fast."""

from typing import Any, Final

from dbus_fast import Message, MessageType
from dbus_fast.aio import MessageBus
from dbus_fast.errors import DBusError
from dbus_fast.signature import Variant

BLUEZ: Final = "org.bluez"
ADAPTER: Final = "org.bluez.Adapter1"
DEVICE: Final = "org.bluez.Device1"
GATT_MANAGER: Final = "org.bluez.GattManager1"
ADVERTISING_MANAGER: Final = "org.bluez.LEAdvertisingManager1"
GATT_SERVICE: Final = "org.bluez.GattService1"
GATT_CHARACTERISTIC: Final = "org.bluez.GattCharacteristic1"
ADVERTISEMENT: Final = "org.bluez.LEAdvertisement1"

ERROR_FAILED: Final = "org.bluez.Error.Failed"
ERROR_NOT_PERMITTED: Final = "org.bluez.Error.NotPermitted"
ERROR_NOT_SUPPORTED: Final = "org.bluez.Error.NotSupported"
ERROR_INVALID_OFFSET: Final = "org.bluez.Error.InvalidOffset"
ERROR_INVALID_VALUE_LENGTH: Final = "org.bluez.Error.InvalidValueLength"

ManagedObjects = dict[str, dict[str, dict[str, Variant]]]


def uuid16(value: int) -> str:
    """The 128-bit string form of a 16-bit Bluetooth SIG UUID."""
    return f"0000{value:04x}-0000-1000-8000-00805f9b34fb"


def adapter_path(adapter: str) -> str:
    """``hci1`` or ``/org/bluez/hci1`` -> ``/org/bluez/hci1``."""
    return adapter if adapter.startswith("/") else f"/org/bluez/{adapter}"


async def call(
    bus: MessageBus,
    path: str,
    interface: str,
    member: str,
    signature: str = "",
    body: list[Any] | None = None,
    destination: str = BLUEZ,
) -> list[Any]:
    """Call a method and return the reply body; raise DBusError on an error reply."""
    reply = await bus.call(
        Message(
            destination=destination,
            path=path,
            interface=interface,
            member=member,
            signature=signature,
            body=body or [],
        )
    )
    if reply is None:
        return []
    if reply.message_type == MessageType.ERROR:
        raise DBusError(reply.error_name or ERROR_FAILED, str(reply.body[0]) if reply.body else "")
    return list(reply.body)


async def managed_objects(bus: MessageBus) -> ManagedObjects:
    body = await call(bus, "/", "org.freedesktop.DBus.ObjectManager", "GetManagedObjects")
    objects: ManagedObjects = body[0]
    return objects


async def adapter_address(bus: MessageBus, adapter: str) -> str:
    path = adapter_path(adapter)
    body = await call(
        bus, path, "org.freedesktop.DBus.Properties", "Get", "ss", [ADAPTER, "Address"]
    )
    address: str = body[0].value
    return address
