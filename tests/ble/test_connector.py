"""BleakConnector over a stand-in for bleak-retry-connector: a new client per attempt (real-BlueZ
finding 7), disconnections of failed attempts ignored, and a connection whose resolved services
lack every advertised health service ended with that reason (finding 11)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import bleak_retry_connector
import pytest
from bleak.backends.device import BLEDevice
from bleak.exc import BleakError

from gateway.ble.link import BleakConnector, LinkAbortedError, LinkAuthError, LinkError, Sighting
from gateway.ble.uuids import full

BPS = 0x1810
DIS = 0x180A
ADDRESS = "AA:BB:CC:DD:EE:01"


@dataclass
class FakeService:
    uuid: str
    characteristics: list[Any] = field(default_factory=list)


class FakeClient:
    def __init__(self, services: tuple[int, ...], callback: Callable[[Any], None]) -> None:
        self.services = [FakeService(full(u)) for u in services]
        self.is_connected = True
        self.disconnects = 0
        self.callback = callback

    async def disconnect(self) -> None:
        self.disconnects += 1
        self.drop()

    def drop(self) -> None:
        self.is_connected = False
        self.callback(self)


class FakeRetryConnector:
    """``establish_connection``: fails the first ``failures`` calls (after making a client, as
    bleak does), then connects a client with ``services``."""

    def __init__(self, failures: int, services: tuple[int, ...] = (DIS, BPS)) -> None:
        self.failures = failures
        self.services = services
        self.clients: list[FakeClient] = []
        self.caches: list[bool] = []
        self.pairs: list[bool] = []

    async def __call__(self, client_class: type, device: BLEDevice, name: str, **kw: Any) -> Any:
        self.caches.append(kw["use_services_cache"])
        self.pairs.append(kw["pair"])
        client = FakeClient(self.services, kw["disconnected_callback"])
        self.clients.append(client)
        if len(self.clients) <= self.failures:
            raise bleak_retry_connector.BleakConnectionError(
                f"{name} - {device.address}: Failed to connect after 1 attempt(s): TimeoutError"
            )
        return client


def _sighting(*advertised: int) -> Sighting:
    device = BLEDevice(ADDRESS, "PHG-BP", {"path": "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01"})
    uuids = tuple(full(u) for u in advertised)
    return Sighting(ADDRESS, "PHG-BP", "hci0", -50, 0.0, uuids, device)


def _install(monkeypatch: pytest.MonkeyPatch, fake: FakeRetryConnector) -> None:
    monkeypatch.setattr(bleak_retry_connector, "establish_connection", fake)


def test_a_failed_attempt_is_followed_by_one_with_a_new_client(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeRetryConnector(failures=2)
    _install(monkeypatch, fake)
    drops: list[None] = []
    link = asyncio.run(BleakConnector().connect(_sighting(BPS), lambda: drops.append(None)))
    assert len(fake.clients) == 3
    assert len({id(c) for c in fake.clients}) == 3
    assert link.services == frozenset({DIS, BPS})
    fake.clients[0].drop()  # a failed attempt's link going down is not this connection's
    assert drops == []
    fake.clients[-1].drop()
    assert drops == [None]


def test_the_last_attempts_failure_is_raised(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeRetryConnector(failures=3)
    _install(monkeypatch, fake)
    with pytest.raises(LinkError, match="Failed to connect after 1 attempt"):
        asyncio.run(BleakConnector(max_attempts=3).connect(_sighting(BPS), lambda: None))
    assert len(fake.clients) == 3


def test_a_connection_without_any_advertised_health_service_is_ended(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeRetryConnector(failures=0, services=(DIS,))
    _install(monkeypatch, fake)
    drops: list[None] = []
    with pytest.raises(LinkError, match="lack every health service") as raised:
        asyncio.run(BleakConnector().connect(_sighting(BPS), lambda: drops.append(None)))
    assert "advertised 0x1810" in str(raised.value)
    assert "resolved 0x180A" in str(raised.value)
    # once with the services cache, once more waiting for a fresh resolution; both ended
    assert [c.disconnects for c in fake.clients] == [1, 1]
    assert fake.caches == [True, False]
    assert drops == []  # the session never had these connections


def test_a_device_that_advertised_no_health_service_is_served_as_resolved(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = FakeRetryConnector(failures=0, services=(DIS,))
    _install(monkeypatch, fake)
    link = asyncio.run(BleakConnector().connect(_sighting(), lambda: None))
    assert link.services == frozenset({DIS})
    assert fake.clients[0].disconnects == 0


def test_a_failure_not_worth_retrying_is_raised_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    async def refused(*args: Any, **kwargs: Any) -> Any:
        calls.append("connect")
        raise BleakError("org.bluez.Error.AuthenticationFailed")

    monkeypatch.setattr(bleak_retry_connector, "establish_connection", refused)
    with pytest.raises(LinkError, match="AuthenticationFailed"):
        asyncio.run(BleakConnector().connect(_sighting(BPS), lambda: None))
    assert calls == ["connect"]  # a failed pairing: the session waits long, not the connector


class FakePairer:
    """``PairingAgent.pair``: records the paths it is asked for, failing with ``failures``
    in turn."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.paths: list[str] = []

    async def __call__(self, path: str) -> None:
        self.paths.append(path)
        if self.failures:
            raise self.failures.pop(0)


def _connecting(monkeypatch: pytest.MonkeyPatch) -> FakeRetryConnector:
    fake = FakeRetryConnector(failures=0)
    _install(monkeypatch, fake)
    return fake


def test_the_pairer_pairs_before_bleak_connects_and_bleak_does_not_pair(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = _connecting(monkeypatch)
    pairer = FakePairer()
    connector = BleakConnector(pair=True, pairer=pairer)
    asyncio.run(connector.connect(_sighting(BPS), lambda: None))
    assert pairer.paths == ["/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01"]
    assert fake.pairs == [False]


def test_without_a_pairer_bleak_pairs(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _connecting(monkeypatch)
    asyncio.run(BleakConnector(pair=True).connect(_sighting(BPS), lambda: None))
    assert fake.pairs == [True]


def test_the_pairer_is_not_asked_when_pairing_is_off(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _connecting(monkeypatch)
    pairer = FakePairer()
    asyncio.run(BleakConnector(pairer=pairer).connect(_sighting(BPS), lambda: None))
    assert pairer.paths == []
    assert fake.pairs == [False]


def test_a_failed_pairing_is_raised_at_once_without_connecting(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake = _connecting(monkeypatch)
    message = "Pair /org/bluez/hci0/dev_X: org.bluez.Error.AuthenticationFailed: failed"
    pairer = FakePairer(LinkAuthError(message))
    connector = BleakConnector(pair=True, pairer=pairer, max_attempts=3)
    with pytest.raises(LinkAuthError, match="AuthenticationFailed"):
        asyncio.run(connector.connect(_sighting(BPS), lambda: None))
    assert len(pairer.paths) == 1
    assert fake.clients == []


def test_a_pairing_cut_short_is_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = _connecting(monkeypatch)
    aborted = LinkAbortedError("Pair: org.bluez.Error.Failed: le-connection-abort-by-local")
    pairer = FakePairer(aborted)
    connector = BleakConnector(pair=True, pairer=pairer, max_attempts=3)
    asyncio.run(connector.connect(_sighting(BPS), lambda: None))
    assert len(pairer.paths) == 2
    assert len(fake.clients) == 1
