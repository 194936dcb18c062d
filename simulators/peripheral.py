"""A reusable BLE peripheral on the BlueZ D-Bus API (dbus-fast): a GATT application plus an LE
advertisement, registered through ``org.bluez.GattManager1`` and
``org.bluez.LEAdvertisingManager1`` on one adapter.

The same code runs against BlueZoo on the test bus and against a real bluetoothd. Only the
properties BlueZoo 1.0.2 knows are exported (no ``Handle``, no ``Characteristics`` on services,
no ``NotifyAcquired``/``WriteAcquired``), so BlueZoo uses the StartNotify path.

Indications (characteristics flagged ``indicate`` but not ``notify``) wait for ``Confirm()``
before :meth:`Peripheral.send` returns, like an ATT handle value confirmation.
"""

# No ``from __future__ import annotations`` here: dbus-fast reads the D-Bus signatures from the
# annotations of the decorated methods.

import asyncio
import contextlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated

from dbus_fast import BusType
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import (
    DBusBool,
    DBusBytes,
    DBusDict,
    DBusObjectPath,
    DBusSignature,
    DBusStr,
    DBusUInt16,
)
from dbus_fast.constants import PropertyAccess
from dbus_fast.errors import DBusError
from dbus_fast.service import ServiceInterface, dbus_property, method

from simulators import bluez

DBusStrings = Annotated[list[str], DBusSignature("as")]
ReadHandler = Callable[[], bytes]
WriteHandler = Callable[[bytes], None]
SubscribeHandler = Callable[[bool], None]

READ = "read"
WRITE = "write"
WRITE_WITHOUT_RESPONSE = "write-without-response"
NOTIFY = "notify"
INDICATE = "indicate"


class GattError(Exception):
    """Raised by read/write handlers to answer with a BlueZ error (``org.bluez.Error.*``)."""

    def __init__(self, name: str, text: str = "") -> None:
        super().__init__(text or name)
        self.name = name
        self.text = text


@dataclass
class Characteristic:
    """A characteristic definition: UUID, flags and handlers.

    ``on_read`` returns the current value (default: the stored ``value``); ``on_write`` gets
    written bytes and may raise :class:`GattError`; ``on_subscribe`` is told when the central
    starts (True) or stops (False) notifications or indications.
    """

    uuid: str
    flags: Sequence[str]
    value: bytes = b""
    on_read: ReadHandler | None = None
    on_write: WriteHandler | None = None
    on_subscribe: SubscribeHandler | None = None
    mtu: int | None = None
    """The ATT MTU bluetoothd reported with the last read or write (real BlueZ only)."""

    @property
    def indicate_only(self) -> bool:
        return INDICATE in self.flags and NOTIFY not in self.flags


@dataclass
class Service:
    uuid: str
    characteristics: list[Characteristic] = field(default_factory=list)
    primary: bool = True


class _GattService(ServiceInterface):
    def __init__(self, service: Service) -> None:
        super().__init__(bluez.GATT_SERVICE)
        self.service = service

    @dbus_property(access=PropertyAccess.READ, name="UUID")
    def uuid(self) -> DBusStr:
        return self.service.uuid

    @dbus_property(access=PropertyAccess.READ, name="Primary")
    def primary(self) -> DBusBool:
        return self.service.primary


