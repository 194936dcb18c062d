"""A device that shows a new passkey at each pairing (``--pairing display``): the daemon cannot
pair it (its passkey comes from configuration), so a person pairs it once by hand, typing the
passkey the device shows (what ``bluetoothctl pair`` asks for, docs/daemon.md), and the
gateway then serves it with ``bonded_only``. Here the person is a KeyboardOnly agent on its
own D-Bus connection, which calls ``Device1.Pair`` and answers with the passkey the simulator
displayed; the simulator's agent (DisplayOnly) is bluetoothd's default agent, so the kernel
draws the passkey on the device's side."""

# No ``from __future__ import annotations``: dbus-fast reads the D-Bus signatures from the
# annotations of the decorated methods.

import asyncio
from pathlib import Path

from dbus_fast.annotations import DBusObjectPath, DBusUInt32
from dbus_fast.service import ServiceInterface, method

from gateway.ble.events import SessionState
from simulators import bluez
from tests.realbluez import stack

PERSON = "/org/phg/test/person"


class _TypesTheShownPasskey(ServiceInterface):
    def __init__(self, device: stack.Device) -> None:
        super().__init__("org.bluez.Agent1")
        self.device = device
        self.typed: list[int] = []

    @method(name="RequestPasskey")
    async def request_passkey(self, device: DBusObjectPath) -> DBusUInt32:
        await stack.until(lambda: bool(self.device.of("passkey")), 30, "the shown passkey")
        typed = int(self.device.of("passkey")[-1]["passkey"])
        self.typed.append(typed)
        return typed

    @method(name="Cancel")
    def cancel(self) -> None:
        pass

    @method(name="Release")
    def release(self) -> None:
        pass


async def pair_by_hand(address: str, device: stack.Device) -> list[int]:
    """Pair the gateway's adapter with ``address``, typing the passkey ``device`` shows; the
    passkeys typed."""
    bus = await stack.system_bus()
    person = _TypesTheShownPasskey(device)
    bus.export(PERSON, person)
    manager = "org.bluez.AgentManager1"
    try:
        await bluez.call(
            bus, "/org/bluez", manager, "RegisterAgent", "os", [PERSON, "KeyboardOnly"]
        )
        await stack.pair_by_hand(bus, address)
        await bluez.call(bus, "/org/bluez", manager, "UnregisterAgent", "o", [PERSON])
    finally:
        bus.disconnect()
    return person.typed


def test_a_device_showing_its_passkey_is_paired_by_hand_then_served_bonded_only(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        await stack.forget_all()
        meter = stack.encrypted_meter(2, security="encrypt-authenticated", pairing="display")
        async with stack.scene(meter, tmp_path, bonded_only=True) as scene:
            gw, address = scene.gateway, scene.device.address
            await stack.until(
                lambda: any(s.detail == "not bonded" for s in gw.states()),
                60,
                "a refusal",
                scene.detail,
            )
            typed = await pair_by_hand(address, scene.device)
            shown = [int(e["passkey"]) for e in scene.device.of("passkey")]
            assert typed == shown[:1], (typed, shown)
            assert set(shown) == set(typed), shown  # one pairing, one passkey drawn
            assert await stack.device_property(stack.GATEWAY, address, "Bonded")
            await stack.until(
                lambda: len(gw.measurements(stack.GLUCOSE)) >= 2, 90, "records", scene.detail
            )
            assert gw.glucose_sequences() == [1, 2], scene.detail()
            assert not any(
                s.state is SessionState.FAILED and "pairing" in s.detail for s in gw.states()
            ), scene.detail()
            print(f"the device showed {shown[0]:06d}; typed, paired, then served")

    asyncio.run(scenario())
