"""One always-on session per allowed device: wait for it to advertise, connect, read its facts,
subscribe, fetch new stored records, hand decoded values to the consumer, and reconnect with
backoff after the device (or the radio) drops the link.

Per connection, in order:

1. connect through the :class:`~gateway.ble.link.Connector` (bleak-retry-connector), bounded by
   ``connect_timeout``;
2. read Device Information (strings, System ID, Regulatory Certification Data List, PnP ID)
   and match :mod:`~gateway.ble.quirks`; read Battery Level; read Current Time against the
   gateway clock and set it when the :class:`ClockPolicy` (and the quirks) allow;
3. read each present profile's feature characteristics (and the thermometer's Temperature Type,
   the CGM Session Start Time) into the connection's ``features``, and subscribe to its
   measurement characteristics (:mod:`~gateway.ble.profile_table`); bleak confirms indications;
4. for profiles with stored records, fetch them through RACP (:mod:`~gateway.ble.racp_fetch`):
   ">= high-water mark" by sequence number (glucose) or time offset (CGM, per sensor session),
   all records for the pulse oximeter, which has neither;
5. stay connected, delivering live values, until the device disconnects or :meth:`stop`.

Measurements sent in several packets (body composition) are reassembled per connection
(:mod:`~gateway.ble.reassembly`): only complete ones are delivered; an incomplete one, ended
by a disconnect or by a packet that cannot belong to it, is reported as a DecodeFailureEvent
carrying its packets, never dropped.

Every GATT step has a timeout. Values are decoded in arrival order by one worker: a value that
does not decode is logged, counted and reported as a DecodeFailureEvent, and the session goes
on. Values already received when the link drops are still delivered.

High-water marks (:mod:`~gateway.ble.highwater`) advance only past records the consumer has
acknowledged (returned from its call without raising): after a complete transfer to the
highest acknowledged sequence number + 1; after an interrupted one past the longest run of
consecutive acknowledged records from the old mark (a glucose measurement whose context is
announced counts once its context is acknowledged too); for a live record only when it is the
next expected one. A consumer error stops advances for the rest of the connection.

A stored record that does not decode is reported as a DecodeFailureEvent; the consumer keeps
its raw bytes and reason (the daemon's held-back store, kind ``decode-failed``). Once the
consumer returned, the record counts as acknowledged when its key can be read from the bytes
(the glucose sequence number, ``StoredRecords.raw_key``), so the mark may pass it even after an
interrupted transfer: a corrupt record the device sends the same way every time never blocks
its later records. If keeping it failed, that is a consumer error like any other: the mark does
not pass it.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Final, Protocol, TypeVar

import structlog

from gateway.ble import device_facts, quirks, uuids
from gateway.ble.allowlist import normalize_address
from gateway.ble.backoff import Backoff
from gateway.ble.clock import ClockPolicy, current_time_value, should_set
from gateway.ble.events import (
    BleEvent,
    ClockReading,
    ConnectionFacts,
    DecodeFailureEvent,
    EventConsumer,
    MeasurementEvent,
    RecordTransferEvent,
    SessionState,
    SessionStateEvent,
)
from gateway.ble.highwater import HighWaterStore
from gateway.ble.link import Connector, GattLink, LinkError, Sighting, connect_security_failure
from gateway.ble.profile_table import PROFILES, Decoder, ProfileSpec, StoredRecords
from gateway.ble.racp_fetch import FetchOutcome, RacpFetch
from gateway.ble.reassembly import Incomplete, PacketAssembler
from profiles.date_time import encode_current_time
from profiles.errors import DecodeError
from profiles.racp import RECORD_ACCESS_CONTROL_POINT, decode_record_access_control_point
from profiles.registry_types import AnyCharacteristic

_log = structlog.get_logger("gateway.ble.session")

_STOP: Final = object()
NEEDS_PAIRING: Final = "device needs pairing"
"""How a session's FAILED state starts when the device refused for lack of pairing."""
_T = TypeVar("_T")


