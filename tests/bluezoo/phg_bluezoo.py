# SPDX-FileCopyrightText: 2025 BlueZoo developers
# SPDX-FileCopyrightText: 2026 PHG developers
# SPDX-License-Identifier: GPL-2.0-only
#
# This file modifies BlueZoo (https://github.com/Samsung/BlueZoo), copyright BlueZoo developers,
# which is licensed GPL-2.0-only. It is a test-only program, licensed GPL-2.0-only like BlueZoo:
# it imports the pinned bluezoo==1.0.2 package, replaces some of its methods at run time (see
# README.md in this directory for what each fix does and why) and then starts BlueZoo's service.
# It runs only as the BlueZoo process of the PHG test bus
# (`python tests/bluezoo/phg_bluezoo.py --adapter ADDR ...`); PHG code never imports it.
"""BlueZoo 1.0.2 with PHG's lifecycle fixes, started as its own process."""

import argparse
import asyncio
import contextlib
import importlib.metadata
import logging
import os
import signal
import sys
from functools import wraps

PINNED_VERSION = "1.0.2"
STOP_NOTIFY_TIMEOUT = 2.0


def _check_version():
    try:
        version = importlib.metadata.version("bluezoo")
    except importlib.metadata.PackageNotFoundError:
        sys.exit("phg_bluezoo: bluezoo is not installed (pip install bluezoo==1.0.2)")
    if version != PINNED_VERSION:
        sys.exit(
            f"phg_bluezoo: bluezoo {version} is installed, but these fixes patch the internals "
            f"of bluezoo=={PINNED_VERSION}; install that version"
        )


_check_version()

# Fix 7 (errors returned as success) must be in place before the modules that use the decorators
# are imported, so bluezoo.utils is imported and patched first.
import bluezoo.utils as bz_utils  # noqa: E402
import sdbus  # noqa: E402
from bluezoo.log import logger  # noqa: E402


def dbus_method_async_except_logging(func):
    """Log non-D-Bus exceptions from D-Bus methods and re-raise them (so the caller gets an
    error reply instead of a success reply)."""

    @wraps(func)
    async def wrapper(*args, **kwargs):
        try:
            return await func(*args, **kwargs)
        except sdbus.SdBusBaseError:
            raise
        except Exception:
            logger.exception(f"Error in D-Bus method {func.__name__}")
            raise

    return wrapper


def dbus_property_async_except_logging(func):
    """Log non-D-Bus exceptions from D-Bus property getters and re-raise them."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except sdbus.SdBusBaseError:
            raise
        except Exception:
            logger.exception(f"Error in D-Bus property {func.__name__}")
            raise

    return wrapper


bz_utils.dbus_method_async_except_logging = dbus_method_async_except_logging
bz_utils.dbus_property_async_except_logging = dbus_property_async_except_logging

import bluezoo.bluezoo as bz_main  # noqa: E402
from bluezoo import events  # noqa: E402
from bluezoo.device import Device  # noqa: E402
from bluezoo.gatt import (  # noqa: E402
    GattApplicationClient,
    GattCharacteristicClient,
    GattCharacteristicClientLink,
    GattDescriptorClient,
    GattDescriptorClientLink,
    GattManager,
    GattServiceClient,
    GattServiceClientLink,
)


def _dbus_member(cls, name):
    """The sdbus descriptor of D-Bus member ``name`` defined on ``cls`` itself."""
    member = cls.__dict__.get(name)
    if member is None:
        raise RuntimeError(f"phg_bluezoo: {cls.__name__}.{name} not found; wrong bluezoo?")
    return member


def _replace_dbus_method(cls, name, func):
    """Make sdbus dispatch D-Bus method ``name`` of ``cls`` to ``func``.

    sdbus calls ``descriptor.original_method`` for each incoming call, so replacing it on the
    class's own (override) descriptor changes what the exported objects run.
    """
    _dbus_member(cls, name).original_method = dbus_method_async_except_logging(func)


# --- Fix 1: reconnect fails with EEXIST (GATT links never removed on disconnect) -------------


async def _remove_gatt_links(self):
    """Unexport this device's GATT client links (children before parents)."""
    services, self.services = self.services, {}
    for path in sorted(services, reverse=True):
        link = services[path]
        detach = getattr(link, "phg_detach", None)
        if detach is not None:
            await detach()
        with contextlib.suppress(KeyError):  # already gone
            self.peer_adapter.mock.remove_object(link)


async def _unresolve(device):
    await device.phg_remove_gatt_links()
    if device.services_resolved:
        await device.ServicesResolved.set_async(False)


async def _device_disconnect(self, uuid=None):
    self.connecting_task.cancel()
    logger.info(f"Disconnecting {self}")
    await _unresolve(self)
    if self.peer is not None:
        await _unresolve(self.peer)
        await self.peer.Connected.set_async(False)
    await self.Connected.set_async(False)


