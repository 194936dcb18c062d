"""The value worker: takes the values a connection received (notifications, indications, RACP
responses) from its queue in arrival order, decodes them (reassembling multiple-packet
measurements), hands them to the consumer and acknowledges stored records in the connection's
high-water ledger.

A value that does not decode is logged, counted and reported as a DecodeFailureEvent, and the
worker goes on; so does an incomplete multiple-packet measurement, with all its packets. A
stored record that did not decode counts as acknowledged once the consumer kept its bytes,
when its key can be read from them (``StoredRecords.raw_key``). A consumer error halts the
ledger for the rest of the connection.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable

from gateway.ble import uuids
from gateway.ble.clock_writer import ClockWriter
from gateway.ble.connection import STOP, Connection
from gateway.ble.events import DecodeFailureEvent, MeasurementEvent
from gateway.ble.reassembly import Incomplete
from gateway.ble.session_context import SessionContext
from profiles import racp
from profiles.errors import DecodeError
from profiles.racp import RECORD_ACCESS_CONTROL_POINT
from profiles.registry_types import AnyCharacteristic


class ValueWorker:
    def __init__(self, context: SessionContext, clock: ClockWriter) -> None:
        self.context = context
        self.clock = clock

    def handler(self, conn: Connection, uuid16: int) -> Callable[[bytes], None]:
        """The notification handler that queues ``uuid16``'s values for the worker."""
        ctx = self.context
        queue = conn.queue

        def on_value(data: bytes) -> None:
            ctx.stats.notifications += 1
            queue.put_nowait((uuid16, data, ctx.now()))
            if conn.fetch is not None:
                conn.fetch.touch()

        return on_value

    async def run(self, conn: Connection) -> None:
        """Handle the connection's values until STOP is queued."""
        while True:
            item = await conn.queue.get()
            if item is STOP:
                return
            if isinstance(item, asyncio.Event):
                item.set()
                continue
            assert isinstance(item, tuple)
            uuid16, raw, received_at = item
            try:
                await self._handle(conn, uuid16, raw, received_at)
            except Exception as exc:  # one bad value never stops the session
                self.context.log.exception("value_handling_failed", error=repr(exc))

    async def deliver_read(
        self,
        conn: Connection,
        characteristic: AnyCharacteristic,
        value: object,
        raw: bytes,
        read_at: dt.datetime,
    ) -> None:
        """Hand a value read at connect to the consumer (data later records are joined with)."""
        event = MeasurementEvent(
            characteristic.name, characteristic.uuid16, value, raw, read_at, False, None, conn.facts
        )
        if await self.context.deliver(event):
            self.context.stats.delivered += 1

    async def _handle(
        self, conn: Connection, uuid16: int, raw: bytes, received_at: dt.datetime
    ) -> None:
        ctx = self.context
        if uuid16 == uuids.RECORD_ACCESS_CONTROL_POINT:
            layout = conn.fetch.layout if conn.fetch is not None else racp.LAYOUT
            try:
                value = layout.decode(raw)
            except DecodeError as exc:
                await self.decode_failed(conn, RECORD_ACCESS_CONTROL_POINT, raw, exc, received_at)
                return
            if conn.fetch is not None:
                conn.fetch.on_control_point(value)
            return
        route = conn.routes.get(uuid16)
        if route is None:
            return
        if conn.clock_write_pending:
            await self.clock.write(conn)
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
            await self.decode_failed(conn, route.characteristic, raw, exc, received_at)
            return
        except Exception as exc:  # a decoder bug must not stop the session
            ctx.log.exception("decoder_crashed", characteristic=route.characteristic.name)
            await self.decode_failed(conn, route.characteristic, raw, exc, received_at)
            return
        records = route.records
        sequence = records.key_of(decoded) if records is not None else None
        fetch = conn.fetch if records is not None else None
        stored = fetch is not None and fetch.takes(sequence)
        if sequence is not None:
            key = (uuid16, sequence, raw)
            if key in conn.delivered_records:
                # Delivering a record twice in one connection would duplicate the reading. It
                # may have come live first (a CGM reading the device also stores), then in the
                # transfer: one of the records the device counted, kept by the consumer.
                # Anything else is an echo (BlueZ kept an earlier connection's notification
                # session).
                if (
                    stored
                    and fetch is not None
                    and records is not None
                    and fetch.on_repeat(sequence, records.record_count(decoded))
                ):
                    conn.ledger.acknowledge(sequence, stored=True, value=decoded)
                    return
                ctx.stats.echoes_dropped += 1
                ctx.log.warning("echo_dropped", uuid=f"0x{uuid16:04X}", sequence=sequence)
                return
            conn.delivered_records.add(key)
        if (
            stored
            and fetch is not None
            and records is not None
            and not fetch.on_record(sequence, records.record_count(decoded))
        ):
            return  # below the mark
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
        if not await ctx.deliver(event):  # the consumer's failure: stop advancing marks
            conn.ledger.halt()
            return
        ctx.stats.delivered += 1
        if sequence is not None:
            conn.ledger.acknowledge(sequence, stored=stored, value=event.value)
            if not stored:
                await conn.save_mark(ctx.store, ctx.log)

    async def decode_failed(
        self,
        conn: Connection,
        characteristic: AnyCharacteristic,
        raw: bytes,
        exc: Exception,
        received_at: dt.datetime | None = None,
    ) -> None:
        """Report a value that did not decode to the consumer."""
        ctx = self.context
        ctx.stats.decode_errors += 1
        ctx.log.warning(
            "decode_failed", characteristic=characteristic.name, error=str(exc), raw=raw.hex()
        )
        event = self._failure_event(conn, characteristic, raw, str(exc), received_at)
        route = conn.routes.get(characteristic.uuid16)
        records = route.records if route is not None else None
        fetch = conn.fetch if records is not None else None
        sequence = records.raw_key(raw) if records is not None else None
        in_transfer = fetch is not None and fetch.takes(sequence)
        kept = await self._hand_over_failure(conn, event)
        if fetch is None or not in_transfer:
            return
        # One of the records the device counted, kept or not.
        if sequence is None:
            fetch.on_arrival(1)
        elif fetch.on_record(sequence) and kept:
            # Its bytes are kept: a stored record whose key is readable counts as acknowledged.
            conn.ledger.acknowledge(sequence, stored=True)

    def _failure_event(
        self,
        conn: Connection,
        characteristic: AnyCharacteristic,
        raw: bytes,
        error: str,
        received_at: dt.datetime | None,
        incomplete: Incomplete | None = None,
    ) -> DecodeFailureEvent:
        return DecodeFailureEvent(
            characteristic.name,
            characteristic.uuid16,
            raw,
            error,
            received_at or self.context.now(),
            conn.facts,
            incomplete.packets if incomplete is not None else (),
            incomplete.partial if incomplete is not None else None,
        )

    async def _hand_over_failure(self, conn: Connection, event: DecodeFailureEvent) -> bool:
        """Hand an undecodable value to the consumer; False (and no more mark advances on this
        connection) when it could not keep it."""
        if await self.context.deliver(event):
            return True
        conn.ledger.halt()
        return False

    async def _incomplete(
        self,
        conn: Connection,
        characteristic: AnyCharacteristic,
        incomplete: Incomplete,
        received_at: dt.datetime | None = None,
    ) -> None:
        """Report an incomplete multiple-packet measurement with all its packets."""
        ctx = self.context
        ctx.stats.incomplete_measurements += 1
        ctx.stats.decode_errors += 1
        raw = b"".join(incomplete.packets)
        ctx.log.warning(
            "incomplete_measurement",
            characteristic=characteristic.name,
            packets=len(incomplete.packets),
            reason=incomplete.reason,
            raw=raw.hex(),
        )
        await self._hand_over_failure(
            conn,
            self._failure_event(
                conn, characteristic, raw, incomplete.reason, received_at, incomplete
            ),
        )

    async def flush_assemblers(self, conn: Connection) -> None:
        """At the end of a connection: report every measurement still waiting for packets."""
        for route in conn.routes.values():
            if route.assembler is None:
                continue
            left = route.assembler.flush("the connection ended before its last packet")
            if left is not None:
                await self._incomplete(conn, route.characteristic, left)
