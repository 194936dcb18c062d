"""Pairing on real BlueZ: an ``org.bluez.Agent1`` on dbus-fast, and a bond check.

bleak has no agent API on BlueZ (bleak#1100, #1380, #1700, PR #2007), so devices that need
pairing (Omron, Contour, A&D, ...) need one from the gateway. :class:`PairingAgent` answers
BlueZ's requests headlessly: with ``passkey=None`` it registers as ``NoInputNoOutput`` (Just
Works) and confirms; with a passkey from configuration it registers as ``KeyboardOnly`` and
returns that passkey (or PIN code). Register it once per process before connecting with
``BleakConnector(pair=True)``; :func:`is_bonded` is the session's ``bond_check`` for
``SessionConfig(bonded_only=True)``.

The hardware-free test bus cannot exercise any of this: BlueZoo has no pairing, bonding or
encryption (shared/research/ble-test-harness.md §9). It needs a real adapter and device.
"""

# No ``from __future__ import annotations``: dbus-fast reads the D-Bus signatures from the
# annotations of the decorated methods.

from typing import Final

import structlog
from dbus_fast import BusType, Message, MessageType, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusObjectPath, DBusStr, DBusUInt16, DBusUInt32
from dbus_fast.errors import DBusError
from dbus_fast.service import ServiceInterface, method

from gateway.ble.link import Sighting

_log = structlog.get_logger("gateway.ble.agent")

AGENT_PATH: Final = "/org/phg/agent"
_REJECTED: Final = "org.bluez.Error.Rejected"


class _Agent1(ServiceInterface):
    def __init__(self, passkey: int | None) -> None:
        super().__init__("org.bluez.Agent1")
        self._passkey = passkey

    @method(name="Release")
    def release(self) -> None:
        _log.info("agent_released")

    @method(name="RequestPinCode")
    def request_pin_code(self, device: DBusObjectPath) -> DBusStr:
        if self._passkey is None:
            raise DBusError(_REJECTED, "no PIN configured")
        _log.info("agent_pin_code", device=device)
        return f"{self._passkey:06d}"

    @method(name="RequestPasskey")
    def request_passkey(self, device: DBusObjectPath) -> DBusUInt32:
        if self._passkey is None:
            raise DBusError(_REJECTED, "no passkey configured")
        _log.info("agent_passkey", device=device)
        return self._passkey

    @method(name="DisplayPasskey")
    def display_passkey(
        self, device: DBusObjectPath, _passkey: DBusUInt32, _entered: DBusUInt16
    ) -> None:
        _log.info("agent_display_passkey", device=device)

    @method(name="DisplayPinCode")
    def display_pin_code(self, device: DBusObjectPath, _pincode: DBusStr) -> None:
        _log.info("agent_display_pin_code", device=device)

    @method(name="RequestConfirmation")
    def request_confirmation(self, device: DBusObjectPath, _passkey: DBusUInt32) -> None:
        _log.info("agent_confirm", device=device)  # headless: accept (allowlist gates devices)

    @method(name="RequestAuthorization")
    def request_authorization(self, device: DBusObjectPath) -> None:
        _log.info("agent_authorize", device=device)

    @method(name="AuthorizeService")
    def authorize_service(self, device: DBusObjectPath, uuid: DBusStr) -> None:
        _log.debug("agent_authorize_service", device=device, uuid=uuid)

    @method(name="Cancel")
    def cancel(self) -> None:
        _log.info("agent_cancelled")


async def _call(
    bus: MessageBus, path: str, interface: str, member: str, signature: str, body: list[object]
) -> list[object]:
    reply = await bus.call(
        Message(
            destination="org.bluez",
            path=path,
            interface=interface,
            member=member,
            signature=signature,
            body=body,
        )
    )
    if reply is None:
        return []
    if reply.message_type == MessageType.ERROR:
        raise DBusError(reply.error_name or "org.bluez.Error.Failed", str(reply.body))
    return list(reply.body)


class PairingAgent:
    """Registers :data:`AGENT_PATH` as BlueZ's default agent until :meth:`stop`."""

    def __init__(self, passkey: int | None = None) -> None:
        if passkey is not None and not 0 <= passkey <= 999999:
            raise ValueError("a passkey has 6 digits")
        self.capability = "NoInputNoOutput" if passkey is None else "KeyboardOnly"
        self._agent = _Agent1(passkey)
        self._bus: MessageBus | None = None

    async def start(self) -> None:
        bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
        bus.export(AGENT_PATH, self._agent)
        manager = "org.bluez.AgentManager1"
        await _call(
            bus, "/org/bluez", manager, "RegisterAgent", "os", [AGENT_PATH, self.capability]
        )
        await _call(bus, "/org/bluez", manager, "RequestDefaultAgent", "o", [AGENT_PATH])
        self._bus = bus
        _log.info("agent_registered", capability=self.capability)

    async def stop(self) -> None:
        if self._bus is None:
            return
        try:
            await _call(
                self._bus,
                "/org/bluez",
                "org.bluez.AgentManager1",
                "UnregisterAgent",
                "o",
                [AGENT_PATH],
            )
        except DBusError as exc:
            _log.warning("agent_unregister_failed", error=str(exc))
        self._bus.disconnect()
        self._bus = None


async def is_bonded(sighting: Sighting) -> bool:
    """Whether BlueZ holds a bond (``Device1.Bonded``, else ``Paired``) for the device on the
    sighting's adapter."""
    path = f"/org/bluez/{sighting.adapter}/dev_{sighting.address.replace(':', '_').upper()}"
    bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
    try:
        for prop in ("Bonded", "Paired"):
            try:
                body = await _call(
                    bus,
                    path,
                    "org.freedesktop.DBus.Properties",
                    "Get",
                    "ss",
                    ["org.bluez.Device1", prop],
                )
            except DBusError:
                continue
            value = body[0] if body else None
            if isinstance(value, Variant):
                return bool(value.value)
        return False
    finally:
        bus.disconnect()
