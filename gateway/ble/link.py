"""The small GATT client interface a session needs (:class:`GattLink`, made by a
:class:`Connector`), and its bleak implementation on bleak-retry-connector.

Keeping the session on this interface makes it testable with in-memory fakes and keeps bleak's
types in one module.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import structlog
from bleak import BleakClient
from bleak.backends.characteristic import BleakGATTCharacteristic
from bleak.backends.device import BLEDevice
from bleak.exc import (
    BleakDBusError,
    BleakDeviceNotFoundError,
    BleakError,
    BleakGATTProtocolError,
)

from gateway.ble.uuids import HEALTH_SERVICES, full, short

_log = structlog.get_logger("gateway.ble.link")

NotificationHandler = Callable[[bytes], None]
"""Called in the event loop for each notification or indication value; must not block."""


class LinkError(Exception):
    """A connect or GATT operation failed (the session logs it and decides whether to go on).

    Failures of bleak/BlueZ are raised as the subclass naming their kind (:func:`link_error`),
    so the retry policy can tell them apart; a failure of no known kind is a plain LinkError."""


class LinkNotFoundError(LinkError):
    """The device is not there: BlueZ no longer knows it, or it did not answer the connect
    (out of range, asleep)."""


class LinkOutOfSlotsError(LinkError):
    """The adapter has no free connection slot (its controller's connection limit)."""


class LinkAuthError(LinkError):
    """Pairing or authentication failed, or the device needs a paired (encrypted) link."""


class LinkAbortedError(LinkError):
    """The link was aborted while connecting or in use (interference, range, the device or
    the controller dropped it): transient."""


class LinkStalledError(LinkError):
    """A read got no answer within the step timeout while the link stayed up. Nothing more is
    asked on that link: ATT has one request outstanding at a time, so every later request
    would wait behind it, and after an ATT transaction timeout the Core specification (Vol 3,
    Part F, 3.3.3) allows no further request on the bearer; BlueZ itself ends the bearer
    after 30 s. The session ends the connection and connects again after its backoff."""


# What BlueZ (and bleak-retry-connector's typed errors, which carry BlueZ's text) say, by kind;
# matched, ignoring case, in the text of the error and of the errors it was raised from. The
# connect error strings are BlueZ's (src/error.h: "le-connection-...", "br-connection-...").
_AUTH_TEXT = ("connection-key-missing",)
_OUT_OF_SLOTS_TEXT = (
    "connection-concurrent-connection-limit",
    "available connection",
    "connection slot",
)
_NOT_FOUND_TEXT = (
    "org.freedesktop.dbus.error.unknownobject",
    "org.bluez.error.doesnotexist",
    "le-connection-timeout",
    "br-connection-page-timeout",
    # bleak's own words (BlueZ backend); not "Characteristic ... was not found!"
    "device with address",
    "' not found",  # "device 'dev_AA_BB_...' not found"
)
_ABORTED_TEXT = (
    "le-connection-abort-by-local",
    "le-connection-abort-by-remote",
    "br-connection-aborted-by-local",
    "br-connection-aborted-by-remote",
    "br-connection-canceled",
    "le-connection-link-layer-protocol-error",
    "org.bluez.error.notconnected",
    "not connected",
    "esp_gatt_conn_",
)
# bleak-retry-connector's typed connect failures, by class name (the package is imported only
# at the first connection).
_RETRY_CONNECTOR_KINDS: dict[str, type[LinkError]] = {
    "BleakNotFoundError": LinkNotFoundError,
    "BleakOutOfConnectionSlotsError": LinkOutOfSlotsError,
    "BleakAbortedError": LinkAbortedError,
}


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and the errors it was raised from (``__cause__`` / ``__context__``)."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and all(current is not seen for seen in chain):
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def error_kind(exc: BaseException, *, paired: bool = False) -> type[LinkError]:
    """The :class:`LinkError` subclass naming what kind of failure ``exc`` is (a bleak or
    BlueZ error, possibly wrapped); :class:`LinkError` itself when it is of no known kind.
    ``paired``: the device is paired (see :func:`security_failure`)."""
    chain = _chain(exc)
    for current in chain:
        if isinstance(current, LinkError) and type(current) is not LinkError:
            return type(current)
        if security_failure(current, paired) is not None:
            return LinkAuthError
    text = " | ".join(str(current) for current in chain).lower()
    if connect_security_failure(exc) is not None or any(m in text for m in _AUTH_TEXT):
        return LinkAuthError
    for current in chain:
        kind = _RETRY_CONNECTOR_KINDS.get(type(current).__name__)
        if kind is not None:
            return kind
    if any(marker in text for marker in _OUT_OF_SLOTS_TEXT):
        return LinkOutOfSlotsError
    if any(isinstance(current, BleakDeviceNotFoundError) for current in chain) or any(
        marker in text for marker in _NOT_FOUND_TEXT
    ):
        return LinkNotFoundError
    if any(marker in text for marker in _ABORTED_TEXT):
        return LinkAbortedError
    return LinkError


def link_error(message: str, exc: BaseException, *, paired: bool = False) -> LinkError:
    """A LinkError of ``exc``'s kind (:func:`error_kind`) saying ``message``; raise it
    ``from exc``."""
    return error_kind(exc, paired=paired)(message)


# ATT errors that mean "this link is not secure enough": Insufficient Authentication,
# Authorization, Encryption Key Size, Encryption.
_SECURITY_ATT_ERRORS = frozenset((0x05, 0x08, 0x0C, 0x0F))
# BlueZ 5.66 answers a request with Unlikely Error (0x0E) when the security elevation it starts
# itself (after 0x05/0x0F from the device) fails: then it means "pairing failed".
_UNLIKELY_ERROR = 0x0E
_SECURITY_DBUS_ERRORS = frozenset(
    (
        "org.bluez.Error.AuthenticationFailed",
        "org.bluez.Error.AuthenticationRejected",
        "org.bluez.Error.AuthenticationCanceled",
        "org.bluez.Error.AuthenticationTimeout",
    )
)


def security_failure(exc: BaseException, paired: bool) -> str | None:
    """Why a GATT or connect error means the device needs (another) pairing, else None.

    Real BlueZ (docs/real-bluez.md) reports a characteristic that needs encryption as ATT
    0x05/0x0F (bleak: BleakGATTProtocolError), as ``org.bluez.Error.NotPermitted: Not paired``,
    or, after its own pairing attempt failed, as ATT 0x0E; a failed pairing as
    ``org.bluez.Error.Authentication*``."""
    if isinstance(exc, BleakGATTProtocolError):
        code = int(exc.code)
        if code in _SECURITY_ATT_ERRORS:
            return f"ATT error 0x{code:02X} ({exc.code.name.lower().replace('_', ' ')})"
        if code == _UNLIKELY_ERROR and not paired:
            return "ATT error 0x0E after BlueZ's own pairing attempt failed"
        return None
    if isinstance(exc, BleakDBusError):
        name = exc.dbus_error
        if name in _SECURITY_DBUS_ERRORS:
            return f"{name}: {exc.dbus_error_details or ''}".strip()
        if name == "org.bluez.Error.NotPermitted" and "paired" in str(exc).lower():
            return f"{name}: {exc.dbus_error_details or 'Not paired'}"
    return None


@dataclass(frozen=True, slots=True)
class Sighting:
    """A device's latest advertisement as the scanner saw it on one adapter.

    ``device`` is the backend's handle (a bleak ``BLEDevice``) for the connector; ``seen_at`` is
    ``time.monotonic()`` at reception.
    """

    address: str
    name: str | None
    adapter: str
    rssi: int | None
    seen_at: float
    service_uuids: tuple[str, ...] = ()
    device: Any = field(default=None, compare=False, repr=False)


class GattLink(Protocol):
    """One connection to one device."""

    @property
    def services(self) -> frozenset[int]:
        """16-bit UUIDs of the device's SIG services."""
        ...

    @property
    def characteristics(self) -> frozenset[int]:
        """16-bit UUIDs of the device's SIG characteristics."""
        ...

    async def read(self, uuid16: int) -> bytes: ...

    async def write(self, uuid16: int, data: bytes, *, response: bool = True) -> None: ...

    async def subscribe(self, uuid16: int, handler: NotificationHandler) -> None: ...

    async def disconnect(self) -> None: ...


class Connector(Protocol):
    async def connect(self, sighting: Sighting, on_disconnect: Callable[[], None]) -> GattLink:
        """Connect (retrying as it sees fit); ``on_disconnect`` is called once when the link
        drops for whatever reason, including our own disconnect."""
        ...


def connect_security_failure(exc: BaseException) -> str | None:
    """Why a failed connect (with ``pair=True``) was a failed pairing, else None."""
    for current in _chain(exc):
        if isinstance(current, BleakDBusError) and current.dbus_error in _SECURITY_DBUS_ERRORS:
            return f"{current.dbus_error}: {current.dbus_error_details or ''}".strip(": ")
        text = str(current)
        for name in _SECURITY_DBUS_ERRORS:
            if name in text:
                return name
    return None


class BleakLink:
    """A :class:`GattLink` over a connected bleak client."""

    def __init__(self, client: BleakClient) -> None:
        self._client = client
        self.security_failure: str | None = None
        """Set when an operation failed for lack of pairing (see :func:`security_failure`)."""
        services = client.services
        self._services = frozenset(u for u in (short(s.uuid) for s in services) if u is not None)
        self._characteristics = frozenset(
            u for u in (short(c.uuid) for s in services for c in s.characteristics) if u is not None
        )

    @property
    def services(self) -> frozenset[int]:
        return self._services

    @property
    def characteristics(self) -> frozenset[int]:
        return self._characteristics

    def _char(self, uuid16: int) -> BleakGATTCharacteristic:
        found = self._client.services.get_characteristic(full(uuid16))
        if found is None:
            raise LinkError(f"no characteristic 0x{uuid16:04X}")
        return found

    def _failed(self, what: str, exc: BleakError) -> LinkError:
        paired = self._paired()
        reason = security_failure(exc, paired)
        if reason is not None and self.security_failure is None:
            self.security_failure = f"{what}: {reason}"
        return link_error(f"{what}: {exc}", exc, paired=paired)

    def _paired(self) -> bool:
        # bleak's BlueZ backend keeps the Device1 properties; other backends: assume unpaired.
        properties = getattr(getattr(self._client, "_backend", None), "_properties", None)
        return bool(isinstance(properties, dict) and properties.get("Paired"))

    async def read(self, uuid16: int) -> bytes:
        try:
            return bytes(await self._client.read_gatt_char(self._char(uuid16)))
        except BleakError as exc:
            raise self._failed(f"read 0x{uuid16:04X}", exc) from exc

    async def write(self, uuid16: int, data: bytes, *, response: bool = True) -> None:
        try:
            await self._client.write_gatt_char(self._char(uuid16), data, response=response)
        except BleakError as exc:
            raise self._failed(f"write 0x{uuid16:04X}", exc) from exc

    async def subscribe(self, uuid16: int, handler: NotificationHandler) -> None:
        def callback(_: BleakGATTCharacteristic, data: bytearray) -> None:
            handler(bytes(data))

        try:
            await self._client.start_notify(self._char(uuid16), callback)
        except BleakError as exc:
            raise self._failed(f"subscribe 0x{uuid16:04X}", exc) from exc

    async def disconnect(self) -> None:
        try:
            await self._client.disconnect()
        except BleakError as exc:
            raise link_error(f"disconnect: {exc}", exc) from exc


@dataclass(frozen=True, slots=True)
class BleakConnector:
    """Connects with bleak-retry-connector's ``establish_connection`` on the sighting's
    adapter. ``pair`` pairs before connecting when BlueZ holds no pairing yet: with
    ``pairer`` (given the device's BlueZ object path; the daemon's is
    :meth:`gateway.ble.agent.PairingAgent.pair`, which pairs on its agent's own D-Bus
    connection so that bluetoothd asks that agent), else through bleak (which pairs on its
    client's connection, so bluetoothd asks its default agent). ``latest_device`` lets a retry
    pick up a fresher ``BLEDevice`` (for example from another adapter) between attempts.

    Each of the ``max_attempts`` attempts uses a new bleak client: after an attempt that failed
    once BlueZ had connected (service discovery timed out, say), bleak's client can stay marked
    connected, and every later attempt with it failed at once with "Client is already connected"
    (docs/real-bluez.md, finding 7). A link BlueZ already has to the device (bluetoothd
    reconnected a bonded device itself, or a previous connection was left) is adopted by bleak.
    When the services of a connection lack every health service the device advertised, the
    connector connects once more without bleak-retry-connector's services cache, waiting for
    the services BlueZ resolves now; if they still lack them, the connection is ended with that
    reason instead of being served with nothing to do (finding 11)."""

    max_attempts: int = 3
    pair: bool = False
    latest_device: Callable[[str], BLEDevice | None] | None = None
    pairer: Callable[[str], Awaitable[None]] | None = None

    async def connect(self, sighting: Sighting, on_disconnect: Callable[[], None]) -> GattLink:
        device = sighting.device
        if not isinstance(device, BLEDevice):
            raise LinkError(f"{sighting.address}: the sighting carries no bleak BLEDevice")
        log = _log.bind(address=sighting.address, adapter=sighting.adapter)
        handed_over: list[BleakClient] = []

        def dropped(client: BleakClient) -> None:
            if handed_over and client is handed_over[0]:
                on_disconnect()

        use_cache = True
        while True:
            client = await self._attempts(sighting, device, dropped, use_cache, log)
            link = BleakLink(client)
            log.debug("gatt_services", services=[f"0x{u:04X}" for u in sorted(link.services)])
            missing = missing_health_services(sighting, link.services)
            if missing is None:
                break
            log.warning("health_services_not_resolved", reason=missing, services_cache=use_cache)
            with contextlib.suppress(Exception):
                await client.disconnect()
            if not use_cache:
                raise LinkError(missing)
            use_cache = False  # once more, waiting for the services BlueZ resolves now
        handed_over.append(client)
        if not client.is_connected:  # dropped before it was handed over
            on_disconnect()
        return link

    def _fresh(self, address: str) -> BLEDevice | None:
        return self.latest_device(address) if self.latest_device is not None else None

    def _fresh_or(self, address: str, known: BLEDevice) -> BLEDevice:
        return self._fresh(address) or known

    async def _attempts(
        self,
        sighting: Sighting,
        device: BLEDevice,
        dropped: Callable[[BleakClient], None],
        use_cache: bool,
        log: Any,
    ) -> BleakClient:
        """Up to ``max_attempts`` attempts, each with a new client (bleak-retry-connector still
        retries transient failures within one)."""
        # loaded at the first connection: an idle gateway waiting for devices needs none of it
        from bleak_retry_connector import BleakClientWithServiceCache, establish_connection

        attempt = 1
        while True:
            try:
                if self.pair and self.pairer is not None:
                    await self.pairer(bluez_path(device, sighting))
                return await establish_connection(
                    BleakClientWithServiceCache,
                    device,
                    sighting.name or sighting.address,
                    disconnected_callback=dropped,
                    max_attempts=1,
                    ble_device_callback=functools.partial(self._fresh_or, sighting.address, device),
                    use_services_cache=use_cache,
                    pair=self.pair and self.pairer is None,
                    bluez={"adapter": sighting.adapter},
                )
            except (BleakError, LinkError) as exc:
                kind = error_kind(exc)
                if attempt >= self.max_attempts or kind in (LinkAuthError, LinkOutOfSlotsError):
                    raise kind(str(exc)) from exc
                log.info("connect_attempt_failed", attempt=attempt, error=str(exc))
            attempt += 1
            device = self._fresh(sighting.address) or device


def bluez_path(device: BLEDevice, sighting: Sighting) -> str:
    """BlueZ's object path of ``device`` (bleak keeps it in the details of a BlueZ device),
    else that of the sighted address on the sighting's adapter."""
    details = device.details
    path = details.get("path") if isinstance(details, dict) else None
    return path if isinstance(path, str) else sighted_path(sighting)


def sighted_path(sighting: Sighting) -> str:
    """BlueZ's object path of the sighted address on the sighting's adapter."""
    return f"/org/bluez/{sighting.adapter}/dev_{sighting.address.replace(':', '_').upper()}"


def missing_health_services(sighting: Sighting, resolved: frozenset[int]) -> str | None:
    """Why a connection is of no use: the device advertised health services and BlueZ resolved
    none of them (a stale GATT cache, a service discovery cut short); else None."""
    found = (short(s) for s in sighting.service_uuids)
    advertised = {u for u in found if u is not None and u in HEALTH_SERVICES}
    if not advertised or advertised & resolved or resolved & HEALTH_SERVICES.keys():
        return None
    return (
        "the services BlueZ resolved lack every health service the device advertised "
        f"(advertised {', '.join(f'0x{u:04X}' for u in sorted(advertised))}; resolved "
        f"{', '.join(f'0x{u:04X}' for u in sorted(resolved)) or 'none'})"
    )
