"""The stored-records transfer of one connection: load the high-water mark, subscribe to the
Record Access Control Point, ask for the records through RACP (:mod:`~gateway.ble.racp_fetch`):
">= high-water mark" by sequence number (glucose), time offset (CGM, per sensor session) or
record number (Generic Health Sensor, in GHS's RACP layout), all records for the pulse oximeter,
which has none, each request after "report number of stored records" with the same filter,
so records the RACP response overtook still count as stored ones; then wait for the value
worker to acknowledge what arrived and store the mark the connection's ledger allows.

A transfer that fails while the link stays up (a RACP write or subscription that failed or
timed out) sets ``Connection.retry_transfer``: the session then ends the connection, so the
reconnect loop asks for the records again.
"""

from __future__ import annotations

import asyncio
import time

from gateway.ble import uuids
from gateway.ble.connection import Connection
from gateway.ble.events import RecordTransferEvent
from gateway.ble.link import LinkError
from gateway.ble.profile_table import ProfileSpec
from gateway.ble.racp_fetch import FetchOutcome, RacpFetch
from gateway.ble.session_context import SessionContext
from gateway.ble.value_worker import ValueWorker
from profiles import racp as racp_layout

_TRANSFERRED = (FetchOutcome.COMPLETE, FetchOutcome.SHORT, FetchOutcome.NO_RECORDS)
"""Outcomes of a transfer the device carried out (the connection counts as stable)."""


class RecordTransfer:
    def __init__(self, context: SessionContext, worker: ValueWorker) -> None:
        self.context = context
        self.worker = worker

    async def run(self, conn: Connection, spec: ProfileSpec, features: dict[str, object]) -> None:
        """Fetch ``spec``'s stored records on ``conn`` and store the new high-water mark."""
        ctx = self.context
        link = conn.link
        racp = uuids.RECORD_ACCESS_CONTROL_POINT
        stored = spec.stored
        assert stored is not None
        conn.mark_key = stored.mark_key(ctx.device_key, features)
        mark = await ctx.store.load(conn.mark_key) if conn.mark_key is not None else None
        if conn.mark_key is None:
            # No record numbering to filter by (pulse oximeter; CGM without a session start).
            ctx.log.info("fetch_all_records", profile=spec.name)
        conn.ledger.begin(mark, stored)
        fetch = RacpFetch(
            mark,
            all_records_as_ge_zero=(
                conn.mark_key is not None and conn.behaviour.racp_all_records_as_ge_zero
            ),
            layout=stored.racp or racp_layout.LAYOUT,
            count_first=True,
        )
        if not await ctx.step(
            "subscribe racp", link.subscribe(racp, self.worker.handler(conn, racp))
        ):
            conn.retry_transfer = True
            return
        conn.fetch = fetch

        async def write(value: bytes) -> None:
            await asyncio.wait_for(link.write(racp, value, response=True), ctx.config.step_timeout)

        ctx.log.info("fetch_stored", start=mark, request=repr(fetch.request))
        try:
            outcome = await fetch.run(
                write,
                idle_timeout=ctx.config.racp_idle_timeout,
                late_timeout=ctx.config.racp_late_records_timeout,
            )
        except (LinkError, TimeoutError) as exc:
            ctx.stats.step_failures += 1
            ctx.log.warning("fetch_failed", error=str(exc) or type(exc).__name__)
            fetch.disconnected()
            outcome = FetchOutcome.FAILED
            conn.retry_transfer = True
        # The response is processed by the worker after every record before it: wait for the
        # records it ended to be acknowledged, then store the mark.
        try:
            await conn.drained()
            if outcome is FetchOutcome.COMPLETE and conn.ledger.awaiting:
                await self._await_announced(conn)
        finally:
            # Also when the link drops (this task is then cancelled): the transfer happened.
            conn.transfer_done = outcome in _TRANSFERRED
            await conn.save_mark(ctx.store, ctx.log)
            ctx.stats.records_fetched += fetch.records
            mark = conn.ledger.mark
            if fetch.count_refused is not None:
                ctx.log.info("racp_count_refused", response=repr(fetch.count_refused))
            if outcome is FetchOutcome.SHORT:
                # The device counted more than it sent: the mark stops before the first gap,
                # so what is missing is asked for again on the next connection.
                ctx.log.warning(
                    "racp_records_missing", counted=fetch.expected, arrived=fetch.arrived, next=mark
                )
            ctx.log.info(
                "fetch_done",
                outcome=outcome.value,
                records=fetch.records,
                counted=fetch.expected,
                next=mark,
            )
            await ctx.emit(
                RecordTransferEvent(ctx.address, outcome.value, fetch.records, fetch.start, mark)
            )

    async def _await_announced(self, conn: Connection) -> None:
        """Give announced values (glucose contexts) a short grace to arrive; those still
        missing after it are logged: the device said every record was sent."""
        deadline = time.monotonic() + self.context.config.announced_value_grace
        while (
            conn.ledger.awaiting and time.monotonic() < deadline and not conn.disconnected.is_set()
        ):
            await asyncio.sleep(0.02)
            await conn.drained()
        if conn.ledger.awaiting:
            self.context.log.warning(
                "announced_values_missing", sequences=conn.ledger.stop_awaiting()
            )