class DeviceSource(Protocol):
    """Where a session learns that its device advertises (the scanner)."""

    async def wait_for(self, address: str, newer_than: float) -> Sighting:
        """The device's latest sighting once one was received after ``newer_than``
        (``time.monotonic()``); immediately if there already is one."""
        ...


BondCheck = Callable[[Sighting], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class SessionConfig:
    step_timeout: float = 10.0
    """Bound on every single GATT read, write and subscription."""
    connect_timeout: float = 60.0
    """Bound on one connect, all of bleak-retry-connector's attempts included."""
    racp_idle_timeout: float = 15.0
    """A stored-record transfer ends with TIMEOUT after this long without any value."""
    clock: ClockPolicy = field(default_factory=ClockPolicy)
    backoff: Callable[[], Backoff] = Backoff
    stable_after: float = 10.0
    """A connection that lasted this long (or completed a transfer) resets the backoff."""
    fresh_sighting: float = 15.0
    """After a failed connect, retry on a sighting at most this old (else wait for a new one)."""
    device_key: str | None = None
    """High-water store key; the normalized address by default."""
    bonded_only: bool = False
    """Connect only when ``bond_check`` says the device is bonded (real BlueZ only)."""
    pairing_retry: float = 600.0
    """After the device refused for lack of pairing, or a pairing failed (a wrong passkey),
    wait this long before the next attempt instead of the backoff: retrying a wrong passkey
    every few seconds only piles up failed pairings on the device."""
    drain_timeout: float = 30.0
    """After a disconnect, how long the consumer may take for the values already received."""
    announced_value_grace: float = 2.0
    """After a complete transfer, how long to wait for values a record announced (a glucose
    context) that have not arrived yet; a device sends them before its RACP response, but a
    stack may deliver different characteristics out of order."""


@dataclass(slots=True)
class SessionStats:
    connections: int = 0
    connect_failures: int = 0
    disconnects: int = 0
    notifications: int = 0
    delivered: int = 0
    decode_errors: int = 0
    consumer_errors: int = 0
    step_failures: int = 0
    records_fetched: int = 0
    clock_writes: int = 0
    incomplete_measurements: int = 0


def _local_now() -> dt.datetime:
    return dt.datetime.now().astimezone()


@dataclass(slots=True)
class _Route:
    spec: ProfileSpec
    characteristic: AnyCharacteristic
    decode: Decoder
    assembler: PacketAssembler | None = None

    @property
    def records(self) -> StoredRecords | None:
        """The profile's stored-record rules when this characteristic carries its records."""
        stored = self.spec.stored
        if stored is None or self.characteristic not in stored.records:
            return None
        return stored


@dataclass(slots=True)
class _Connection:
    """The state of one connection (one call of ``_connected``)."""

    link: GattLink
    facts: ConnectionFacts
    behaviour: quirks.Behaviour
    disconnected: asyncio.Event
    queue: asyncio.Queue[object] = field(default_factory=asyncio.Queue)
    routes: dict[int, _Route] = field(default_factory=dict)
    fetch: RacpFetch | None = None
    stored: StoredRecords | None = None
    mark_key: str | None = None
    mark: int | None = None
    acked_max: int | None = None
    acked: set[int] = field(default_factory=set)
    awaiting: set[int] = field(default_factory=set)
    consumer_failed: bool = False
    clock_write_pending: bool = False
    transfer_done: bool = False
    # Set when the stored-records transfer failed while the link stayed up: the connection
    # then ends, so the reconnect loop (with its backoff) asks for the records again.
    retry_transfer: bool = False


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
        self.now = now
        self.stats = SessionStats()
        self.device_key = self.config.device_key or self.address
        self._stopping = asyncio.Event()
        self._link_lost_at: float | None = None
        self._needs_pairing = False
        self._log = _log.bind(address=self.address)

    # --- lifecycle --------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask :meth:`run` to disconnect and return."""
        self._stopping.set()

    async def run(self) -> None:
        """Serve the device until :meth:`stop` (or cancellation)."""
        backoff = self.config.backoff()
        newer_than = -float("inf")
        try:
            while not self._stopping.is_set():
                await self._emit(SessionStateEvent(self.address, SessionState.WAITING))
                sighting = await self._until_stopped(self.source.wait_for(self.address, newer_than))
                if sighting is None:
                    break
                started = time.monotonic()
                stable = await self._attempt(sighting)
                if self._stopping.is_set():
                    break
                if stable:
                    backoff.reset()
                    # The device must advertise again after it dropped the link.
                    newer_than = self._link_lost_at or time.monotonic()
                    continue
                delay = backoff.next_delay()
                if self._needs_pairing:
                    delay = max(delay, self.config.pairing_retry)
                self._log.info("reconnect_backoff", delay=round(delay, 3))
                if await self._until_stopped(_sleep_true(delay)) is None:
                    break
                newer_than = max(started, time.monotonic()) - self.config.fresh_sighting
        finally:
            await self._emit(SessionStateEvent(self.address, SessionState.STOPPED))

    async def _until_stopped(self, awaitable: Awaitable[_T]) -> _T | None:
        """Await ``awaitable`` unless :meth:`stop` comes first (then None)."""
        task = asyncio.ensure_future(awaitable)
        stopper = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait((task, stopper), return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopper.cancel()
        if task.done():
            return task.result()
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return None

    async def _attempt(self, sighting: Sighting) -> bool:
        """One connection; True when it counts as stable (resets the backoff)."""
        self._needs_pairing = False
        if self.config.bonded_only:
            bonded = self.bond_check is not None and await self.bond_check(sighting)
            if not bonded:
                self._log.warning("not_bonded", adapter=sighting.adapter)
                await self._emit(SessionStateEvent(self.address, SessionState.FAILED, "not bonded"))
                return False
        await self._emit(
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
            error = str(exc) or type(exc).__name__
            pairing = connect_security_failure(exc)
            if pairing is not None:
                # A failed pairing (wrong passkey, rejected): one clear state, then a long wait.
                error = f"{NEEDS_PAIRING}: pairing failed ({pairing})"
                self._needs_pairing = True
            self._log.warning("connect_failed", adapter=sighting.adapter, error=error)
            await self._emit(SessionStateEvent(self.address, SessionState.FAILED, error))
            return False
        started = time.monotonic()
        self.stats.connections += 1
        conn: _Connection | None = None
        try:
            conn = await self._connected(link, sighting, disconnected)
        finally:
            # Also after the device dropped the link: on real BlueZ the client's D-Bus
            # connection (bleak opens one per client) keeps its notification sessions, which
            # bluetoothd restores on the next connection, so every value would then arrive
            # twice (docs/real-bluez.md). bleak's disconnect closes that connection.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(link.disconnect(), self.config.step_timeout)
            self.stats.disconnects += 1
            await self._emit(
                SessionStateEvent(self.address, SessionState.DISCONNECTED, adapter=sighting.adapter)
            )
        security = getattr(link, "security_failure", None)
        if isinstance(security, str):
            self._log.warning("needs_pairing", adapter=sighting.adapter, reason=security)
            self._needs_pairing = True
            await self._emit(
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
        self, link: GattLink, sighting: Sighting, disconnected: asyncio.Event
    ) -> _Connection:
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
        conn = _Connection(link, facts, behaviour, disconnected)
        self._log.info(
            "connected",
            adapter=sighting.adapter,
            manufacturer=info.manufacturer,
            model=info.model,
            quirks=list(behaviour.quirks),
        )
        await self._emit(
            SessionStateEvent(self.address, SessionState.CONNECTED, adapter=sighting.adapter)
        )
        for failure in fact_failures:
            self.stats.decode_errors += 1
            await self._emit(
                DecodeFailureEvent(
                    failure.characteristic,
                    failure.uuid16,
                    failure.raw,
                    failure.error,
                    self.now(),
                    conn.facts,
                )
            )
        worker = asyncio.create_task(self._worker(conn), name=f"ble-worker-{self.address}")
        setup = asyncio.create_task(self._setup(conn), name=f"ble-setup-{self.address}")
        try:
            ended = asyncio.ensure_future(disconnected.wait())
            stopping = asyncio.ensure_future(self._stopping.wait())
            try:
                await asyncio.wait((setup, ended, stopping), return_when=asyncio.FIRST_COMPLETED)
                if setup.done() and not setup.cancelled() and setup.exception() is not None:
                    self._log.error("setup_failed", error=repr(setup.exception()))
                if conn.retry_transfer and not disconnected.is_set():
                    self._log.info("transfer_retry_on_reconnect")
                elif not disconnected.is_set() and not self._stopping.is_set():
                    await asyncio.wait((ended, stopping), return_when=asyncio.FIRST_COMPLETED)
            finally:
                ended.cancel()
                stopping.cancel()
        finally:
            if conn.fetch is not None:
                conn.fetch.disconnected()
            if not setup.done():
                setup.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await setup
            conn.queue.put_nowait(_STOP)
            try:
                await asyncio.wait_for(asyncio.shield(worker), self.config.drain_timeout)
            except TimeoutError:
                self._log.error("drain_timeout", pending=conn.queue.qsize())
                worker.cancel()
            await self._flush_assemblers(conn)
            await self._save_mark(conn)
        return conn

    async def _step(self, what: str, step: Awaitable[None]) -> bool:
        """Run one GATT write or subscription with the step timeout; False (logged, counted)
        on failure."""
        try:
            await asyncio.wait_for(step, self.config.step_timeout)
        except (LinkError, TimeoutError) as exc:
            self.stats.step_failures += 1
            self._log.warning("step_failed", step=what, error=str(exc) or type(exc).__name__)
            return False
        return True

    async def _setup(self, conn: _Connection) -> None:
        link = conn.link
        await self._sync_clock(conn)
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
                    await self._decode_failed(conn, characteristic, raw, exc, read_at)
                    continue
                features[characteristic.name] = value
                if characteristic in spec.deliver:
                    delivered.append((characteristic, value, raw, read_at))
        conn.facts = dataclasses.replace(conn.facts, features=features)
        for characteristic, value, raw, read_at in delivered:
            await self._deliver_read(conn, characteristic, value, raw, read_at)
        for spec in specs:
            for characteristic in spec.subscribe:
                uuid16 = characteristic.uuid16
                if uuid16 not in link.characteristics:
                    continue
                decoder = spec.decoder(characteristic, features)
                assembler = spec.assembler(features) if spec.assembler is not None else None
                conn.routes[uuid16] = _Route(spec, characteristic, decoder, assembler)
                handler = self._handler(conn, uuid16)
                await self._step(
                    f"subscribe {characteristic.name}", link.subscribe(uuid16, handler)
                )
        racp_specs = [s for s in specs if s.stored is not None]
        if racp_specs and uuids.RECORD_ACCESS_CONTROL_POINT in link.characteristics:
            if len(racp_specs) > 1:
                self._log.warning(
                    "several_record_stores",
                    profiles=[s.name for s in racp_specs],
                    fetched=racp_specs[0].name,
                )
            await self._fetch_stored(conn, racp_specs[0], features)

    async def _deliver_read(
        self,
        conn: _Connection,
        characteristic: AnyCharacteristic,
        value: object,
        raw: bytes,
        read_at: dt.datetime,
    ) -> None:
        """Hand a value read at connect to the consumer (data later records are joined with)."""
        event = MeasurementEvent(
            characteristic.name, characteristic.uuid16, value, raw, read_at, False, None, conn.facts
        )
        try:
            await self.consumer(event)
        except Exception as exc:
            self.stats.consumer_errors += 1
            self._log.error("consumer_failed", characteristic=event.characteristic, error=repr(exc))
            return
        self.stats.delivered += 1

    def _handler(self, conn: _Connection, uuid16: int) -> Callable[[bytes], None]:
        queue = conn.queue

        def on_value(data: bytes) -> None:
            self.stats.notifications += 1
            queue.put_nowait((uuid16, data, self.now()))
            if conn.fetch is not None:
                conn.fetch.touch()

        return on_value

    # --- clock ------------------------------------------------------------------------------

    async def _sync_clock(self, conn: _Connection) -> None:
        result = await device_facts.read_clock(conn.link, self.config.step_timeout, self.now)
        if result is None:
            return
        reading, _ = result
        conn.facts = dataclasses.replace(conn.facts, clock=reading)
        self._log.info(
            "device_clock",
            offset_s=None if reading.offset is None else round(reading.offset.total_seconds(), 1),
        )
        if not should_set(self.config.clock, reading.offset, conn.behaviour.clock_write_min_offset):
            return
        if conn.behaviour.clock_write_on_first_notification_only:
            conn.clock_write_pending = True
        else:
            await self._write_clock(conn)

    async def _write_clock(self, conn: _Connection) -> None:
        conn.clock_write_pending = False
        local = self.now()
        value = encode_current_time(current_time_value(local))
        if not await self._step("write current-time", conn.link.write(uuids.CURRENT_TIME, value)):
            return
        self.stats.clock_writes += 1
        if conn.facts.clock is not None:
            clock: ClockReading = dataclasses.replace(conn.facts.clock, set_to=local)
            conn.facts = dataclasses.replace(conn.facts, clock=clock)
        self._log.info("device_clock_set")

    # --- stored records ---------------------------------------------------------------------

    async def _fetch_stored(
        self, conn: _Connection, spec: ProfileSpec, features: dict[str, object]
    ) -> None:
        link = conn.link
        racp = uuids.RECORD_ACCESS_CONTROL_POINT
        stored = spec.stored
        assert stored is not None
        conn.stored = stored
        conn.mark_key = stored.mark_key(self.device_key, features)
        if conn.mark_key is not None:
            conn.mark = await self.store.load(conn.mark_key)
        else:
            # No record numbering to filter by (pulse oximeter; CGM without a session start).
            self._log.info("fetch_all_records", profile=spec.name)
        fetch = RacpFetch(
            conn.mark,
            all_records_as_ge_zero=(
                conn.mark_key is not None and conn.behaviour.racp_all_records_as_ge_zero
            ),
        )
        if not await self._step("subscribe racp", link.subscribe(racp, self._handler(conn, racp))):
            conn.retry_transfer = True
            return
        conn.fetch = fetch

        async def write(value: bytes) -> None:
            await asyncio.wait_for(link.write(racp, value, response=True), self.config.step_timeout)

        self._log.info("fetch_stored", start=conn.mark, request=repr(fetch.request))
        try:
            outcome = await fetch.run(write, idle_timeout=self.config.racp_idle_timeout)
        except (LinkError, TimeoutError) as exc:
            self.stats.step_failures += 1
            self._log.warning("fetch_failed", error=str(exc) or type(exc).__name__)
            fetch.disconnected()
            outcome = FetchOutcome.FAILED
            conn.retry_transfer = True
        # The response is processed by the worker after every record before it: wait for the
        # records it ended to be acknowledged, then store the mark.
        try:
            await self._drained(conn)
            if outcome is FetchOutcome.COMPLETE and conn.awaiting:
                await self._await_announced(conn)
        finally:
            # Also when the link drops (this task is then cancelled): the transfer happened.
            conn.transfer_done = outcome in (FetchOutcome.COMPLETE, FetchOutcome.NO_RECORDS)
            await self._save_mark(conn)
            self.stats.records_fetched += fetch.records
            self._log.info(
                "fetch_done", outcome=outcome.value, records=fetch.records, next=conn.mark
            )
            await self._emit(
                RecordTransferEvent(
                    self.address, outcome.value, fetch.records, fetch.start, conn.mark
                )
            )

    async def _drained(self, conn: _Connection) -> None:
        """Wait until the worker has handled everything queued so far."""
        marker = asyncio.Event()
        conn.queue.put_nowait(marker)
        ended = asyncio.ensure_future(conn.disconnected.wait())
        waiter = asyncio.ensure_future(marker.wait())
        try:
            await asyncio.wait((ended, waiter), return_when=asyncio.FIRST_COMPLETED)
        finally:
            ended.cancel()
            waiter.cancel()

    async def _await_announced(self, conn: _Connection) -> None:
        """Give announced values (glucose contexts) a short grace to arrive; those still
        missing after it are logged: the device said every record was sent."""
        deadline = time.monotonic() + self.config.announced_value_grace
        while conn.awaiting and time.monotonic() < deadline and not conn.disconnected.is_set():
            await asyncio.sleep(0.02)
            await self._drained(conn)
        if conn.awaiting:
            self._log.warning("announced_values_missing", sequences=sorted(conn.awaiting))
            conn.awaiting.clear()

    def _new_mark(self, conn: _Connection) -> int | None:
        """After a complete transfer: past the highest acknowledged record. After an
        interrupted one: past the longest run of consecutive acknowledged records from the
        old mark (values on different characteristics may arrive out of order, so a gap means
        a record that was not delivered yet), and never past a record still awaiting a value
        its measurement announced (a glucose context): that record is fetched again."""
        if conn.consumer_failed or conn.acked_max is None:
            return None
        fetch = conn.fetch
        if fetch is not None and fetch.outcome is FetchOutcome.COMPLETE:
            # The device said every record was sent; announced values get a grace period
            # (_await_announced) before this is called on the normal path.
            return conn.acked_max + 1
        complete = conn.acked - conn.awaiting
        if not complete:
            return None
        start = conn.mark if conn.mark is not None else min(complete)
        following = start
        while following in complete:
            following += 1
        return following if following > start else None

    async def _save_mark(self, conn: _Connection) -> None:
        new = self._new_mark(conn)
        key = conn.mark_key
        if key is None or new is None or (conn.mark is not None and new <= conn.mark):
            return
        try:
            await self.store.store(key, new)
        except Exception as exc:  # keep serving; records will repeat
            self._log.error("highwater_store_failed", error=repr(exc))
            return
        conn.mark = new

    # --- values -----------------------------------------------------------------------------

    async def _worker(self, conn: _Connection) -> None:
        while True:
            item = await conn.queue.get()
            if item is _STOP:
                return
            if isinstance(item, asyncio.Event):
                item.set()
                continue
            assert isinstance(item, tuple)
            uuid16, raw, received_at = item
            try:
                await self._handle(conn, uuid16, raw, received_at)
            except Exception as exc:  # one bad value never stops the session
                self._log.exception("value_handling_failed", error=repr(exc))

    async def _handle(
        self, conn: _Connection, uuid16: int, raw: bytes, received_at: dt.datetime
    ) -> None:
        if uuid16 == uuids.RECORD_ACCESS_CONTROL_POINT:
            try:
                value = decode_record_access_control_point(raw)
            except DecodeError as exc:
                await self._decode_failed(conn, RECORD_ACCESS_CONTROL_POINT, raw, exc, received_at)
                return
            if conn.fetch is not None:
                conn.fetch.on_control_point(value)
            return
        route = conn.routes.get(uuid16)
        if route is None:
            return
        if conn.clock_write_pending:
            await self._write_clock(conn)
        data = conn.behaviour.fix_payload(uuid16, raw)
        try:
            if route.assembler is None:
                decoded: object = route.decode(data)
            else:
                fed = route.assembler.feed(data)
                if fed.abandoned is not None:
                    await self._incomplete(conn, route.characteristic, fed.abandoned, received_at)
                if fed.complete is None:
                    return  # the measurement's other packets are awaited
                decoded, raw = fed.complete, fed.raw
        except DecodeError as exc:
            await self._decode_failed(conn, route.characteristic, raw, exc, received_at)
            return
        except Exception as exc:  # a decoder bug must not stop the session
            self._log.exception("decoder_crashed", characteristic=route.characteristic.name)
            await self._decode_failed(conn, route.characteristic, raw, exc, received_at)
            return
        records = route.records
        sequence = records.key_of(decoded) if records is not None else None
        fetch = conn.fetch
        stored = records is not None and fetch is not None and not fetch.done
        if stored and fetch is not None and not fetch.on_record(sequence):
            return
        event = MeasurementEvent(
            route.characteristic.name,
            uuid16,
            decoded,
            raw,
            received_at,
            stored,
            sequence,
            conn.facts,
        )
        try:
            await self.consumer(event)
        except Exception as exc:  # the consumer's failure: stop advancing marks
            self.stats.consumer_errors += 1
            conn.consumer_failed = True
            self._log.error("consumer_failed", characteristic=event.characteristic, error=repr(exc))
            return
        self.stats.delivered += 1
        if sequence is not None:
            self._acknowledged(conn, sequence, stored, event.value)
            if not stored:
                await self._save_mark(conn)

    def _acknowledged(
        self, conn: _Connection, sequence: int, stored: bool, value: object = None
    ) -> None:
        if not stored:
            if conn.stored is None or not conn.stored.live_advances_mark:
                return
            # A live record advances the mark only when it is the next one expected.
            expected = conn.acked_max + 1 if conn.acked_max is not None else conn.mark
            if sequence != expected:
                return
        seen_before = sequence in conn.acked
        conn.acked.add(sequence)
        if conn.stored is not None and conn.stored.awaits_more(value):
            if not seen_before:  # the announced value may have overtaken its record
                conn.awaiting.add(sequence)
        else:
            conn.awaiting.discard(sequence)
        if conn.acked_max is None or sequence > conn.acked_max:
            conn.acked_max = sequence

    async def _decode_failed(
        self,
        conn: _Connection,
        characteristic: AnyCharacteristic,
        raw: bytes,
        exc: Exception,
        received_at: dt.datetime | None = None,
    ) -> None:
        self.stats.decode_errors += 1
        self._log.warning(
            "decode_failed", characteristic=characteristic.name, error=str(exc), raw=raw.hex()
        )
        event = DecodeFailureEvent(
            characteristic.name,
            characteristic.uuid16,
            raw,
            str(exc),
            received_at or self.now(),
            conn.facts,
        )
        if not await self._hand_over_failure(conn, event):
            return
        # Its bytes are kept now: a stored record whose key is readable counts as acknowledged.
        route = conn.routes.get(characteristic.uuid16)
        records = route.records if route is not None else None
        fetch = conn.fetch
        if records is None or fetch is None or fetch.done:
            return
        sequence = records.raw_key(raw)
        if sequence is not None and fetch.on_record(sequence):
            self._acknowledged(conn, sequence, True)

    async def _hand_over_failure(self, conn: _Connection, event: DecodeFailureEvent) -> bool:
        """Hand an undecodable value to the consumer; False (and no more mark advances on this
        connection) when it could not keep it."""
        try:
            await self.consumer(event)
        except Exception as exc:
            self.stats.consumer_errors += 1
            conn.consumer_failed = True
            self._log.error("consumer_failed", characteristic=event.characteristic, error=repr(exc))
            return False
        return True

    async def _incomplete(
        self,
        conn: _Connection,
        characteristic: AnyCharacteristic,
        incomplete: Incomplete,
        received_at: dt.datetime | None = None,
    ) -> None:
        """Report an incomplete multiple-packet measurement with all its packets."""
        self.stats.incomplete_measurements += 1
        self.stats.decode_errors += 1
        raw = b"".join(incomplete.packets)
        self._log.warning(
            "incomplete_measurement",
            characteristic=characteristic.name,
            packets=len(incomplete.packets),
            reason=incomplete.reason,
            raw=raw.hex(),
        )
        await self._hand_over_failure(
            conn,
            DecodeFailureEvent(
                characteristic.name,
                characteristic.uuid16,
                raw,
                incomplete.reason,
                received_at or self.now(),
                conn.facts,
                incomplete.packets,
                incomplete.partial,
            ),
        )

    async def _flush_assemblers(self, conn: _Connection) -> None:
        """At the end of a connection: report every measurement still waiting for packets."""
        for route in conn.routes.values():
            if route.assembler is None:
                continue
            left = route.assembler.flush("the connection ended before its last packet")
            if left is not None:
                await self._incomplete(conn, route.characteristic, left)

    async def _emit(self, event: BleEvent) -> None:
        try:
            await self.consumer(event)
        except Exception as exc:  # status events are best effort
            self._log.warning("consumer_failed", event=type(event).__name__, error=repr(exc))


async def _sleep_true(delay: float) -> bool:
    await asyncio.sleep(delay)
    return True
