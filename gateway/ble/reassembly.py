"""Per-connection reassembly of measurements a device splits over several packets (today the
Body Composition Measurement), keeping every packet so that nothing is dropped silently.

A :class:`PacketAssembler` is fed each characteristic value in arrival order. :meth:`feed`
returns a :class:`Fed`: the complete measurement once its last packet arrived (with the packets'
bytes joined), and, when this packet could not belong to the measurement in progress (other
units or body fat percentage, a field repeated with another value, a single-packet measurement
in the middle), the abandoned :class:`Incomplete` one; the packet then starts a new measurement.
A packet that does not decode raises :class:`profiles.DecodeError` and leaves the measurement in
progress untouched. :meth:`flush` (at disconnect) hands back what an incomplete measurement
gathered. The session reports each :class:`Incomplete` as a DecodeFailureEvent.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from profiles.body_composition import (
    BODY_COMPOSITION_FEATURE,
    BodyCompositionFeature,
    BodyCompositionReassembler,
    decode_body_composition_measurement,
)
from profiles.errors import DecodeError
from profiles.registry_types import AnyCharacteristic


@dataclass(frozen=True, slots=True)
class Incomplete:
    """The packets of a measurement that never completed, and what they carried."""

    packets: tuple[bytes, ...]
    partial: object | None
    reason: str


@dataclass(frozen=True, slots=True)
class Fed:
    """What one packet produced: ``complete`` (and its ``raw`` packets joined) when it ended a
    measurement, ``abandoned`` when it could not continue the one in progress."""

    complete: object | None = None
    raw: bytes = b""
    abandoned: Incomplete | None = None


def fed(done: object | None, packets: list[bytes], abandoned: Incomplete | None) -> Fed:
    """What a packet produced: the measurement ``done`` with its ``packets`` joined (the list
    is emptied) once complete, else only what the packet abandoned."""
    if done is None:
        return Fed(abandoned=abandoned)
    joined = b"".join(packets)
    packets.clear()
    return Fed(done, joined, abandoned)


class PacketAssembler(Protocol):
    @property
    def pending(self) -> int:
        """How many packets of an incomplete measurement are held."""
        ...

    def feed(self, raw: bytes) -> Fed: ...

    def flush(self, reason: str) -> Incomplete | None: ...


class BodyCompositionAssembler:
    """Body Composition Measurement packets (two per split measurement, see
    :mod:`profiles.body_composition`), decoded with the connection's Body Composition Feature
    (its mass and height resolutions) when it was read."""

    def __init__(self, feature: BodyCompositionFeature | None = None) -> None:
        self._feature = feature
        self._reassembler = BodyCompositionReassembler(feature=feature)
        self._packets: list[bytes] = []

    @classmethod
    def for_features(cls, features: Mapping[str, object]) -> BodyCompositionAssembler:
        feature = features.get(BODY_COMPOSITION_FEATURE.name)
        return cls(feature if isinstance(feature, BodyCompositionFeature) else None)

    @classmethod
    def for_characteristic(
        cls, _characteristic: AnyCharacteristic, features: Mapping[str, object]
    ) -> BodyCompositionAssembler:
        return cls.for_features(features)

    @property
    def pending(self) -> int:
        return len(self._packets)

    def feed(self, raw: bytes) -> Fed:
        packet = decode_body_composition_measurement(raw, feature=self._feature)
        abandoned: Incomplete | None = None
        try:
            done = self._reassembler.feed(packet)
        except DecodeError as exc:
            # The reassembler dropped the packets in progress: rebuild what they carried.
            abandoned = self._incomplete(f"ended by a packet that does not belong to it: {exc}")
            done = self._reassembler.feed(packet)  # an empty reassembler accepts any packet
        self._packets.append(raw)
        return fed(done, self._packets, abandoned)

    def flush(self, reason: str) -> Incomplete | None:
        if not self._packets:
            return None
        self._reassembler.reset()
        return self._incomplete(reason)

    def _incomplete(self, reason: str) -> Incomplete:
        packets = tuple(self._packets)
        self._packets = []
        again = BodyCompositionReassembler(feature=self._feature)
        for packet in packets:  # consistent: they were accepted together
            again.feed(packet)
        count = again.pending
        return Incomplete(
            packets,
            again.flush(),
            f"incomplete multiple-packet measurement ({count} of "
            f"{again.packets_per_measurement} packets): {reason}",
        )
