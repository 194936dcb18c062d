"""One always-on session per allowed device: wait for it to advertise, connect, and reconnect
after the device (or the radio) drops the link, waiting by the kind of failure (the backoff; a
few seconds when the adapter is out of connection slots; long after a failed pairing).

Per connection, in order (the connection's state: :mod:`~gateway.ble.connection`):

1. take one of the adapter's set-up slots (:mod:`~gateway.ble.setup_slots`, shared by the
   gateway's sessions; held until step 4 is over), then connect through the
   :class:`~gateway.ble.link.Connector` (bleak-retry-connector), bounded by ``connect_timeout``;
2. read Device Information (strings, System ID, Regulatory Certification Data List, PnP ID)
   and match :mod:`~gateway.ble.quirks`; read Battery Level; read Current Time (or an Elapsed
   Time Service clock) against the gateway clock and set it when the :class:`ClockPolicy` (and
   the quirks) allow (:mod:`~gateway.ble.clock_writer`);
3. (a link on which no service resolved is ended at once and connected again) read each
   present profile's feature characteristics (and the thermometer's Temperature Type,
   the CGM Session Start Time) into the connection's ``features``, and subscribe to its
   measurement characteristics (:mod:`~gateway.ble.profile_table`); bleak confirms indications;
   start live values through a control point where the device type declares one (the GHS
   Control Point: :mod:`~gateway.ble.live_control`, which also stops them when the gateway
   ends the connection itself);
4. for profiles with stored records, fetch them through RACP (:mod:`~gateway.ble.record_transfer`);
   a transfer that fails while the link stays up ends the connection, so the next one asks again;
5. stay connected, delivering live values, until the device disconnects or :meth:`stop`.

Values are decoded in arrival order by one worker (:mod:`~gateway.ble.value_worker`), which
hands them to the consumer; values already received when the link drops are still delivered.
Measurements sent in several packets (body composition, GHS observation segments) are
reassembled per connection (:mod:`~gateway.ble.reassembly`, :mod:`~gateway.ble.ghs_assembly`).
Every GATT step has a timeout.

High-water marks (:mod:`~gateway.ble.highwater`) advance only past records the consumer has
acknowledged (returned from its call without raising), by the rules of the connection's
:mod:`~gateway.ble.ledger`. A stored record that does not decode is reported as a
DecodeFailureEvent; the consumer keeps its raw bytes and reason (the daemon's held-back store,
kind ``decode-failed``), and the record counts as acknowledged when its key can be read from
the bytes, so a corrupt record the device sends the same way every time never blocks its
later records.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import time
from collections.abc import Awaitable, Callable
from typing import Final, Protocol

import structlog

from gateway.ble import device_facts, live_control, quirks, uuids
from gateway.ble.allowlist import normalize_address
from gateway.ble.clock_writer import ClockWriter
from gateway.ble.connection import STOP, Connection, Route
from gateway.ble.events import (
    ConnectionFacts,
    DecodeFailureEvent,
    EventConsumer,
    SessionState,
    SessionStateEvent,
)
from gateway.ble.highwater import HighWaterStore
from gateway.ble.link import (
    Connector,
    GattLink,
    LinkAuthError,
    LinkOutOfSlotsError,
    LinkStalledError,
    Sighting,
    connect_security_failure,
)
from gateway.ble.profile_table import PROFILES
from gateway.ble.record_transfer import RecordTransfer
from gateway.ble.session_config import SessionConfig, SessionStats
from gateway.ble.session_context import SessionContext
from gateway.ble.setup_slots import SetupSlot, SetupSlots
from gateway.ble.value_worker import ValueWorker
from gateway.waits import stopped_during, unless_stopped
from profiles.errors import DecodeError
from profiles.registry_types import AnyCharacteristic

__all__ = [
    "NEEDS_PAIRING",
    "BondCheck",
    "DeviceSession",
    "DeviceSource",
    "SessionConfig",
    "SessionStats",
]

_log = structlog.get_logger("gateway.ble.session")

NEEDS_PAIRING: Final = "device needs pairing"
"""How a session's FAILED state starts when the device refused for lack of pairing."""


class DeviceSource(Protocol):
    """Where a session learns that its device advertises (the scanner)."""

    async def wait_for(self, address: str, newer_than: float) -> Sighting:
        """The device's latest sighting once one was received after ``newer_than``
        (``time.monotonic()``); immediately if there already is one."""
        ...


BondCheck = Callable[[Sighting], Awaitable[bool]]


def _local_now() -> dt.datetime:
    return dt.datetime.now().astimezone()