class _GattCharacteristic(ServiceInterface):
    def __init__(self, characteristic: Characteristic, service_path: str) -> None:
        super().__init__(bluez.GATT_CHARACTERISTIC)
        self.characteristic = characteristic
        self.service_path = service_path
        self.notifying = False
        self.confirmation: asyncio.Future[None] | None = None
        self.send_lock = asyncio.Lock()
        self.subscribed = asyncio.Event()

    def _flags_allow(self, *flags: str) -> bool:
        return any(f in self.characteristic.flags for f in flags)

    @method(name="ReadValue")
    def read_value(self, options: DBusDict) -> DBusBytes:
        if not self._flags_allow(READ):
            raise DBusError(bluez.ERROR_NOT_PERMITTED, "Read not permitted")
        c = self.characteristic
        if "mtu" in options:
            c.mtu = int(options["mtu"].value)
        try:
            value = c.on_read() if c.on_read is not None else c.value
        except GattError as e:
            raise DBusError(e.name, e.text) from e
        offset = int(options["offset"].value) if "offset" in options else 0
        if offset > len(value):
            raise DBusError(bluez.ERROR_INVALID_OFFSET, "Invalid offset")
        return value[offset:]

    @method(name="WriteValue")
    def write_value(self, value: DBusBytes, options: DBusDict) -> None:
        if not self._flags_allow(WRITE, WRITE_WITHOUT_RESPONSE):
            raise DBusError(bluez.ERROR_NOT_PERMITTED, "Write not permitted")
        c = self.characteristic
        if "mtu" in options:
            c.mtu = int(options["mtu"].value)
        if c.on_write is not None:
            try:
                c.on_write(bytes(value))
            except GattError as e:
                raise DBusError(e.name, e.text) from e
        else:
            c.value = bytes(value)

    @method(name="StartNotify")
    def start_notify(self) -> None:
        if not self._flags_allow(NOTIFY, INDICATE):
            raise DBusError(bluez.ERROR_NOT_SUPPORTED, "Notify not supported")
        if self.notifying:
            return
        self.notifying = True
        self.subscribed.set()
        self.emit_properties_changed({"Notifying": True})
        if self.characteristic.on_subscribe is not None:
            self.characteristic.on_subscribe(True)

    @method(name="StopNotify")
    def stop_notify(self) -> None:
        self._stop()

    def _stop(self) -> None:
        if not self.notifying:
            return
        self.notifying = False
        self.subscribed.clear()
        if self.confirmation is not None and not self.confirmation.done():
            self.confirmation.set_exception(ConnectionError("notifications stopped"))
        self.emit_properties_changed({"Notifying": False})
        if self.characteristic.on_subscribe is not None:
            self.characteristic.on_subscribe(False)

    @method(name="Confirm")
    def confirm(self) -> None:
        if self.confirmation is not None and not self.confirmation.done():
            self.confirmation.set_result(None)

    @dbus_property(access=PropertyAccess.READ, name="UUID")
    def uuid(self) -> DBusStr:
        return self.characteristic.uuid

    @dbus_property(access=PropertyAccess.READ, name="Service")
    def service(self) -> DBusObjectPath:
        return self.service_path

    @dbus_property(access=PropertyAccess.READ, name="Flags")
    def flags(self) -> DBusStrings:
        return list(self.characteristic.flags)

    @dbus_property(access=PropertyAccess.READ, name="Value")
    def value(self) -> DBusBytes:
        return self.characteristic.value

    @dbus_property(access=PropertyAccess.READ, name="Notifying")
    def notifying_property(self) -> DBusBool:
        return self.notifying

    async def send(self, value: bytes, confirm_timeout: float) -> None:
        async with self.send_lock:
            if not self.notifying:
                raise ConnectionError(f"{self.characteristic.uuid}: central is not subscribed")
            self.characteristic.value = value
            if not self.characteristic.indicate_only:
                self.emit_properties_changed({"Value": value})
                return
            self.confirmation = asyncio.get_running_loop().create_future()
            self.emit_properties_changed({"Value": value})
            try:
                async with asyncio.timeout(confirm_timeout):
                    await self.confirmation
            finally:
                self.confirmation = None


class _Advertisement(ServiceInterface):
    def __init__(self, name: str, service_uuids: Sequence[str], appearance: int) -> None:
        super().__init__(bluez.ADVERTISEMENT)
        self.local_name_value = name  # not ``name``: ServiceInterface.name is the interface
        self.service_uuids = list(service_uuids)
        self.appearance_value = appearance
        self.released = asyncio.Event()

    @method(name="Release")
    def release(self) -> None:
        self.released.set()

    @dbus_property(access=PropertyAccess.READ, name="Type")
    def type(self) -> DBusStr:
        return "peripheral"

    @dbus_property(access=PropertyAccess.READ, name="ServiceUUIDs")
    def uuids(self) -> DBusStrings:
        return self.service_uuids

    @dbus_property(access=PropertyAccess.READ, name="LocalName")
    def local_name(self) -> DBusStr:
        return self.local_name_value

    @dbus_property(access=PropertyAccess.READ, name="Discoverable")
    def discoverable(self) -> DBusBool:
        # BlueZoo reports an LE advertiser only when it is discoverable (harness §7.6).
        return True

    @dbus_property(access=PropertyAccess.READ, name="Appearance")
    def appearance(self) -> DBusUInt16:
        return self.appearance_value


def _path_component(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text) or "_"


