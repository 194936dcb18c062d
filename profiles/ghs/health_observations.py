"""Live Health Observations (0x2B8B) and Stored Health Observations (0x2BDD): ACOM observations
(:mod:`profiles.ghs.observations`) cut into segments that each fit one notification or
indication.

Each characteristic value is one segment: a segmentation header (uint8: bit 0 first segment,
bit 1 last segment, bits 2-7 a rolling segment counter 0-63, one more for every segment the
server sends) and a piece of the payload. The payload of a live observation is the observation;
that of a stored observation is its record number (uint32, the RACP filter value) followed by
the observation. An observation that fits is sent as one segment with both bits set.

:func:`decode_live_health_observations` decodes one segment: a single-segment value gives the
observation, a part of a longer one keeps its raw bytes. :class:`HealthObservationReassembler`
puts the segments of one observation together (pure, I/O free) and
:func:`live_observation_segments` / :func:`stored_observation_segments` split one for a given
ATT payload size (ATT_MTU - 3).

Sources: the segmentation header bits and the record number in front of a stored observation
follow Philips' BLE-GHS-Client-Example (``GenericHealthSensorPacketHandler.kt``) and
-Server-Simulator (``asBLEDataSegments``: counter in bits 2-7, wrapping after 63) and ST's
STM32WBA-BLE-GenericHealthSensor (``ghs.h`` GHS_SHOSegment_t, ``ghs_app.c``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Generic, TypeVar

from profiles import _bytes
from profiles._bytes import ByteString, Reader
from profiles.errors import DecodeError, EncodeError
from profiles.ghs.observation_codec import observation_bytes, read_observation
from profiles.ghs.observations import Observation
from profiles.registry_types import Characteristic

SERVICE_UUID16: Final = 0x1840
MIN_PAYLOAD_SIZE: Final = 20
"""The smallest ATT payload (default ATT_MTU 23 minus the 3-byte notification header)."""
SEGMENT_COUNTER_MODULO: Final = 64
MAX_OBSERVATION_SIZE: Final = 3 + 0xFFFF
"""Class type, length and the most bytes a uint16 length can announce."""

_FIRST: Final = 0x01
_LAST: Final = 0x02


@dataclass(frozen=True, slots=True)
class StoredObservation:
    """A stored observation with the record number RACP filters on."""

    record_number: int
    observation: Observation


Content = TypeVar("Content", Observation, StoredObservation)


@dataclass(frozen=True, slots=True)
class HealthObservationSegment(Generic[Content]):
    """One Live or Stored Health Observations value. ``content`` is the whole observation (or
    stored observation) when the segment is both first and last, else the raw bytes of this
    part of it."""

    first_segment: bool
    last_segment: bool
    segment_counter: int
    content: Content | bytes


@dataclass(frozen=True, slots=True)
class LiveHealthObservationSegment(HealthObservationSegment[Observation]):
    """One Live Health Observations value."""

    @property
    def observation(self) -> Observation | None:
        return self.content if isinstance(self.content, Observation) else None


@dataclass(frozen=True, slots=True)
class StoredHealthObservationSegment(HealthObservationSegment[StoredObservation]):
    """One Stored Health Observations value: the record number in front of the observation."""

    @property
    def stored_observation(self) -> StoredObservation | None:
        return self.content if isinstance(self.content, StoredObservation) else None


def _header(r: Reader) -> tuple[bool, bool, int]:
    raw = r.u8("segmentation header")
    return bool(raw & _FIRST), bool(raw & _LAST), raw >> 2


def _read_live(r: Reader, counts_header: bool = False) -> Observation:
    observation = read_observation(r, length_counts_header=counts_header)
    r.end()
    return observation


def _read_stored(r: Reader, counts_header: bool = False) -> StoredObservation:
    record = r.u32("record number")
    observation = read_observation(r, length_counts_header=counts_header)
    r.end()
    return StoredObservation(record, observation)


def _read_segment(
    data: ByteString, characteristic: str, read: Callable[[Reader], Content]
) -> tuple[bool, bool, int, Content | bytes]:
    """The header fields and the content of one segment (``read`` for a whole observation)."""
    r = Reader(data, characteristic)
    first, last, counter = _header(r)
    return first, last, counter, read(r) if first and last else r.rest()


def decode_live_health_observations(data: ByteString) -> LiveHealthObservationSegment:
    parts = _read_segment(data, LIVE_HEALTH_OBSERVATIONS.name, _read_live)
    return LiveHealthObservationSegment(*parts)


def decode_stored_health_observations(data: ByteString) -> StoredHealthObservationSegment:
    parts = _read_segment(data, STORED_HEALTH_OBSERVATIONS.name, _read_stored)
    return StoredHealthObservationSegment(*parts)


def _header_byte(first: bool, last: bool, counter: int) -> int:
    _bytes.check_range(counter, 0, SEGMENT_COUNTER_MODULO - 1, "segment counter")
    return (_FIRST if first else 0) | (_LAST if last else 0) | counter << 2


def _stored_payload(s: StoredObservation, counts_header: bool = False) -> bytes:
    return _bytes.u32(s.record_number, "record number") + observation_bytes(
        s.observation, length_counts_header=counts_header
    )


def _segment_bytes(s: HealthObservationSegment[Content], kind: type[Content]) -> bytes:
    first, last, counter, content = s.first_segment, s.last_segment, s.segment_counter, s.content
    whole = first and last
    if whole != isinstance(content, kind):
        raise EncodeError(
            f"a segment that is first and last carries a {kind.__name__}, others raw bytes"
        )
    if isinstance(content, Observation):
        payload = observation_bytes(content)
    elif isinstance(content, StoredObservation):
        payload = _stored_payload(content)
    elif isinstance(content, bytes):
        payload = content
    else:
        raise EncodeError(f"{type(content).__name__} is not a segment's content")
    return bytes((_header_byte(first, last, counter),)) + payload


def encode_live_health_observations(s: LiveHealthObservationSegment) -> bytes:
    return _segment_bytes(s, Observation)


def encode_stored_health_observations(s: StoredHealthObservationSegment) -> bytes:
    return _segment_bytes(s, StoredObservation)


# --- Splitting and reassembly ---------------------------------------------------------------------


def _split(payload: bytes, payload_size: int, first_counter: int) -> tuple[bytes, ...]:
    if payload_size < MIN_PAYLOAD_SIZE:
        raise EncodeError(f"payload size {payload_size} is below the ATT minimum of 20")
    _bytes.check_range(first_counter, 0, SEGMENT_COUNTER_MODULO - 1, "segment counter")
    room = payload_size - 1
    pieces = [payload[i : i + room] for i in range(0, len(payload), room)] or [b""]
    out = []
    for index, piece in enumerate(pieces):
        counter = (first_counter + index) % SEGMENT_COUNTER_MODULO
        header = _header_byte(index == 0, index == len(pieces) - 1, counter)
        out.append(bytes((header,)) + piece)
    return tuple(out)


def live_observation_segments(
    observation: Observation,
    payload_size: int = MIN_PAYLOAD_SIZE,
    first_counter: int = 0,
    *,
    length_counts_header: bool = False,
) -> tuple[bytes, ...]:
    """The Live Health Observations values that carry ``observation`` when each may hold
    ``payload_size`` bytes; the counter starts at ``first_counter`` (the server's next one)
    and the caller continues with ``(first_counter + len(result)) % 64``.
    ``length_counts_header``: see :mod:`profiles.ghs.observation_codec`."""
    payload = observation_bytes(observation, length_counts_header=length_counts_header)
    return _split(payload, payload_size, first_counter)


def stored_observation_segments(
    stored: StoredObservation,
    payload_size: int = MIN_PAYLOAD_SIZE,
    first_counter: int = 0,
    *,
    length_counts_header: bool = False,
) -> tuple[bytes, ...]:
    """The Stored Health Observations values that carry ``stored`` (see
    :func:`live_observation_segments`)."""
    return _split(_stored_payload(stored, length_counts_header), payload_size, first_counter)


class HealthObservationReassembler:
    """Puts the segments of Live (``stored=False``) or Stored (``stored=True``) Health
    Observations back together (pure, I/O free).

    Feed every value in order; :meth:`feed` returns the :class:`Observation` (live) or
    :class:`StoredObservation` (stored) when its last segment arrives and None while waiting.
    A first segment always starts a new observation; an incomplete one still pending is then
    dropped and counted in :attr:`dropped` (the server gave up on it). A segment that does not
    continue the pending observation (its counter is not one more, modulo 64, than the
    previous one: a segment was lost), that has nothing to continue, or that makes the
    payload longer than any observation can be raises :class:`DecodeError` and drops the
    pending segments. A payload that is not a valid observation raises DecodeError with
    offsets into the joined payload. ``length_counts_header`` reads Philips' form of the
    length field (:mod:`profiles.ghs.observation_codec`).
    """

    __slots__ = ("_buffer", "_counter", "dropped", "length_counts_header", "stored")

    def __init__(self, *, stored: bool = False, length_counts_header: bool = False) -> None:
        self.stored = stored
        self.length_counts_header = length_counts_header
        self.dropped = 0
        self._buffer: bytearray | None = None
        self._counter = 0

    @property
    def _name(self) -> str:
        return (STORED_HEALTH_OBSERVATIONS if self.stored else LIVE_HEALTH_OBSERVATIONS).name

    @property
    def _max_payload(self) -> int:
        return MAX_OBSERVATION_SIZE + (4 if self.stored else 0)

    @property
    def pending(self) -> bool:
        """Whether part of an observation is held."""
        return self._buffer is not None

    def reset(self) -> None:
        self._buffer = None

    def feed(self, value: ByteString) -> Observation | StoredObservation | None:
        r = Reader(value, self._name)
        first, last, counter = _header(r)
        piece = r.rest()
        buffer = self._buffer
        if first:
            if buffer is not None:
                self.dropped += 1
            self._buffer, self._counter = bytearray(piece), counter
        elif buffer is None:
            raise DecodeError(self._name, 0, "segment without a first segment")
        else:
            expected = (self._counter + 1) % SEGMENT_COUNTER_MODULO
            if counter != expected:
                self.reset()
                raise DecodeError(
                    self._name, 0, f"segment counter {counter}, expected {expected}: lost segment"
                )
            buffer += piece
            self._counter = counter
            if len(buffer) > self._max_payload:
                self.reset()
                raise DecodeError(
                    self._name,
                    0,
                    f"segments exceed the largest observation ({self._max_payload} bytes)",
                )
        if not last:
            return None
        payload = bytes(self._buffer or b"")
        self.reset()
        whole = Reader(payload, self._name)
        counts_header = self.length_counts_header
        return (
            _read_stored(whole, counts_header) if self.stored else _read_live(whole, counts_header)
        )


LIVE_HEALTH_OBSERVATIONS = Characteristic(
    0x2B8B,
    "live-health-observations",
    LiveHealthObservationSegment,
    decode_live_health_observations,
    encode_live_health_observations,
    label="Health observation",
)
STORED_HEALTH_OBSERVATIONS = Characteristic(
    0x2BDD,
    "stored-health-observations",
    StoredHealthObservationSegment,
    decode_stored_health_observations,
    encode_stored_health_observations,
    label="Health observation (stored)",
)
CHARACTERISTICS: Final = (LIVE_HEALTH_OBSERVATIONS, STORED_HEALTH_OBSERVATIONS)