class DeviceSession:
    def __init__(
        self,
        address: str,
        source: DeviceSource,
        connector: Connector,
        consumer: EventConsumer,
        store: HighWaterStore,
        config: SessionConfig | None = None,
        *,
        quirk_table: tuple[quirks.Quirk, ...] = quirks.QUIRKS,
        bond_check: BondCheck | None = None,
        setup_slots: SetupSlots | None = None,
        now: Callable[[], dt.datetime] = _local_now,
    ) -> None:
        self.address = normalize_address(address)
        self.source = source
        self.connector = connector
        self.consumer = consumer
        self.store = store
        self.config = config or SessionConfig()
        self.quirk_table = quirk_table
        self.bond_check = bond_check
        self.setup_slots = setup_slots or SetupSlots()
        """Shared by the sessions of one gateway: how many set-ups each adapter runs at once
        (by default the session's own, which limits nothing)."""
        self.now = now
        self.stats = SessionStats()
        self.device_key = self.config.device_key or self.address
        self._stopping = asyncio.Event()
        self._link_lost_at: float | None = None
        self._needs_pairing = False
        self._connect_error: BaseException | None = None
        self._ended_to_ask_again = False
        self._log = _log.bind(address=self.address)
        self._context = SessionContext(
            self.address, self.device_key, self.config, consumer, store, self.stats, now, self._log
        )
        self._clock = ClockWriter(self._context)
        self._values = ValueWorker(self._context, self._clock)
        self._transfer = RecordTransfer(self._context, self._values)

    # --- lifecycle --------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask :meth:`run` to disconnect and return."""
        self._stopping.set()

    async def run(self) -> None:
        """Serve the device until :meth:`stop` (or cancellation)."""
        backoff = self.config.backoff()
        newer_than = -float("inf")
        emit = self._context.emit
        try:
            while not self._stopping.is_set():
                await emit(SessionStateEvent(self.address, SessionState.WAITING))
                sighting = await unless_stopped(
                    self._stopping, self.source.wait_for(self.address, newer_than)
                )
                if sighting is None:
                    break
                started = time.monotonic()
                stable = await self._attempt(sighting)
                if self._stopping.is_set():
                    break
                if self._ended_to_ask_again:
                    # The gateway ended a link that was up to ask for the stored records again:
                    # the device is there, so its last sighting will do (BlueZ need not report
                    # an unchanged device again). The backoff grows if this keeps failing.
                    if await self._wait_backoff(backoff.next_delay()):
                        break
                    newer_than = -float("inf")
                    continue
                if stable:
                    backoff.reset()
                    # The device must advertise again after it dropped the link.
                    newer_than = self._link_lost_at or time.monotonic()
                    continue
                if await self._wait_backoff(self._retry_delay(backoff.next_delay())):
                    break
                newer_than = max(started, time.monotonic()) - self.config.fresh_sighting
        finally:
            await emit(SessionStateEvent(self.address, SessionState.STOPPED))

    async def _wait_backoff(self, delay: float) -> bool:
        """Wait ``delay`` seconds before the next attempt; True when :meth:`stop` came first."""
        self._log.info("reconnect_backoff", delay=round(delay, 3))
        return await stopped_during(self._stopping, delay)

    def _retry_delay(self, backoff_delay: float) -> float:
        """The wait before the next attempt after one that failed, by the kind of failure: long
        after a failed pairing, a few seconds after "out of connection slots", else the
        backoff (device not found, link aborted, other failures)."""
        if self._needs_pairing:
            return max(backoff_delay, self.config.pairing_retry)
        if isinstance(self._connect_error, LinkOutOfSlotsError):
            return max(backoff_delay, self.config.out_of_slots_retry)
        return backoff_delay

    async def _attempt(self, sighting: Sighting) -> bool:
        """One connection; True when it counts as stable (resets the backoff)."""
        self._needs_pairing = False
        self._connect_error = None
        self._ended_to_ask_again = False
        emit = self._context.emit
        if self.config.bonded_only:
            bonded = self.bond_check is not None and await self.bond_check(sighting)
            if not bonded:
                self._log.warning("not_bonded", adapter=sighting.adapter)
                await emit(SessionStateEvent(self.address, SessionState.FAILED, "not bonded"))
                return False
        slot = await self._setup_slot(sighting.adapter)
        if slot is None:
            return False
        try:
            return await self._connect_and_serve(sighting, slot)
        finally:
            slot.release()

    async def _setup_slot(self, adapter: str) -> SetupSlot | None:
        """One of the adapter's set-up slots (:mod:`~gateway.ble.setup_slots`); None when
        :meth:`stop` came first."""
        waited_from = time.monotonic()
        slot = await unless_stopped(self._stopping, self.setup_slots.acquire(adapter))
        waited = time.monotonic() - waited_from
        if slot is not None and waited >= 1.0:
            self._log.info("setup_slot_waited", adapter=adapter, waited_s=round(waited, 1))
        return slot

    async def _connect_and_serve(self, sighting: Sighting, slot: SetupSlot) -> bool:
        """Connect, set up (holding ``slot`` until the set-up is over) and serve until the link
        ends; True when the connection counts as stable."""
        emit = self._context.emit
        await emit(
            SessionStateEvent(self.address, SessionState.CONNECTING, adapter=sighting.adapter)
        )
        disconnected = asyncio.Event()
        self._link_lost_at = None

        def on_disconnect() -> None:
            if self._link_lost_at is None:
                self._link_lost_at = time.monotonic()
            disconnected.set()

        try:
            link = await asyncio.wait_for(
                self.connector.connect(sighting, on_disconnect), self.config.connect_timeout
            )
        except Exception as exc:  # any connect failure means: back off, retry
            self.stats.connect_failures += 1
            self._connect_error = exc
            error = str(exc) or type(exc).__name__
            pairing = connect_security_failure(exc)
            if pairing is None and isinstance(exc, LinkAuthError):
                pairing = error
            if pairing is not None:
                # A failed pairing (wrong passkey, rejected): one clear state, then a long wait.
                error = f"{NEEDS_PAIRING}: pairing failed ({pairing})"
                self._needs_pairing = True
            self._log.warning(
                "connect_failed", adapter=sighting.adapter, error=error, kind=type(exc).__name__
            )
            await emit(SessionStateEvent(self.address, SessionState.FAILED, error))
            return False
        started = time.monotonic()
        self.stats.connections += 1
        conn: Connection | None = None
        try:
            conn = await self._connected(link, sighting, disconnected, slot)
        except LinkStalledError as exc:  # reading the device's facts: connect again
            await self._stalled(exc, sighting.adapter)
            self._ended_to_ask_again = True
        finally:
            # Also after the device dropped the link: on real BlueZ the client's D-Bus
            # connection (bleak opens one per client) keeps its notification sessions, which
            # bluetoothd restores on the next connection, so every value would then arrive
            # twice (docs/real-bluez.md). bleak's disconnect closes that connection.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(link.disconnect(), self.config.step_timeout)
            self.stats.disconnects += 1
            await self._context.emit(
                SessionStateEvent(self.address, SessionState.DISCONNECTED, adapter=sighting.adapter)
            )
        security = getattr(link, "security_failure", None)
        if isinstance(security, str):
            self._log.warning("needs_pairing", adapter=sighting.adapter, reason=security)
            self._needs_pairing = True
            await self._context.emit(
                SessionStateEvent(
                    self.address,
                    SessionState.FAILED,
                    f"{NEEDS_PAIRING}: {security}; set [ble] pair = true (with pairing_passkey "
                    "for a passkey device) or pair it once with bluetoothctl",
                    adapter=sighting.adapter,
                )
            )
            return False
        lasted = time.monotonic() - started
        return lasted >= self.config.stable_after or (conn is not None and conn.transfer_done)

    # --- one connection ---------------------------------------------------------------------

    async def _connected(
        self, link: GattLink, sighting: Sighting, disconnected: asyncio.Event, slot: SetupSlot
    ) -> Connection:
        timeout = self.config.step_timeout
        fact_failures: list[device_facts.FactFailure] = []
        info = await device_facts.read_device_information(link, timeout, failures=fact_failures)
        behaviour = quirks.match(info, self.quirk_table)
        facts = ConnectionFacts(
            address=self.address,
            adapter=sighting.adapter,
            name=sighting.name,
            connection_number=self.stats.connections,
            connected_at=self.now(),
            device_information=info,
            battery_percent=await device_facts.read_battery_percent(link, timeout),
            quirks=behaviour.quirks,
            services=link.services,
        )
        conn = Connection(link, facts, behaviour, disconnected)
        self._log.info(
            "connected",
            adapter=sighting.adapter,
            manufacturer=info.manufacturer,
            model=info.model,
            quirks=list(behaviour.quirks),
        )
        await self._context.emit(
            SessionStateEvent(self.address, SessionState.CONNECTED, adapter=sighting.adapter)
        )
        for failure in fact_failures:
            self.stats.decode_errors += 1
            await self._context.emit(
                DecodeFailureEvent(
                    failure.characteristic,
                    failure.uuid16,
                    failure.raw,
                    failure.error,
                    self.now(),
                    conn.facts,
                )
            )
        worker = asyncio.create_task(self._values.run(conn), name=f"ble-worker-{self.address}")
        setup = asyncio.create_task(self._setup(conn), name=f"ble-setup-{self.address}")
        try:
            ended = asyncio.ensure_future(disconnected.wait())
            stopping = asyncio.ensure_future(self._stopping.wait())
            try:
                await asyncio.wait((setup, ended, stopping), return_when=asyncio.FIRST_COMPLETED)
                slot.release()
                if setup.done() and not setup.cancelled() and setup.exception() is not None:
                    self._log.error("setup_failed", error=repr(setup.exception()))
                if conn.retry_transfer and not disconnected.is_set():
                    self._log.info("transfer_retry_on_reconnect")
                    self._ended_to_ask_again = True
                elif not disconnected.is_set() and not self._stopping.is_set():
                    await asyncio.wait((ended, stopping), return_when=asyncio.FIRST_COMPLETED)
                if self._stopping.is_set():
                    await live_control.stop(self._context, conn)
            finally:
                ended.cancel()
                stopping.cancel()
        finally:
            await self._settle_transfer(conn, setup)
            if not setup.done():
                setup.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await setup
            conn.queue.put_nowait(STOP)
            try:
                await asyncio.wait_for(asyncio.shield(worker), self.config.drain_timeout)
            except TimeoutError:
                self._log.error("drain_timeout", pending=conn.queue.qsize())
                worker.cancel()
            await self._values.flush_assemblers(conn)
            await conn.save_mark(self.store, self._log)
        return conn

    async def _settle_transfer(self, conn: Connection, setup: asyncio.Task[None]) -> None:
        """At the end of a connection: the values received before it ended are handled first,
        so a RACP response that arrived with the last records still completes the transfer (a
        device that disconnects right after its response; on real BlueZ under load the worker
        was still behind), and a transfer it completed may finish (store its mark, report);
        only then is a transfer still running ended as disconnected."""
        fetch = conn.fetch
        if fetch is None or fetch.done:
            return
        received = asyncio.Event()
        conn.queue.put_nowait(received)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(received.wait(), self.config.drain_timeout)
        if fetch.done and not setup.done():
            await asyncio.wait((setup,), timeout=self.config.step_timeout)
        fetch.disconnected()

    async def _stalled(self, exc: LinkStalledError, adapter: str) -> None:
        """A read got no answer (:class:`LinkStalledError`): reported; the caller ends the
        link, which is connected again after the backoff (the device is there: no new
        advertisement is needed)."""
        self.stats.step_failures += 1
        self._log.warning("link_stalled", adapter=adapter, error=str(exc))
        await self._context.emit(
            SessionStateEvent(self.address, SessionState.FAILED, str(exc), adapter=adapter)
        )

    async def _setup(self, conn: Connection) -> None:
        try:
            await self._set_up_link(conn)
        except LinkStalledError as exc:  # the clock or a feature read: end it, connect again
            await self._stalled(exc, conn.facts.adapter)
            conn.retry_transfer = True

    async def _set_up_link(self, conn: Connection) -> None:
        """Clock, feature reads, subscriptions, live control and the stored-record transfer."""
        link = conn.link
        if not link.services:
            # Nothing resolved on this link: a device object a peripheral that died left
            # behind (seen on the test bus), or services that never resolved. Staying would
            # wait for a disconnect that may never come; end it and connect again.
            self._log.warning("no_services")
            conn.retry_transfer = True
            return
        await self._clock.sync(conn)
        specs = [p for p in PROFILES if p.service in link.services]
        features: dict[str, object] = {}
        delivered: list[tuple[AnyCharacteristic, object, bytes, dt.datetime]] = []
        for spec in specs:
            for characteristic in spec.read:
                raw = await device_facts.optional_read(
                    link, characteristic.uuid16, self.config.step_timeout
                )
                if raw is None:
                    continue
                read_at = self.now()
                try:
                    value = spec.decoder(characteristic, features)(raw)
                except DecodeError as exc:
                    await self._values.decode_failed(conn, characteristic, raw, exc, read_at)
                    continue
                features[characteristic.name] = value
                if characteristic in spec.deliver:
                    delivered.append((characteristic, value, raw, read_at))
        conn.facts = dataclasses.replace(conn.facts, features=features)
        for characteristic, value, raw, read_at in delivered:
            await self._values.deliver_read(conn, characteristic, value, raw, read_at)
        for spec in specs:
            for characteristic in spec.subscribe:
                uuid16 = characteristic.uuid16
                if uuid16 not in link.characteristics:
                    continue
                decoder = spec.decoder(characteristic, features)
                assembler = (
                    spec.assembler(characteristic, features) if spec.assembler is not None else None
                )
                conn.routes[uuid16] = Route(spec, characteristic, decoder, assembler)
                handler = self._values.handler(conn, uuid16)
                await self._context.step(
                    f"subscribe {characteristic.name}", link.subscribe(uuid16, handler)
                )
        for spec in specs:
            await live_control.start(self._context, conn, spec)
        racp_specs = [s for s in specs if s.stored is not None]
        if racp_specs and uuids.RECORD_ACCESS_CONTROL_POINT in link.characteristics:
            if len(racp_specs) > 1:
                self._log.warning(
                    "several_record_stores",
                    profiles=[s.name for s in racp_specs],
                    fetched=racp_specs[0].name,
                )
            await self._transfer.run(conn, racp_specs[0], features)
