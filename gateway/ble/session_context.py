"""What the parts of one device session share (:class:`SessionContext`): its device, settings,
consumer, high-water store, counters, clock and logger, with the few steps they all take."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import structlog

from gateway.ble.events import BleEvent, DecodeFailureEvent, EventConsumer, MeasurementEvent
from gateway.ble.highwater import HighWaterStore
from gateway.ble.link import LinkError, LinkStalledError
from gateway.ble.session_config import SessionConfig, SessionStats

Logger = structlog.typing.FilteringBoundLogger


@dataclass(frozen=True, slots=True)
class SessionContext:
    address: str
    device_key: str
    """High-water store key prefix (:meth:`StoredRecords.mark_key`)."""
    config: SessionConfig
    consumer: EventConsumer
    store: HighWaterStore
    stats: SessionStats
    now: Callable[[], dt.datetime]
    log: Logger

    async def step(self, what: str, step: Awaitable[None]) -> bool:
        """Run one GATT write or subscription with the step timeout; False (logged, counted)
        when it failed. Raises :class:`LinkStalledError` when it got no answer within the
        step timeout: as for a read, nothing more can be asked on that link."""
        timeout = self.config.step_timeout
        try:
            await asyncio.wait_for(step, timeout)
        except TimeoutError as exc:
            raise LinkStalledError(f"{what}: no answer within {timeout:g} s") from exc
        except LinkError as exc:
            self.stats.step_failures += 1
            self.log.warning("step_failed", step=what, error=str(exc) or type(exc).__name__)
            return False
        return True

    async def deliver(self, event: MeasurementEvent | DecodeFailureEvent) -> bool:
        """Hand a value to the consumer; False (logged, counted) when the consumer raised."""
        try:
            await self.consumer(event)
        except Exception as exc:
            self.stats.consumer_errors += 1
            self.log.error("consumer_failed", characteristic=event.characteristic, error=repr(exc))
            return False
        return True

    async def emit(self, event: BleEvent) -> None:
        """Hand a status event to the consumer, best effort."""
        try:
            await self.consumer(event)
        except Exception as exc:  # status events are best effort
            self.log.warning("consumer_failed", event_type=type(event).__name__, error=repr(exc))
