"""Setting a device's clock: read it at connect against the gateway clock (Current Time, or an
Elapsed Time Service clock when the device has no Current Time: :mod:`~gateway.ble.
elapsed_clock`) and write the gateway's local time when the :class:`~gateway.ble.clock.
ClockPolicy` and the device's quirks allow, at once or on its first notification. An Elapsed
Time Service clock that says it needs to be set counts as off; a tick counter is never set."""

from __future__ import annotations

import dataclasses

from gateway.ble import device_facts, uuids
from gateway.ble.clock import current_time_value, should_set
from gateway.ble.connection import Connection
from gateway.ble.elapsed_clock import read_elapsed_clock, value_to_write
from gateway.ble.events import ClockReading
from gateway.ble.session_context import SessionContext
from profiles.date_time import encode_current_time


class ClockWriter:
    def __init__(self, context: SessionContext) -> None:
        self.context = context

    async def sync(self, conn: Connection) -> None:
        """Read the device clock into the connection's facts; set it now, or mark it to be
        set on the first notification (a quirk), when it is off."""
        ctx = self.context
        result = await device_facts.read_clock(conn.link, ctx.config.step_timeout, ctx.now)
        reading = result[0] if result is not None else None
        if reading is None and uuids.CURRENT_TIME not in conn.link.characteristics:
            reading = await read_elapsed_clock(conn.link, ctx.config.step_timeout, ctx.now)
        if reading is None:
            return
        conn.facts = dataclasses.replace(conn.facts, clock=reading)
        ctx.log.info(
            "device_clock",
            offset_s=None if reading.offset is None else round(reading.offset.total_seconds(), 1),
        )
        elapsed = reading.elapsed
        if elapsed is not None and elapsed.time.tick_counter:
            return  # a tick counter has no time of day to set
        offset = None if elapsed is not None and elapsed.clock_needs_to_be_set else reading.offset
        if not should_set(ctx.config.clock, offset, conn.behaviour.clock_write_min_offset):
            return
        if conn.behaviour.clock_write_on_first_notification_only:
            conn.clock_write_pending = True
        else:
            await self.write(conn)

    async def write(self, conn: Connection) -> None:
        """Write the gateway's local time to the device's clock."""
        ctx = self.context
        conn.clock_write_pending = False
        local = ctx.now()
        read = conn.facts.clock
        if read is not None and read.elapsed is not None:
            uuid16, what, value = (
                uuids.CURRENT_ELAPSED_TIME,
                "current-elapsed-time",
                value_to_write(read.elapsed, local),
            )
        else:
            uuid16, what = uuids.CURRENT_TIME, "current-time"
            value = encode_current_time(current_time_value(local))
        if value is None or not await ctx.step(f"write {what}", conn.link.write(uuid16, value)):
            return
        ctx.stats.clock_writes += 1
        if read is not None:
            clock: ClockReading = dataclasses.replace(read, set_to=local)
            conn.facts = dataclasses.replace(conn.facts, clock=clock)
        ctx.log.info("device_clock_set")
