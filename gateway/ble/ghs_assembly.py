"""Per-connection reassembly of Generic Health Sensor observations sent in several segments
(Live and Stored Health Observations, :mod:`profiles.ghs.health_observations`), as a
:class:`~gateway.ble.reassembly.PacketAssembler`: every segment is kept until its observation
is complete, so that nothing is dropped silently.

A segment that continues nothing (no first segment before it) raises DecodeError (the value
worker reports that one segment). An observation that cannot be completed (a segment lost: the
counter skips; a first segment before the last one of the observation in progress; a payload
that does not decode once complete) is handed back as an :class:`Incomplete` with all its
segments, which the session reports as one DecodeFailureEvent.
"""

from __future__ import annotations

from collections.abc import Mapping

from gateway.ble.reassembly import Fed, Incomplete, fed
from profiles._bytes import Reader
from profiles.errors import DecodeError
from profiles.ghs.health_observations import (
    STORED_HEALTH_OBSERVATIONS,
    HealthObservationReassembler,
)
from profiles.registry_types import AnyCharacteristic

_FIRST = 0x01
_WHOLE = 0x03
"""First and last segment."""


class GhsObservationAssembler:
    """The segments of one characteristic (live or stored observations) of one connection."""

    def __init__(self, *, stored: bool) -> None:
        self._reassembler = HealthObservationReassembler(stored=stored)
        self._packets: list[bytes] = []

    @classmethod
    def for_characteristic(
        cls, characteristic: AnyCharacteristic, _features: Mapping[str, object]
    ) -> GhsObservationAssembler:
        return cls(stored=characteristic is STORED_HEALTH_OBSERVATIONS)

    @property
    def pending(self) -> int:
        return len(self._packets)

    def feed(self, raw: bytes) -> Fed:
        first = bool(Reader(raw, "health observations segment").u8("segmentation header") & _FIRST)
        abandoned: Incomplete | None = None
        if first and self._packets:
            abandoned = self._incomplete("a new observation started before its last segment")
        elif not first and not self._packets:
            raise DecodeError("health observations segment", 0, "segment without a first one")
        self._packets.append(raw)
        try:
            done = self._reassembler.feed(raw)
        except DecodeError as exc:
            self._reassembler.reset()
            if abandoned is None and len(self._packets) == 1 and raw[0] & _WHOLE == _WHOLE:
                self._packets = []
                raise  # a whole observation in one value: reported as that value
            earlier = abandoned.packets if abandoned is not None else ()
            self._packets[:0] = earlier
            return Fed(abandoned=self._incomplete(str(exc)))
        return fed(done, self._packets, abandoned)

    def flush(self, reason: str) -> Incomplete | None:
        self._reassembler.reset()
        return self._incomplete(reason) if self._packets else None

    def _incomplete(self, reason: str) -> Incomplete:
        packets = tuple(self._packets)
        self._packets = []
        return Incomplete(
            packets, None, f"incomplete observation ({len(packets)} segments): {reason}"
        )
