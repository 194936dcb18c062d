"""Pairing on real BlueZ: an ``org.bluez.Agent1`` on dbus-fast, and a bond check.

bleak has no agent API on BlueZ (bleak#1100, #1380, #1700, PR #2007), so devices that need
pairing (Omron, Contour, A&D, ...) need one from the gateway. :class:`PairingAgent` answers
BlueZ's requests headlessly: with ``passkey=None`` it registers as ``NoInputNoOutput`` (Just
Works) and confirms; with a passkey from configuration it registers as ``KeyboardOnly`` and
returns that passkey (or PIN code). Register it once per process; :meth:`PairingAgent.pair` is
the ``pairer`` of ``BleakConnector(pair=True)``; :func:`is_bonded` is the session's
``bond_check`` for ``SessionConfig(bonded_only=True)``.

The gateway pairs by calling ``Device1.Pair`` on the agent's own D-Bus connection, not through
bleak (whose client calls it on a connection of its own): bluetoothd asks the agent of the
connection that called ``Pair`` (BlueZ's ``src/device.c`` keeps it as the bonding's agent),
and only otherwise its default agent. So the configured passkey is given even where another
program's agent is the default one (a desktop's), and, when one bluetoothd serves the gateway
and a simulated device on two adapters, each side's request goes to its own agent
(docs/real-bluez.md, finding 18).

The hardware-free test bus cannot exercise pairing: BlueZoo has no Security Manager. The real
exchange runs in the VM of ``scripts/real-bluez.sh`` (``tests/realbluez/``): real bluetoothd,
the kernel's Security Manager and BlueZ's virtual controllers.
"""

# No ``from __future__ import annotations``: dbus-fast reads the D-Bus signatures from the
# annotations of the decorated methods.

import asyncio
import contextlib
from typing import Final

import structlog
from dbus_fast import BusType, Message, MessageType, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusObjectPath, DBusStr, DBusUInt16, DBusUInt32
from dbus_fast.errors import DBusError
from dbus_fast.service import ServiceInterface, method

from gateway.ble.link import LinkError, Sighting, error_kind, sighted_path

_log = structlog.get_logger("gateway.ble.agent")

AGENT_PATH: Final = "/org/phg/agent"
_REJECTED: Final = "org.bluez.Error.Rejected"
_DEVICE: Final = "org.bluez.Device1"
_PROPERTIES: Final = "org.freedesktop.DBus.Properties"
_ALREADY_PAIRED: Final = "org.bluez.Error.AlreadyExists"


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
        text = reply.body[0] if reply.body and isinstance(reply.body[0], str) else str(reply.body)
        raise DBusError(reply.error_name or "org.bluez.Error.Failed", text)
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

    async def pair(self, path: str) -> None:
        """Pair with the device at BlueZ object ``path``, unless BlueZ already holds a pairing,
        through this agent's connection (so bluetoothd asks this agent); BlueZ connects the
        device for it and keeps the link. Raises the :class:`~gateway.ble.link.LinkError` of
        the failure's kind: :class:`~gateway.ble.link.LinkAuthError` for a failed pairing
        (a wrong passkey, rejected, timed out). Cancelled, it cancels the pairing in BlueZ."""
        bus = self._bus
        if bus is None:
            raise LinkError("the pairing agent is not registered")
        try:
            if await _property(bus, path, "Paired"):
                return
            # As bleak does before pairing: a trusted device needs no authorization later.
            await _call(
                bus, path, _PROPERTIES, "Set", "ssv", [_DEVICE, "Trusted", Variant("b", True)]
            )
            _log.info("pairing", device=path)
            try:
                await _call(bus, path, _DEVICE, "Pair", "", [])
            except asyncio.CancelledError:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(_call(bus, path, _DEVICE, "CancelPairing", "", []), 5)
                raise
        except DBusError as exc:
            if exc.type == _ALREADY_PAIRED:
                return
            message = f"Pair {path}: {exc.type}: {exc.text}"
            raise error_kind(LinkError(message))(message) from exc
        _log.info("paired", device=path)

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


async def _property(bus: MessageBus, path: str, name: str) -> object:
    body = await _call(bus, path, _PROPERTIES, "Get", "ss", [_DEVICE, name])
    value = body[0] if body else None
    return value.value if isinstance(value, Variant) else None


async def is_bonded(sighting: Sighting) -> bool:
    """Whether BlueZ holds a bond (``Device1.Bonded``, else ``Paired``) for the device on the
    sighting's adapter."""
    path = sighted_path(sighting)
    bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
    try:
        for prop in ("Bonded", "Paired"):
            try:
                value = await _property(bus, path, prop)
            except DBusError:
                continue
            if value is not None:
                return bool(value)
        return False
    finally:
        bus.disconnect()
