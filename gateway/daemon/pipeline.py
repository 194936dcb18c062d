"""The BLE layer's event consumer: map each measurement to PHD IG resources and store it.

For every :class:`~gateway.ble.events.MeasurementEvent`, on the connection's
:class:`~gateway.fhir.connection.ConnectionMapper` (one per connection and clock era, see
:mod:`gateway.daemon.facts`), with the device's configured Patient binding:

- :class:`~gateway.fhir.connection.Mapped` -> ``await outbox.put(...)``;
- held back / discarded / no mapping -> ``await kept.keep(...)`` (never attributed, never
  uploaded, see :mod:`gateway.daemon.heldback`);
- skipped (transient data, on purpose) -> nothing.

Returning from :meth:`Pipeline.__call__` is the acknowledgement the BLE layer waits for before
it advances a device's stored-record high-water mark, so it returns only after the store it
used committed. When the outbox refuses a reading, the reading is kept in the held-back store
(reason ``outbox-failed``) and the error is raised again: the reading is not acknowledged, a
device with stored records sends it again later, and a live value is not lost either.

Decode failures are kept as well. Mappers are dropped when their connection ends.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import structlog

from gateway.ble.events import (
    BleEvent,
    DecodeFailureEvent,
    MeasurementEvent,
    SessionState,
    SessionStateEvent,
)
from gateway.daemon.facts import ClockEra, device_clock, era_of
from gateway.daemon.heldback import KeptReading
from gateway.daemon.ports import KeptReadings, ReadingOutbox
from gateway.fhir.connection import ConnectionMapper, HeldBack, Mapped, MappingResult, Skipped
from gateway.fhir.device_facts import phd_device_info
from gateway.fhir.patient import PatientBinding
from gateway.fhir.phg_device import PhgConfig
from gateway.fhir.timeline import Discarded

_log = structlog.get_logger("gateway.daemon.pipeline")

_ENDED = (SessionState.DISCONNECTED, SessionState.STOPPED, SessionState.FAILED)


@dataclass(slots=True)
class PipelineStats:
    stored: int = 0
    kept: dict[str, int] = field(default_factory=dict)
    skipped: int = 0
    failed: int = 0


class Pipeline:
    """Call with every BLE event (it is an :data:`~gateway.ble.events.EventConsumer`)."""

    def __init__(
        self,
        outbox: ReadingOutbox,
        kept: KeptReadings,
        phg: PhgConfig,
        zone: dt.tzinfo,
        bindings: Mapping[str, PatientBinding],
    ) -> None:
        self.outbox = outbox
        self.kept = kept
        self.phg = phg
        self.zone = zone
        self.bindings = dict(bindings)
        self.stats = PipelineStats()
        self._mappers: dict[tuple[str, int, ClockEra], ConnectionMapper] = {}

    async def __call__(self, event: BleEvent) -> None:
        if isinstance(event, MeasurementEvent):
            await self._measurement(event)
        elif isinstance(event, DecodeFailureEvent):
            await self._keep(
                KeptReading(
                    "decode-failed",
                    event.error,
                    event.characteristic,
                    event.uuid16,
                    event.raw,
                    event.received_at,
                    event.connection,
                )
            )
        elif isinstance(event, SessionStateEvent) and event.state in _ENDED:
            self._forget(event.address)

    def connections(self) -> int:
        """How many connection mappers are live (for tests and status)."""
        return len(self._mappers)

    # --- measurements -----------------------------------------------------------------------
    def _mapper(self, event: MeasurementEvent) -> ConnectionMapper:
        facts = event.connection
        era = era_of(event)
        key = (facts.address, facts.connection_number, era)
        mapper = self._mappers.get(key)
        if mapper is None:
            mapper = ConnectionMapper(
                phg=self.phg,
                phd=phd_device_info(facts),
                patients=self.bindings.get(facts.address, PatientBinding()),
                zone=self.zone,
                clock=device_clock(facts.clock, era),
            )
            self._mappers[key] = mapper
        return mapper

    async def _measurement(self, event: MeasurementEvent) -> None:
        log = _log.bind(
            address=event.connection.address,
            characteristic=event.characteristic,
            stored=event.stored,
            sequence=event.sequence_number,
        )
        try:
            result: MappingResult = self._mapper(event).map(event.value, event.received_at)
        except Exception as exc:  # no mapper for this type, or a mapping bug: keep the bytes
            log.warning("mapping_failed", error=repr(exc))
            await self._keep(self._kept(event, "unmapped", repr(exc)))
            return
        if isinstance(result, Mapped):
            await self._store(event, result, log)
            if event.sequence_number is not None:
                # A value that arrived before this one of the same record is in the outbox now.
                await self.kept.resolve(event.connection.address, event.sequence_number)
        elif isinstance(result, HeldBack) and result.waiting:
            log.info("awaiting_join", reason=result.reason)
            await self._keep(self._kept(event, "awaiting-join", result.reason))
        elif isinstance(result, HeldBack):
            log.warning("held_back", user_index=result.user_index, reason=result.reason)
            await self._keep(self._kept(event, "held-back", result.reason, result.user_index))
        elif isinstance(result, Discarded):
            log.warning("discarded", reason=result.reason)
            await self._keep(self._kept(event, "discarded", result.reason))
        else:
            assert isinstance(result, Skipped)
            self.stats.skipped += 1
            log.debug("skipped", reason=result.reason)

    async def _store(
        self, event: MeasurementEvent, reading: Mapped, log: structlog.typing.FilteringBoundLogger
    ) -> None:
        try:
            item = await self.outbox.put(reading, device=event.connection.address)
        except Exception as exc:
            self.stats.failed += 1
            log.error("outbox_put_failed", error=str(exc) or type(exc).__name__)
            await self._keep(self._kept(event, "outbox-failed", str(exc) or type(exc).__name__))
            raise
        self.stats.stored += 1
        log.info("reading_stored", item=item, observations=len(reading.entries))

    # --- kept readings ----------------------------------------------------------------------
    @staticmethod
    def _kept(
        event: MeasurementEvent, kind: str, reason: str, user_index: int | None = None
    ) -> KeptReading:
        return KeptReading(
            kind,
            reason,
            event.characteristic,
            event.uuid16,
            event.raw,
            event.received_at,
            event.connection,
            user_index,
            event.stored,
            event.sequence_number,
        )

    async def _keep(self, reading: KeptReading) -> None:
        row = await self.kept.keep(reading)
        self.stats.kept[reading.kind] = self.stats.kept.get(reading.kind, 0) + 1
        _log.info("reading_kept", kind=reading.kind, row=row, characteristic=reading.characteristic)

    def _forget(self, address: str) -> None:
        for key in [k for k in self._mappers if k[0] == address]:
            del self._mappers[key]
