"""Setting a device's clock (Current Time): read it at connect against the gateway clock and
write the gateway's local time when the :class:`~gateway.ble.clock.ClockPolicy` and the
device's quirks allow, at once or on its first notification."""

from __future__ import annotations

import dataclasses

from gateway.ble import device_facts, uuids
from gateway.ble.clock import current_time_value, should_set
from gateway.ble.connection import Connection
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
        if result is None:
            return
        reading, _ = result
        conn.facts = dataclasses.replace(conn.facts, clock=reading)
        ctx.log.info(
            "device_clock",
            offset_s=None if reading.offset is None else round(reading.offset.total_seconds(), 1),
        )
        if not should_set(ctx.config.clock, reading.offset, conn.behaviour.clock_write_min_offset):
            return
        if conn.behaviour.clock_write_on_first_notification_only:
            conn.clock_write_pending = True
        else:
            await self.write(conn)

    async def write(self, conn: Connection) -> None:
        """Write the gateway's local time to the device's Current Time."""
        ctx = self.context
        conn.clock_write_pending = False
        local = ctx.now()
        value = encode_current_time(current_time_value(local))
        if not await ctx.step("write current-time", conn.link.write(uuids.CURRENT_TIME, value)):
            return
        ctx.stats.clock_writes += 1
        if conn.facts.clock is not None:
            clock: ClockReading = dataclasses.replace(conn.facts.clock, set_to=local)
            conn.facts = dataclasses.replace(conn.facts, clock=clock)
        ctx.log.info("device_clock_set")
