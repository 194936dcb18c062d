"""Passkey pairing through the kernel's Security Manager: the gateway's configured passkey
against the device's fixed one (printed on its label), right and wrong.

Each side answers with its own agent's code, as between two machines: the gateway's
:class:`~gateway.ble.agent.PairingAgent`, which pairs by calling ``Device1.Pair`` on its own
D-Bus connection (so bluetoothd asks it about its side), and the simulator's
:class:`~simulators.agent.DeviceAgent` as bluetoothd's default agent (so bluetoothd asks it
about the device's side). bluetoothd and the kernel compare the two passkeys. Before the
gateway paired on its agent's connection, both requests went to the one default agent, which
takes one request at a time, and every passkey pairing failed (docs/real-bluez.md, finding 18).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from gateway.ble.agent import PairingAgent
from gateway.ble.events import SessionState
from gateway.status.board import StatusBoard
from simulators import agent as device_agent
from simulators import bluez
from tests.realbluez import stack


class GatewayAgentThenDeviceDefault:
    """The gateway's :class:`PairingAgent` (which makes itself bluetoothd's default agent, as
    on a gateway machine); then the device's agent is made the default again, as on the
    device's own machine, where the device's side of every pairing goes to it."""

    def __init__(self, passkey: int, device: stack.Device) -> None:
        self.agent = PairingAgent(passkey)
        self.device = device

    async def start(self) -> None:
        await self.agent.start()
        peripheral = self.device.simulator.peripheral
        assert peripheral is not None
        assert peripheral.bus is not None
        bus = peripheral.bus
        await bluez.call(
            bus,
            "/org/bluez",
            device_agent.AGENT_MANAGER,
            "RequestDefaultAgent",
            "o",
            [device_agent.AGENT_PATH],
        )

    async def stop(self) -> None:
        await self.agent.stop()

    async def pair(self, path: str) -> None:
        await self.agent.pair(path)


@contextlib.asynccontextmanager
async def passkey_scene(
    gateway_passkey: int, device_passkey: int, tmp: Path
) -> AsyncIterator[stack.Scene]:
    """No bond on either side; a glucose meter with two records, indicated in order, whose
    characteristics need an authenticated (passkey-paired) link and whose agent answers with
    its fixed ``device_passkey``; and the gateway configured with ``gateway_passkey``."""
    await stack.forget_all()
    meter = stack.encrypted_meter(
        2, security="encrypt-authenticated", pairing="passkey", passkey=device_passkey
    )
    agent = GatewayAgentThenDeviceDefault(gateway_passkey, meter)
    async with stack.scene(meter, tmp, passkey=gateway_passkey, agent=agent) as scene:
        yield scene


def test_passkey_device_pairs_with_the_configured_passkey(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with passkey_scene(314159, 314159, tmp_path) as scene:
            gw, meter = scene.gateway, scene.device
            await stack.until(
                lambda: len(gw.measurements(stack.GLUCOSE)) >= 2,
                120,
                "2 records",
                scene.detail,
            )
            assert gw.glucose_sequences() == [1, 2], scene.detail()
            assert stack.agent_calls(scene.logs) == ["agent_passkey"], scene.detail()
            assert len(meter.of("passkey-requested")) == 1, scene.detail()
            assert await stack.device_property(stack.GATEWAY, meter.address, "Bonded")
            stack.record_timing(
                "connect to first reading, passkey pairing", gw.connect_to_first_reading()
            )

    asyncio.run(scenario())


def test_wrong_passkey_is_one_clear_error_without_a_retry_storm(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with passkey_scene(111111, 222222, tmp_path) as scene:
            gw, meter = scene.gateway, scene.device
            await stack.until(
                lambda: any("pairing failed" in s.detail for s in gw.states()),
                120,
                "a 'pairing failed' state",
                scene.detail,
            )
            # The session now waits pairing_retry (600 s) before trying again.
            await asyncio.sleep(20)
            failed = [s for s in gw.states() if s.state is SessionState.FAILED]
            assert len(failed) == 1, scene.detail()
            assert failed[0].detail.startswith(
                "device needs pairing: pairing failed (org.bluez.Error.Authentication"
            ), scene.detail()
            assert stack.agent_calls(scene.logs) == ["agent_passkey"], scene.detail()
            assert len(meter.of("passkey-requested")) == 1, scene.detail()
            assert not gw.measurements(stack.GLUCOSE)
            assert not await stack.device_property(stack.GATEWAY, meter.address, "Paired")
            # What the status page (and /api/status) shows for the device.
            board = StatusBoard("http://fhir.invalid/fhir")
            for event in gw.events:
                board.on_event(event)
            shown = board.snapshot({}, [])["devices"][0]
            assert "pairing failed" in shown["detail"], shown
            print(f"failed state: {failed[0].detail}")

    asyncio.run(scenario())