def _link_peers(self):
    """Fix 3: make this device and the device exported on the peer adapter point at each other.

    add_device() keeps the already exported object when the peer is known and drops the new
    one, so without this the two views of a connection are not each other's peer and a
    disconnect on the device side never reaches the central.
    """
    exported = self.peer_adapter.devices.get(self.peer.get_object_path())
    if exported is not None:
        self.peer = exported
        exported.peer = self


async def _device_connect(self, uuid=None):
    if self.connected and self.services_resolved:
        return  # Connect() on a connected device is a no-op

    async def task():
        logger.info(f"Connecting {self} with {self.adapter}")
        if self.connect_check_authorization_required(uuid):
            await self.peer_adapter.mock.root.agent.RequestAuthorization(self.get_object_path())

        await self.peer.Connected.set_async(True)
        await self.Connected.set_async(True)

        # Defensive: links left over from an earlier connection would collide (EEXIST).
        await self.phg_remove_gatt_links()
        await self.peer.phg_remove_gatt_links()

        for app in self.peer_adapter.gatt_apps.values():
            links = {}
            for obj_path, obj in sorted(app.objects.items(), key=lambda x: x[0]):
                if isinstance(obj, GattServiceClient):
                    link = GattServiceClientLink(obj, self)
                elif isinstance(obj, GattCharacteristicClient):
                    link = GattCharacteristicClientLink(obj, links[obj.Service.get()])
                elif isinstance(obj, GattDescriptorClient):
                    link = GattDescriptorClientLink(obj, links[obj.Characteristic.get()])
                else:
                    continue
                self.peer_adapter.mock.export_object(link.get_object_path(), link)
                self.services[link.get_object_path()] = link
                links[obj_path] = link

        await self.peer.ServicesResolved.set_async(True)
        await self.ServicesResolved.set_async(True)

    if self.connect_check_pairing_required(uuid):
        await self.pair()
    await self.peer_adapter.add_device(self.peer)
    _link_peers(self)

    try:
        self.connecting_task = asyncio.create_task(task())
        async with asyncio.timeout(self.CONNECTING_TIMEOUT):
            await self.connecting_task
    except TimeoutError:
        logger.info(f"Connecting with {self} timed out")


# --- Fix 2: a rescan never reports known devices (find_device_by_filter races) ---------------

_original_properties_sync = Device.properties_sync


REPORT_CHANGES_ONLY = False
"""``--report-changes-only``: signal a known device only when its advertising data changed, as
bluetoothd does for a device whose data and RSSI stay the same (btvirt's RSSI is always 127), so
a new scanner is never told about it (PHG's real-BlueZ finding 10)."""


async def _properties_sync(self, device):
    await _original_properties_sync(self, device)
    if REPORT_CHANGES_ONLY:
        return
    # Like bluetoothd with DuplicateData=false: every advertising report is a signal.
    await self.RSSI.set_async(device.rssi)


def _set_rssi(self, value):
    self.rssi = value


# --- Fix 4: death or unregistration of the device's GATT app is not a disconnect -------------

_original_setup_sync = GattApplicationClient.object_manager_setup_sync_task
_original_del_gatt_application = GattManager._GattManager__del_gatt_application


async def _object_manager_setup_sync_task(self, interfaces):
    await _original_setup_sync(self, interfaces)
    # Objects are popped from self.objects as they are removed; remember all of them.
    self.phg_all_objects = list(self.objects.values())


async def _del_gatt_application(self, app):
    await _original_del_gatt_application(self, app)
    removed = {id(obj) for obj in getattr(app, "phg_all_objects", app.objects.values())}
    if not removed:
        return
    for device in list(self.devices.values()):
        central_view = device.peer
        if central_view is None or not (device.connected or central_view.connected):
            continue
        if any(id(link.client) in removed for link in central_view.services.values()):
            logger.info(f"GATT application of {self} gone: disconnecting {device}")
            await device.disconnect()


# --- Fixes 5 and 6: Confirm() floods the bus; StartNotify falls into AcquireNotify -----------


def _subscribers(client):
    subscribers = getattr(client, "phg_subscribers", None)
    if subscribers is None:
        subscribers = client.phg_subscribers = set()
    return subscribers


async def _confirm(link):
    try:
        await link.client.Confirm()
    except sdbus.SdBusBaseError as e:
        logger.debug(f"Confirm() on {link} failed: {e!r}")