class Peripheral:
    """A GATT server plus advertisement on one BlueZ adapter.

    Use ``await start()`` (or ``async with``), then :meth:`send` values to subscribed centrals
    and :meth:`disconnect` to end connections from the device side.
    """

    def __init__(
        self,
        name: str,
        services: Sequence[Service],
        *,
        adapter: str = "hci0",
        advertised_uuids: Sequence[str] | None = None,
        appearance: int = 0,
        confirm_timeout: float = 10.0,
    ) -> None:
        self.name = name
        self.services = list(services)
        self.adapter_path = bluez.adapter_path(adapter)
        self.confirm_timeout = confirm_timeout
        self.base_path = f"/org/phg/simulator/{_path_component(name)}_{id(self):x}"
        self.advertisement = _Advertisement(
            name,
            advertised_uuids
            if advertised_uuids is not None
            else [s.uuid for s in services if s.primary],
            appearance,
        )
        self._objects: list[tuple[str, ServiceInterface]] = []
        self._characteristics: dict[str, _GattCharacteristic] = {}
        for i, service in enumerate(self.services):
            service_path = f"{self.base_path}/service{i}"
            self._objects.append((service_path, _GattService(service)))
            for j, characteristic in enumerate(service.characteristics):
                obj = _GattCharacteristic(characteristic, service_path)
                self._objects.append((f"{service_path}/char{j:04d}", obj))
                self._characteristics.setdefault(characteristic.uuid, obj)
        self.bus: MessageBus | None = None
        self.address: str | None = None
        self._own_bus = False
        self._registered_app = False
        self._registered_adv = False

    async def __aenter__(self) -> "Peripheral":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _bus(self) -> MessageBus:
        if self.bus is None:
            raise RuntimeError("peripheral is not started")
        return self.bus

    async def start(self, bus: MessageBus | None = None) -> None:
        """Export the objects and register the application and advertisement."""
        if bus is None:
            bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
            self._own_bus = True
        self.bus = bus
        for path, obj in self._objects:
            bus.export(path, obj)
        bus.export(f"{self.base_path}/advertisement", self.advertisement)
        await bluez.call(
            bus,
            self.adapter_path,
            bluez.GATT_MANAGER,
            "RegisterApplication",
            "oa{sv}",
            [self.base_path, {}],
        )
        self._registered_app = True
        await self._register_advertisement()
        self.address = await bluez.adapter_address(bus, self.adapter_path)

    async def advertise_again(self) -> None:
        """Unregister the advertisement and register it again: BlueZ switches advertising off
        and on (see :attr:`~simulators.base.SimulatorOptions.readvertise`). A refusal (the
        adapter just got a connection) is left for the next time."""
        await self._unregister_advertisement()
        with contextlib.suppress(DBusError):
            await self._register_advertisement()

    async def _register_advertisement(self) -> None:
        await bluez.call(
            self._bus(),
            self.adapter_path,
            bluez.ADVERTISING_MANAGER,
            "RegisterAdvertisement",
            "oa{sv}",
            [f"{self.base_path}/advertisement", {}],
        )
        self._registered_adv = True

    async def _unregister_advertisement(self) -> None:
        """(A refusal, from a BlueZ that is gone or never had it, is ignored.)"""
        self._registered_adv = False
        with contextlib.suppress(DBusError):
            await bluez.call(
                self._bus(),
                self.adapter_path,
                bluez.ADVERTISING_MANAGER,
                "UnregisterAdvertisement",
                "o",
                [f"{self.base_path}/advertisement"],
            )

    async def stop(self) -> None:
        """Unregister and unexport everything (errors from a vanished BlueZ are ignored)."""
        bus = self.bus
        if bus is None:
            return
        if bus.connected:
            if self._registered_adv:
                await self._unregister_advertisement()
            if self._registered_app:
                with contextlib.suppress(DBusError):
                    await bluez.call(
                        bus,
                        self.adapter_path,
                        bluez.GATT_MANAGER,
                        "UnregisterApplication",
                        "o",
                        [self.base_path],
                    )
            for path, _ in self._objects:
                bus.unexport(path)
            bus.unexport(f"{self.base_path}/advertisement")
        self._registered_app = self._registered_adv = False
        if self._own_bus:
            bus.disconnect()
        self.bus = None

    def _characteristic(self, uuid: str) -> _GattCharacteristic:
        try:
            return self._characteristics[uuid]
        except KeyError:
            raise KeyError(f"no characteristic {uuid} in {self.name}") from None

    def is_subscribed(self, uuid: str) -> bool:
        return self._characteristic(uuid).notifying

    async def wait_subscribed(self, uuid: str) -> None:
        await self._characteristic(uuid).subscribed.wait()

    async def send(self, uuid: str, value: bytes) -> None:
        """Notify or indicate ``value``; for indications, return once ``Confirm()`` arrived.

        Raises ConnectionError when the central is not subscribed (or unsubscribes while an
        indication waits) and TimeoutError when no confirmation comes in time.
        """
        await self._characteristic(uuid).send(value, self.confirm_timeout)

    async def connected_devices(self) -> list[str]:
        """Object paths of the centrals connected to this adapter."""
        objects = await bluez.managed_objects(self._bus())
        prefix = self.adapter_path + "/"
        return sorted(
            path
            for path, interfaces in objects.items()
            if path.startswith(prefix)
            and bluez.DEVICE in interfaces
            and interfaces[bluez.DEVICE].get("Connected") is not None
            and interfaces[bluez.DEVICE]["Connected"].value
        )

    async def disconnect(self) -> int:
        """Device-initiated disconnect of every connected central; returns how many."""
        devices = await self.connected_devices()
        for path in devices:
            await bluez.call(self._bus(), path, bluez.DEVICE, "Disconnect")
        return len(devices)
