"""PairingAgent.pair over a stand-in for BlueZ's D-Bus answers: it pairs on the agent's own
connection only when BlueZ holds no pairing, and BlueZ's errors become the session's kinds of
link error (a failed pairing: LinkAuthError). The real exchange, with bluetoothd and the
kernel's Security Manager, is in tests/realbluez/test_passkey.py."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from dbus_fast import Message, Variant

from gateway.ble.agent import PairingAgent
from gateway.ble.link import (
    LinkAbortedError,
    LinkAuthError,
    LinkError,
    LinkNotFoundError,
    connect_security_failure,
)

PATH = "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01"


class FakeBus:
    """Answers ``Properties.Get`` with ``paired``, ``Pair`` with ``pair_error`` (an error name
    and text) or success, or never (``pair_hangs``); records every call."""

    def __init__(
        self,
        paired: bool = False,
        pair_error: tuple[str, str] | None = None,
        pair_hangs: bool = False,
    ) -> None:
        self.paired = paired
        self.pair_error = pair_error
        self.pair_hangs = pair_hangs
        self.calls: list[tuple[str | None, str | None, list[Any]]] = []

    async def call(self, message: Message) -> Message:
        self.calls.append((message.member, message.path, list(message.body)))
        message.serial = len(self.calls)  # as the bus daemon numbers a message sent
        if message.member == "Get":
            return Message.new_method_return(message, "v", [Variant("b", self.paired)])
        if message.member == "Pair":
            if self.pair_hangs:
                await asyncio.Event().wait()
            if self.pair_error is not None:
                return Message.new_error(message, *self.pair_error)
        return Message.new_method_return(message)

    def members(self) -> list[str | None]:
        return [member for member, _, _ in self.calls]


def _pair(bus: FakeBus) -> None:
    agent = PairingAgent(123456)
    agent._bus = bus  # type: ignore[assignment]  # as after start(), without a system bus
    asyncio.run(agent.pair(PATH))


def test_an_unpaired_device_is_trusted_then_paired_on_the_agents_connection() -> None:
    bus = FakeBus()
    _pair(bus)
    assert bus.members() == ["Get", "Set", "Pair"]
    assert all(path == PATH for _, path, _ in bus.calls)
    _, _, body = bus.calls[1]
    assert body[:2] == ["org.bluez.Device1", "Trusted"]
    assert body[2].value is True


def test_a_paired_device_is_not_paired_again() -> None:
    bus = FakeBus(paired=True)
    _pair(bus)
    assert bus.members() == ["Get"]


def test_already_paired_is_no_failure() -> None:
    bus = FakeBus(pair_error=("org.bluez.Error.AlreadyExists", "Already Exists"))
    _pair(bus)
    assert bus.members() == ["Get", "Set", "Pair"]


@pytest.mark.parametrize(
    "name",
    [
        "org.bluez.Error.AuthenticationFailed",
        "org.bluez.Error.AuthenticationRejected",
        "org.bluez.Error.AuthenticationCanceled",
        "org.bluez.Error.AuthenticationTimeout",
    ],
)
def test_a_failed_pairing_is_an_auth_error_naming_bluezs_error(name: str) -> None:
    with pytest.raises(LinkAuthError) as raised:
        _pair(FakeBus(pair_error=(name, "Authentication Failed")))
    assert str(raised.value) == f"Pair {PATH}: {name}: Authentication Failed"
    # what the session shows: "device needs pairing: pairing failed (<name>)"
    assert connect_security_failure(raised.value) == name


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (("org.freedesktop.DBus.Error.UnknownObject", "no such object"), LinkNotFoundError),
        (("org.bluez.Error.Failed", "le-connection-abort-by-local"), LinkAbortedError),
        (("org.bluez.Error.InProgress", "In Progress"), LinkError),
    ],
)
def test_other_failures_keep_their_kind(error: tuple[str, str], kind: type[LinkError]) -> None:
    with pytest.raises(LinkError) as raised:
        _pair(FakeBus(pair_error=error))
    assert type(raised.value) is kind
    assert error[1] in str(raised.value)


def test_a_cancelled_pairing_is_cancelled_in_bluez() -> None:
    bus = FakeBus(pair_hangs=True)
    agent = PairingAgent(123456)
    agent._bus = bus  # type: ignore[assignment]

    async def scenario() -> None:
        task = asyncio.create_task(agent.pair(PATH))
        while "Pair" not in bus.members() and not task.done():
            await asyncio.sleep(0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(scenario())
    assert bus.members() == ["Get", "Set", "Pair", "CancelPairing"]


def test_pairing_needs_the_agent_registered() -> None:
    with pytest.raises(LinkError, match="not registered"):
        asyncio.run(PairingAgent().pair(PATH))
