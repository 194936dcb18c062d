"""The state of one connection to a device (:class:`Connection`): its link and facts, the
routes from subscribed characteristics to decoders, the queue of received values, the
stored-record transfer and its high-water ledger."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Final

from gateway.ble import quirks
from gateway.ble.events import ConnectionFacts
from gateway.ble.highwater import HighWaterStore
from gateway.ble.ledger import HighWaterLedger
from gateway.ble.link import GattLink
from gateway.ble.profile_table import Decoder, ProfileSpec, StoredRecords
from gateway.ble.racp_fetch import FetchOutcome, RacpFetch
from gateway.ble.reassembly import PacketAssembler
from gateway.ble.session_context import Logger
from gateway.waits import first_of
from profiles.registry_types import AnyCharacteristic, LiveControl

STOP: Final = object()
"""Queued last: the value worker returns when it reaches it."""


@dataclass(slots=True)
class Route:
    """Where values of one subscribed characteristic go."""

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
class Connection:
    """The state of one connection (one call of ``DeviceSession._connected``)."""

    link: GattLink
    facts: ConnectionFacts
    behaviour: quirks.Behaviour
    disconnected: asyncio.Event
    queue: asyncio.Queue[object] = field(default_factory=asyncio.Queue)
    """Received values ``(uuid16, bytes, received_at)``, markers (asyncio.Event) and STOP."""
    routes: dict[int, Route] = field(default_factory=dict)
    fetch: RacpFetch | None = None
    mark_key: str | None = None
    ledger: HighWaterLedger = field(default_factory=HighWaterLedger)
    clock_write_pending: bool = False
    transfer_done: bool = False
    # Set when the stored-records transfer failed while the link stayed up (or the link
    # resolved no service at all): the connection then ends, so the reconnect loop (with its
    # backoff) connects and asks for the records again.
    retry_transfer: bool = False
    # (characteristic, sequence number, bytes) of the records delivered on this connection: the
    # same record again is an echo (a stale notification session), never a new reading.
    delivered_records: set[tuple[int, int, bytes]] = field(default_factory=set)
    live_control: LiveControl | None = None
    """The control point through which live values were started (to stop them at the end)."""

    async def drained(self) -> None:
        """Wait until the value worker has handled everything queued so far (or the link
        dropped)."""
        marker = asyncio.Event()
        self.queue.put_nowait(marker)
        await first_of(self.disconnected.wait(), marker.wait())

    async def save_mark(self, store: HighWaterStore, log: Logger) -> None:
        """Store the high-water mark the ledger allows now, if it advances."""
        fetch = self.fetch
        complete = fetch is not None and fetch.outcome is FetchOutcome.COMPLETE
        new = self.ledger.next_mark(complete=complete)
        key = self.mark_key
        if key is None or new is None:
            return
        try:
            await store.store(key, new)
        except Exception as exc:  # keep serving; records will repeat
            log.error("highwater_store_failed", error=repr(exc))
            return
        self.ledger.stored(new)
