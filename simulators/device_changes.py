"""Wake a simulator when BlueZ signals a change to a device on its adapter.

A simulator follows the centrals connected to its adapter (``connected`` events, the
disconnect-after-bonding quirk) from BlueZ's object tree. Reading that tree a few times a second
from every simulator kept a user-space BlueZ busy answering: twenty simulators on one BlueZoo
spent most of its time building object trees, and the gateway's GATT calls timed out behind them
(the twenty-meters test on a loaded machine). So the tree is read once at start and again only
when BlueZ signals that a device of the adapter appeared or disappeared, or that its
``Connected``, ``Paired`` or ``Bonded`` property changed, plus a slow read in case a signal was
missed (a stack that changes a property without signalling it).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Final

from dbus_fast import Message, MessageType
from dbus_fast.aio import MessageBus

from simulators import bluez

WATCHED_PROPERTIES: Final = frozenset({"Connected", "Paired", "Bonded"})
FALLBACK_INTERVAL: Final = 5.0
"""Seconds between reads when no signal came."""

_DBUS: Final = "org.freedesktop.DBus"
_PROPERTIES: Final = "org.freedesktop.DBus.Properties"
_OBJECT_MANAGER: Final = "org.freedesktop.DBus.ObjectManager"


def match_rules(adapter_path: str) -> list[str]:
    """The signals of devices under ``adapter_path`` (as a D-Bus daemon matches them)."""
    base = f"type='signal',sender='{bluez.BLUEZ}'"
    return [
        f"{base},interface='{_PROPERTIES}',member='PropertiesChanged',"
        f"path_namespace='{adapter_path}',arg0='{bluez.DEVICE}'",
        f"{base},interface='{_OBJECT_MANAGER}',member='InterfacesAdded',arg0path='{adapter_path}/'",
        f"{base},interface='{_OBJECT_MANAGER}',member='InterfacesRemoved',"
        f"arg0path='{adapter_path}/'",
    ]


def dropped_device(message: Message) -> str | None:
    """The device path ``message`` reports as disconnected (``Connected`` false) or gone, else
    None (a device change, as :func:`is_device_change` tells)."""
    if message.interface == _PROPERTIES and message.member == "PropertiesChanged":
        connected = message.body[1].get("Connected") if len(message.body) > 1 else None
        return message.path if connected is not None and not connected.value else None
    if message.member == "InterfacesRemoved":
        return str(message.body[0])
    return None


def is_device_change(message: Message, adapter_path: str) -> bool:
    """Whether ``message`` tells of a device of the adapter appearing, going or changing one
    of the watched properties (the match rules already select most of this; a bus connection
    shared with other handlers gets other signals too)."""
    if message.message_type != MessageType.SIGNAL or not message.body:
        return False
    prefix = adapter_path + "/"
    if message.interface == _PROPERTIES and message.member == "PropertiesChanged":
        if not (message.path or "").startswith(prefix) or message.body[0] != bluez.DEVICE:
            return False
        changed = message.body[1] if len(message.body) > 1 else {}
        invalidated = message.body[2] if len(message.body) > 2 else []
        return bool(WATCHED_PROPERTIES & (set(changed) | set(invalidated)))
    if message.interface == _OBJECT_MANAGER and message.member in (
        "InterfacesAdded",
        "InterfacesRemoved",
    ):
        path = str(message.body[0])
        interfaces = message.body[1] if len(message.body) > 1 else ()
        return path.startswith(prefix) and bluez.DEVICE in interfaces
    return False


class DeviceChanges:
    """Signals of device changes on one adapter, as an awaitable "something changed"."""

    def __init__(self, bus: MessageBus, adapter_path: str) -> None:
        self.bus = bus
        self.adapter_path = adapter_path
        self._changed = asyncio.Event()
        self._rules: list[str] = []
        self._dropped: set[str] = set()

    async def start(self) -> None:
        """Listen (before the first read of the tree, so no change falls in between)."""
        self.bus.add_message_handler(self._on_message)
        for rule in match_rules(self.adapter_path):
            await self._match("AddMatch", rule)
            self._rules.append(rule)

    async def stop(self) -> None:
        self.bus.remove_message_handler(self._on_message)
        for rule in self._rules:
            with contextlib.suppress(Exception):  # the bus may be closing
                await self._match("RemoveMatch", rule)
        self._rules.clear()

    async def wait(self, timeout: float = FALLBACK_INTERVAL) -> None:
        """Return after the next change signalled since the last return, or after
        ``timeout`` seconds without one."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)
        self._changed.clear()

    def take_dropped(self) -> set[str]:
        """The devices signalled as disconnected or gone since the last call: a central that
        disconnected and connected again between two reads of the tree looks connected in
        both, and only this tells that it was a new connection."""
        dropped, self._dropped = self._dropped, set()
        return dropped

    def _on_message(self, message: Message) -> None:
        if is_device_change(message, self.adapter_path):
            dropped = dropped_device(message)
            if dropped is not None:
                self._dropped.add(dropped)
            self._changed.set()

    async def _match(self, member: str, rule: str) -> None:
        await bluez.call(
            self.bus, "/org/freedesktop/DBus", _DBUS, member, "s", [rule], destination=_DBUS
        )
