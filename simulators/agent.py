"""The simulated device's side of pairing: an ``org.bluez.Agent1`` for the simulator's BlueZ.

A real device decides how it pairs: Just Works (no input, no output), a fixed passkey (printed
on its label: it answers passkey requests with that number), or a passkey it displays (BlueZ's
Security Manager draws a random one, the agent "displays" it as a ``passkey`` event). On a
machine whose bluetoothd serves only the simulator this agent is that bluetoothd's default
agent. When one bluetoothd serves both the gateway and the simulator (two adapters, one
daemon), this agent must be the default one, and the gateway pairs through its own agent
(``Device1.Pair`` on that agent's connection): see docs/real-bluez.md.
"""

# No ``from __future__ import annotations``: dbus-fast reads the D-Bus signatures from the
# annotations of the decorated methods.

import contextlib
from collections.abc import Callable
from typing import Any, Final

from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusObjectPath, DBusStr, DBusUInt16, DBusUInt32
from dbus_fast.errors import DBusError
from dbus_fast.service import ServiceInterface, method

from simulators import bluez

AGENT_PATH: Final = "/org/phg/simulator/agent"
AGENT_MANAGER: Final = "org.bluez.AgentManager1"
MODES: Final = ("just-works", "passkey", "display")
CAPABILITY: Final = {
    "just-works": "NoInputNoOutput",
    "passkey": "KeyboardOnly",
    "display": "DisplayOnly",
}
REJECTED: Final = "org.bluez.Error.Rejected"


class _Agent1(ServiceInterface):
    def __init__(self, mode: str, passkey: int | None, emit: Callable[[dict[str, Any]], None]):
        super().__init__("org.bluez.Agent1")
        self.mode = mode
        self.passkey = passkey
        self.emit = emit

    @method(name="Release")
    def release(self) -> None:
        pass

    @method(name="RequestPinCode")
    def request_pin_code(self, device: DBusObjectPath) -> DBusStr:  # noqa: ARG002
        if self.passkey is None:
            raise DBusError(REJECTED, "no passkey")
        return f"{self.passkey:06d}"

    @method(name="RequestPasskey")
    def request_passkey(self, device: DBusObjectPath) -> DBusUInt32:
        if self.passkey is None:
            raise DBusError(REJECTED, "no passkey")
        self.emit({"event": "passkey-requested", "device": device})
        return self.passkey

    @method(name="DisplayPasskey")
    def display_passkey(  # type: ignore[no-untyped-def]
        self,
        device: DBusObjectPath,
        passkey: DBusUInt32,
        entered: DBusUInt16,  # noqa: ARG002
    ):
        self.emit({"event": "passkey", "device": device, "passkey": f"{passkey:06d}"})

    @method(name="DisplayPinCode")
    def display_pin_code(self, device: DBusObjectPath, pincode: DBusStr) -> None:
        self.emit({"event": "passkey", "device": device, "passkey": pincode})

    @method(name="RequestConfirmation")
    def request_confirmation(self, device: DBusObjectPath, passkey: DBusUInt32) -> None:  # noqa: ARG002
        self.emit({"event": "pairing-confirmed", "device": device})

    @method(name="RequestAuthorization")
    def request_authorization(self, device: DBusObjectPath) -> None:
        self.emit({"event": "pairing-authorized", "device": device})

    @method(name="AuthorizeService")
    def authorize_service(self, device: DBusObjectPath, uuid: DBusStr) -> None:
        pass

    @method(name="Cancel")
    def cancel(self) -> None:
        self.emit({"event": "pairing-cancelled"})


class DeviceAgent:
    """Registers the device's pairing agent as its bluetoothd's default agent."""

    def __init__(
        self, mode: str, passkey: int | None, emit: Callable[[dict[str, Any]], None]
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"pairing mode {mode!r} (known: {', '.join(MODES)})")
        if mode == "passkey" and passkey is None:
            raise ValueError("pairing mode 'passkey' needs the device's fixed passkey")
        self.mode = mode
        self._agent = _Agent1(mode, passkey, emit)
        self._bus: MessageBus | None = None

    async def start(self, bus: MessageBus) -> None:
        bus.export(AGENT_PATH, self._agent)
        await bluez.call(
            bus,
            "/org/bluez",
            AGENT_MANAGER,
            "RegisterAgent",
            "os",
            [AGENT_PATH, CAPABILITY[self.mode]],
        )
        await bluez.call(bus, "/org/bluez", AGENT_MANAGER, "RequestDefaultAgent", "o", [AGENT_PATH])
        self._bus = bus

    async def stop(self) -> None:
        bus, self._bus = self._bus, None
        if bus is None or not bus.connected:
            return
        with contextlib.suppress(DBusError):
            await bluez.call(bus, "/org/bluez", AGENT_MANAGER, "UnregisterAgent", "o", [AGENT_PATH])
        bus.unexport(AGENT_PATH)
