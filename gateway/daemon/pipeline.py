"""The BLE layer's event consumer: map each measurement to PHD IG resources and store it.

For every :class:`~gateway.ble.events.MeasurementEvent`, on the connection's
:class:`~gateway.fhir.connection.ConnectionMapper` (one per connection and clock era, see
:mod:`gateway.daemon.facts`), with the device's configured Patient binding:

- :class:`~gateway.fhir.connection.Mapped` -> ``await outbox.put(...)``;
- held back / discarded / no mapping -> ``await kept.keep(...)`` (never attributed, never
  uploaded, see :mod:`gateway.daemon.heldback`);
- a value waiting for another of its record (a glucose context and its measurement) -> joined
  against what is stored, by sequence number (:mod:`gateway.daemon.record_join`), else kept as
  ``awaiting-join`` until the other arrives;
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
from gateway.daemon.heldback import AnnouncedValue, KeptReading
from gateway.daemon.ports import KeptReadings, ReadingOutbox
from gateway.daemon.record_join import announces_more, decode_kept
from gateway.fhir.connection import ConnectionMapper, HeldBack, Mapped, MappingResult, Skipped
from gateway.fhir.device_facts import phd_device_info
from gateway.fhir.patient import PatientBinding
from gateway.fhir.phg_device import PhgConfig
from gateway.fhir.timeline import Discarded

_log = structlog.get_logger("gateway.daemon.pipeline")

_Logger = structlog.typing.FilteringBoundLogger
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
            mapper = self._mapper(event)
            result: MappingResult = mapper.map(event.value, event.received_at)
        except Exception as exc:  # no mapper for this type, or a mapping bug: keep the bytes
            log.warning("mapping_failed", error=repr(exc))
            await self._keep(self._kept(event, "unmapped", repr(exc)))
            return
        if isinstance(result, Mapped):
            await self._store(event, result, log)
            if event.sequence_number is not None:
                await self._record_completed(event, mapper, log)
        elif isinstance(result, HeldBack) and result.waiting:
            if not await self._join_stored(event, mapper, log):
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

    # --- values of one record that arrive apart (see gateway.daemon.record_join) ------------
    async def _record_completed(
        self, event: MeasurementEvent, mapper: ConnectionMapper, log: _Logger
    ) -> None:
        """``event`` (with a sequence number) is in the outbox: map the values of its record
        that waited for it, then forget them; or keep it as announced when it announces a
        value that has not come yet."""
        address, sequence = event.connection.address, event.sequence_number
        assert sequence is not None
        joined = failed = 0
        for row in await self.kept.waiting(address, sequence):
            if row.uuid16 == event.uuid16:
                continue  # the same value again (a record fetched twice): already stored now
            try:
                again = mapper.map(decode_kept(row.uuid16, row.raw), row.received_at)
            except Exception as exc:  # kept bytes that no longer map: leave them kept
                log.warning("join_failed", row=row.id, error=repr(exc))
                failed += 1
                continue
            if isinstance(again, Mapped):
                await self._store(event, again, log.bind(characteristic=row.characteristic))
                joined += 1
        if not failed:
            await self.kept.resolve(address, sequence)
        if joined:
            log.info("record_joined", values=joined)
        elif announces_more(event.uuid16, event.value):
            await self.kept.announce(
                AnnouncedValue(
                    address,
                    sequence,
                    event.characteristic,
                    event.uuid16,
                    event.raw,
                    event.received_at,
                )
            )

    async def _join_stored(
        self, event: MeasurementEvent, mapper: ConnectionMapper, log: _Logger
    ) -> bool:
        """Join a value that waits for its measurement with the stored measurement of its
        record, if the measurement announced it; True when the joined reading is stored."""
        if event.sequence_number is None:
            return False
        address, sequence = event.connection.address, event.sequence_number
        found = await self.kept.announced(address, sequence)
        if found is None:
            return False
        try:  # back into the connection's join memory (it is in the outbox already)
            mapper.map(decode_kept(found.uuid16, found.raw), found.received_at)
            result = mapper.map(event.value, event.received_at)
        except Exception as exc:
            log.warning("join_failed", error=repr(exc))
            return False
        if not isinstance(result, Mapped):
            return False
        await self._store(event, result, log)
        await self.kept.resolve(address, sequence)
        log.info("record_joined", values=1, with_stored=True)
        return True

    async def _store(self, event: MeasurementEvent, reading: Mapped, log: _Logger) -> None:
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
