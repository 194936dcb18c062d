"""Starting and stopping a device's live values through its control point, where its device
type declares one (:class:`profiles.registry_types.LiveControl`; the Generic Health Sensor's
GHS Control Point) and the device has it.

After the session subscribed to the live values it subscribes to the control point's
indications and writes "start" (a device without the control point sends live values once
subscribed); before the gateway itself ends a connection (:meth:`DeviceSession.stop`) it writes
"stop", best effort, so that the device keeps what it measures from then on for the next
stored transfer instead of sending it into a link about to close. The device's answers are
logged (a refusal leaves the device as it was: it may still send live values).
"""

from __future__ import annotations

import asyncio

from gateway.ble.connection import Connection
from gateway.ble.profile_table import ProfileSpec
from gateway.ble.session_context import SessionContext
from profiles.errors import DecodeError


async def start(ctx: SessionContext, conn: Connection, spec: ProfileSpec) -> None:
    """Subscribe to ``spec``'s control point and ask the device to start its live values."""
    control = spec.live_control
    link = conn.link
    if control is None or control.characteristic.uuid16 not in link.characteristics:
        return
    characteristic = control.characteristic
    log = ctx.log.bind(characteristic=characteristic.name)

    def on_answer(data: bytes) -> None:
        try:
            log.info("live_control_answer", value=repr(characteristic.decode(data)))
        except DecodeError as exc:
            log.warning("live_control_answer_undecoded", raw=data.hex(), error=str(exc))

    uuid16 = characteristic.uuid16
    if not await ctx.step(f"subscribe {characteristic.name}", link.subscribe(uuid16, on_answer)):
        return
    if await ctx.step(
        f"start live values ({characteristic.name})", link.write(uuid16, control.start)
    ):
        conn.live_control = control
        log.info("live_values_started")


async def stop(ctx: SessionContext, conn: Connection) -> None:
    """Ask the device to stop its live values (best effort: the link may be gone)."""
    control = conn.live_control
    if control is None or conn.disconnected.is_set():
        return
    conn.live_control = None
    uuid16 = control.characteristic.uuid16
    try:
        await asyncio.wait_for(conn.link.write(uuid16, control.stop), ctx.config.step_timeout)
    except Exception as exc:  # the link may be going down: nothing to keep
        ctx.log.info("live_values_stop_failed", error=str(exc) or type(exc).__name__)
        return
    ctx.log.info("live_values_stopped")
