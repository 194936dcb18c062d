"""The central side of the integration tests: unmodified bleak on hci0 of the test bus."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Mapping

from bleak import BleakClient, BleakScanner
from bleak.backends.device import BLEDevice

from profiles.date_time import DateTime
from profiles.racp import RECORD_ACCESS_CONTROL_POINT

ADAPTER = "hci0"
BLUEZ = {"adapter": ADAPTER}
SCAN_TIMEOUT = 10.0  # only to avoid hanging; the device is usually found within ms
STEP_TIMEOUT = 10.0
RACP = RECORD_ACCESS_CONTROL_POINT.uuid


def uuid16(value: int) -> str:
    return f"0000{value:04x}-0000-1000-8000-00805f9b34fb"


async def find_device(name: str, service_uuid: str | None = None) -> BLEDevice:
    device = await BleakScanner.find_device_by_filter(
        lambda d, ad: ad.local_name == name,
        timeout=SCAN_TIMEOUT,
        service_uuids=[service_uuid] if service_uuid else [],
        bluez=BLUEZ,  # type: ignore[arg-type]
    )
    assert device is not None, f"{name} not found by a scan on {ADAPTER}"
    return device


def client(device: BLEDevice, **kwargs: object) -> BleakClient:
    return BleakClient(device, bluez=BLUEZ, **kwargs)  # type: ignore[arg-type]


class Values:
    """Notification values of one characteristic; ``wait(n)`` until n arrived."""

    def __init__(self) -> None:
        self.values: list[bytes] = []
        self._changed = asyncio.Event()

    def __call__(self, _char: object, data: bytearray) -> None:
        self.values.append(bytes(data))
        self._changed.set()

    async def wait(self, count: int) -> list[bytes]:
        async with asyncio.timeout(STEP_TIMEOUT):
            while len(self.values) < count:
                self._changed.clear()
                await self._changed.wait()
        return self.values[:count]


class Racp:
    """Writes RACP requests and collects what comes back, in order: (name, value hex) from the
    record characteristics ``records`` (name -> UUID) and from the RACP itself ("racp")."""

    def __init__(self, c: BleakClient, records: Mapping[str, str]) -> None:
        self.c = c
        self.records = records
        self.values: list[tuple[str, str]] = []
        self.response = asyncio.Event()

    def on(self, name: str) -> Callable[[object, bytearray], None]:
        def handler(_char: object, data: bytearray) -> None:
            self.values.append((name, bytes(data).hex()))
            if name == "racp":
                self.response.set()

        return handler

    async def start(self) -> None:
        for name, uuid in self.records.items():
            await self.c.start_notify(uuid, self.on(name))
        await self.c.start_notify(RACP, self.on("racp"))

    async def ask(self, request: str) -> list[tuple[str, str]]:
        """What came back for ``request`` (hex), up to and with its RACP response."""
        self.values.clear()
        self.response.clear()
        await self.c.write_gatt_char(RACP, bytes.fromhex(request), response=True)
        async with asyncio.timeout(STEP_TIMEOUT):
            await self.response.wait()
        return list(self.values)

    async def answers(self, requests: Mapping[str, str]) -> dict[str, list[str]]:
        """The values (hex) that came back for each of ``requests`` (key -> request hex)."""
        return {key: [v for _, v in await self.ask(request)] for key, request in requests.items()}


def newest_record_time(newest: DateTime | None, ready_time: str) -> dt.datetime:
    """The device time of a simulator's newest stored record, checked against the device time in
    its ready event: the records are made when the simulator starts, a moment before it is ready
    (a loaded machine can put a second between the two), and their stamps have whole seconds."""
    assert newest is not None
    taken = newest.to_datetime()
    assert taken is not None
    lag = dt.datetime.fromisoformat(ready_time) - taken
    assert dt.timedelta(0) <= lag < dt.timedelta(minutes=1)
    return taken