async def _start_notify(self):
    sender = sdbus.get_current_message().sender
    acquired = self.client.NotifyAcquired.get()
    logger.debug(f"Client {sender} requested to start notification of {self}")

    if acquired is None:
        if self.client_props_changed_subscription.subscriber is not None:
            return  # this link is already subscribed
        flags = self.client.Flags.get([])
        # bluetoothd prefers notifications when both are supported; only indications are
        # confirmed.
        indicate_only = "indicate" in flags and "notify" not in flags

        async def on_properties_changed(properties):
            if "Value" in properties:
                await self.Value.set_async(properties["Value"])
                if indicate_only:
                    await _confirm(self)

        self.client_props_changed_subscription = events.Subscription(
            events.subscribe(f"properties:changed:{id(self.client)}", on_properties_changed)
        )
        _subscribers(self.client).add(self)
        if not self.client.Notifying.get(False):
            await self.client.StartNotify()
        return

    if not acquired:
        fd, self.mtu = await self.client.AcquireNotify(
            self._GattCharacteristicClientLink__prepare_options({})
        )
        self.f_read = open(os.dup(fd), "r+b", buffering=0)  # noqa: SIM115

        def reader():
            if data := self.f_read.read(self.mtu):
                bz_utils.create_background_task(self.Value.set_async(data))
                if "indicate" in self.client.Flags.get([]):
                    self.f_read.write(b"\x01")
            elif self.f_read is not None:
                asyncio.get_running_loop().remove_reader(self.f_read)
                self.f_read.close()
                self.f_read = None

        asyncio.get_running_loop().add_reader(self.f_read, reader)


async def _unsubscribe(self):
    self.client_props_changed_subscription.unsubscribe()
    subscribers = _subscribers(self.client)
    subscribers.discard(self)
    if subscribers or not self.client.Notifying.get(False):
        return
    try:
        async with asyncio.timeout(STOP_NOTIFY_TIMEOUT):
            await self.client.StopNotify()
    except (sdbus.SdBusBaseError, TimeoutError) as e:
        logger.debug(f"StopNotify() on {self} failed: {e!r}")  # the server may be dead


def _close_acquired(self):
    if self.f_read is not None:
        asyncio.get_running_loop().remove_reader(self.f_read.fileno())
        self.f_read.close()
        self.f_read = None
    if self.f_write is not None:
        self.f_write.close()
        self.f_write = None


async def _stop_notify(self):
    sender = sdbus.get_current_message().sender
    logger.debug(f"Client {sender} requested to stop notification of {self}")
    if self.client.NotifyAcquired.get() is None:
        await self.phg_unsubscribe()
    else:
        _close_acquired(self)


async def _detach(self):
    """Called when the link is removed because the connection went down."""
    await self.phg_unsubscribe()
    _close_acquired(self)


def apply_fixes():
    Device.phg_remove_gatt_links = _remove_gatt_links
    Device.connect = _device_connect
    Device.disconnect = _device_disconnect
    Device.properties_sync = _properties_sync
    rssi = _dbus_member(Device, "RSSI")
    rssi.property_setter = _set_rssi
    rssi.property_setter_is_public = False  # settable from BlueZoo only, read-only on D-Bus

    GattApplicationClient.object_manager_setup_sync_task = _object_manager_setup_sync_task
    GattManager._GattManager__del_gatt_application = _del_gatt_application

    GattCharacteristicClientLink.phg_unsubscribe = _unsubscribe
    GattCharacteristicClientLink.phg_detach = _detach
    _replace_dbus_method(GattCharacteristicClientLink, "StartNotify", _start_notify)
    _replace_dbus_method(GattCharacteristicClientLink, "StopNotify", _stop_notify)


def _parse_args(argv):
    parser = argparse.ArgumentParser(description="BlueZoo 1.0.2 with PHG's fixes")
    parser.add_argument(
        "-a",
        "--adapter",
        metavar="ADDRESS",
        dest="adapters",
        action="append",
        type=bz_utils.BluetoothAddress,
        required=True,
        help="add a virtual adapter (hci0, hci1, ... in order)",
    )
    parser.add_argument(
        "--scan-interval", type=float, default=1.0, help="seconds between scans (float)"
    )
    parser.add_argument("--no-auto-enable", action="store_true", help="leave adapters off")
    parser.add_argument(
        "--report-changes-only",
        action="store_true",
        help="signal a known device only when its advertising data changes (as bluetoothd)",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument("--bus-session", action="store_true", help="use the session bus")
    return parser.parse_args(argv)


def main(argv=None):
    args = _parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    apply_fixes()
    global REPORT_CHANGES_ONLY
    REPORT_CHANGES_ONLY = args.report_changes_only
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, loop.stop)
    loop.run_until_complete(
        bz_main.startup(
            bus="session" if args.bus_session else "system",
            adapters=args.adapters,
            auto_enable=not args.no_auto_enable,
            scan_interval=args.scan_interval,
        )
    )
    logger.info("phg_bluezoo ready")
    loop.run_forever()
    logger.info("phg_bluezoo stopping")


if __name__ == "__main__":
    main()
