"""Discovery: one bleak scanner per adapter, health-device filtering, and sightings for the
sessions.

The detection callback is given to each ``BleakScanner`` when it is built, before scanning
starts, so no advertisement is missed (bleak's ``find_device_by_filter`` registers late, see
shared/research/ble-test-harness.md §5.2). Every advertisement is classified
(:func:`~gateway.ble.allowlist.classify`): health devices and allowed devices are reported
through ``on_device`` (throttled to one report per device per ``report_interval`` unless its
decision changes) and kept as :class:`~gateway.ble.link.Sighting` s; only ALLOWED devices are
ever returned by :meth:`HealthScanner.wait_for`, the sessions' source of devices. A watchdog
restarts an adapter's scanner that has heard nothing for ``watchdog_timeout`` seconds (a
daemon that "stops discovering after a week").

At start the scanner also takes the devices BlueZ already knows on its adapters and saw recently
(connected, or with an RSSI from the running discovery) as sightings: bleak reports a device only
when BlueZ adds its object or changes one of its properties, so a device BlueZ knows with
unchanged advertising data (a restarted gateway, a second ``phg scan``, a bonded device that
bluetoothd reconnected by itself) would otherwise never be reported (docs/real-bluez.md,
finding 10).

For the same reason discovery runs with BlueZ's ``DuplicateData`` filter on
(:data:`REPORT_EVERY_ADVERTISEMENT`): a device that disconnected and advertises again with the
same data and a steady RSSI (a meter next to the gateway) changed no property, so without it
bluez reported nothing and the session waited for a new sighting that never came
(docs/real-bluez.md, finding 14). The cost is one D-Bus signal per advertisement heard.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from types import TracebackType
from typing import Any, Final

import structlog
from bleak import BleakScanner
from bleak.args.bluez import BlueZDiscoveryFilters
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData

from gateway.ble.adapter_choice import AdapterChooser
from gateway.ble.adapters import KnownDevice, known_devices, read_managed_objects
from gateway.ble.allowlist import Advertisement, Allowlist, Decision, classify, normalize_address
from gateway.ble.events import DeviceSeenEvent
from gateway.ble.link import Sighting

_log = structlog.get_logger("gateway.ble.scanner")

REPORT_EVERY_ADVERTISEMENT: Final[BlueZDiscoveryFilters] = {"DuplicateData": True}
"""BlueZ discovery filter: a PropertiesChanged signal for every advertisement heard, not only
for changed data (see the module's doc)."""

DeviceCallback = Callable[[DeviceSeenEvent], None]
ObjectReader = Callable[[], Awaitable[Mapping[str, Mapping[str, Any]]]]


class HealthScanner:
    def __init__(
        self,
        adapters: Sequence[str],
        allowlist: Allowlist | None = None,
        on_device: DeviceCallback | None = None,
        *,
        pinned_adapters: Mapping[str, str] | None = None,
        report_interval: float = 60.0,
        watchdog_timeout: float = 300.0,
        bluez_objects: ObjectReader | None = read_managed_objects,
    ) -> None:
        if not adapters:
            raise ValueError("need at least one adapter")
        self.adapters = tuple(adapters)
        self.allowlist = allowlist or Allowlist()
        self.on_device = on_device
        self.report_interval = report_interval
        self.watchdog_timeout = watchdog_timeout
        self.bluez_objects = bluez_objects
        """Reads BlueZ's object tree for the known devices taken at start (None: none taken)."""
        self.chooser = AdapterChooser(pinned=dict(pinned_adapters or {}))
        self.advertisements = 0
        self._reported: dict[str, tuple[Decision, float]] = {}
        self._seen: dict[str, Advertisement] = {}
        self._waiters: dict[str, list[tuple[float, asyncio.Future[Sighting]]]] = {}
        self._last_heard = dict.fromkeys(self.adapters, time.monotonic())
        self._scanners = {a: self._make_scanner(a) for a in self.adapters}
        self._watchdog: asyncio.Task[None] | None = None

    def _make_scanner(self, adapter: str) -> BleakScanner:
        def callback(device: BLEDevice, adv: AdvertisementData) -> None:
            self._on_advertisement(adapter, device, adv)

        return BleakScanner(
            callback, bluez={"adapter": adapter, "filters": REPORT_EVERY_ADVERTISEMENT}
        )

    # --- lifecycle --------------------------------------------------------------------------

    async def start(self) -> None:
        for adapter, scanner in self._scanners.items():
            await scanner.start()
            self._last_heard[adapter] = time.monotonic()
            _log.info("scanning", adapter=adapter)
        await self._take_known_devices()
        if self.watchdog_timeout > 0 and self._watchdog is None:
            self._watchdog = asyncio.create_task(self._watch(), name="ble-scan-watchdog")

    async def stop(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
            self._watchdog = None
        for adapter, scanner in self._scanners.items():
            try:
                await scanner.stop()
            except Exception as exc:  # a vanished adapter must not block shutdown
                _log.warning("scanner_stop_failed", adapter=adapter, error=repr(exc))

    async def __aenter__(self) -> HealthScanner:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(min(self.watchdog_timeout / 4, 30.0))
            now = time.monotonic()
            for adapter, last in list(self._last_heard.items()):
                if now - last < self.watchdog_timeout:
                    continue
                _log.warning("scanner_silent_restart", adapter=adapter, silent_s=round(now - last))
                old = self._scanners[adapter]
                with contextlib.suppress(Exception):
                    await old.stop()
                self._scanners[adapter] = self._make_scanner(adapter)
                try:
                    await self._scanners[adapter].start()
                except Exception as exc:
                    _log.error("scanner_restart_failed", adapter=adapter, error=repr(exc))
                self._last_heard[adapter] = time.monotonic()

    async def _take_known_devices(self) -> None:
        """Sightings of the devices BlueZ already knows on the scanned adapters and saw
        recently (see the module's doc)."""
        if self.bluez_objects is None:
            return
        try:
            objects = await self.bluez_objects()
        except Exception as exc:  # scanning goes on; such devices wait for a property change
            _log.warning("known_devices_unreadable", error=repr(exc))
            return
        now = time.monotonic()
        for known in known_devices(objects, self.adapters):
            if known.recently_seen and known.advertisement.address:
                self._take_known(known, now)

    def _take_known(self, known: KnownDevice, now: float) -> None:
        adv = known.advertisement
        device = BLEDevice(adv.address, adv.name, {"path": known.path, "props": known.properties})
        decision = self.handle(adv, now, device)
        if decision is not Decision.IGNORE:
            _log.debug(
                "known_device_taken",
                address=adv.address,
                adapter=adv.adapter,
                connected=known.connected,
                decision=decision.value,
            )

    # --- advertisements ---------------------------------------------------------------------

    def _on_advertisement(self, adapter: str, device: BLEDevice, adv: AdvertisementData) -> None:
        now = time.monotonic()
        self.advertisements += 1
        self._last_heard[adapter] = now
        advertisement = Advertisement(
            address=normalize_address(device.address),
            name=adv.local_name or device.name,
            service_uuids=tuple(adv.service_uuids),
            rssi=adv.rssi,
            adapter=adapter,
            manufacturer_data=dict(adv.manufacturer_data),
        )
        self.handle(advertisement, now, device)

    def handle(self, adv: Advertisement, now: float, device: object = None) -> Decision:
        """Classify one advertisement, report it and keep its sighting (also used by tests)."""
        decision = classify(adv, self.allowlist)
        if decision is Decision.IGNORE:
            return decision
        self._seen[adv.address] = adv
        previous = self._reported.get(adv.address)
        if (
            previous is None
            or previous[0] is not decision
            or now - previous[1] >= self.report_interval
        ):
            self._reported[adv.address] = (decision, now)
            if decision is Decision.UNKNOWN:
                _log.info(
                    "unknown_health_device",
                    address=adv.address,
                    adapter=adv.adapter,
                    services=[f"0x{u:04X}" for u in adv.health_services],
                )
            if self.on_device is not None:
                self.on_device(DeviceSeenEvent(adv, decision))
        sighting = Sighting(
            adv.address, adv.name, adv.adapter, adv.rssi, now, adv.service_uuids, device
        )
        self.chooser.add(sighting)
        if decision is Decision.ALLOWED:
            self._wake(adv.address, now)
        return decision

    def _wake(self, address: str, now: float) -> None:
        waiters = self._waiters.get(address)
        if not waiters:
            return
        best = self.chooser.best(address, now)
        if best is None:
            return
        keep = []
        for newer_than, future in waiters:
            if future.done():
                continue
            if best.seen_at > newer_than:
                future.set_result(best)
            else:
                keep.append((newer_than, future))
        self._waiters[address] = keep

    # --- queries ----------------------------------------------------------------------------

    def seen(self) -> list[Advertisement]:
        """The latest advertisement of every reported device, by address."""
        return [self._seen[a] for a in sorted(self._seen)]

    def latest(self, address: str) -> Sighting | None:
        return self.chooser.best(address, time.monotonic())

    def latest_device(self, address: str) -> BLEDevice | None:
        """The bleak device of :meth:`latest` (for bleak-retry-connector's retries)."""
        sighting = self.latest(address)
        if sighting is not None and isinstance(sighting.device, BLEDevice):
            return sighting.device
        return None

    async def wait_for(self, address: str, newer_than: float) -> Sighting:
        """The best sighting of an ALLOWED device received after ``newer_than``."""
        address = normalize_address(address)
        best = self.latest(address)
        if best is not None and best.seen_at > newer_than and self._allowed(address):
            return best
        future: asyncio.Future[Sighting] = asyncio.get_running_loop().create_future()
        self._waiters.setdefault(address, []).append((newer_than, future))
        return await future

    def _allowed(self, address: str) -> bool:
        adv = self._seen.get(address)
        return self.allowlist.allows(address, adv.name if adv else None)
