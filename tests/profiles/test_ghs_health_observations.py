"""Live and Stored Health Observations: segments, reassembly, splitting.

Vectors and their sources: tests/profiles/ghs_vectors.py.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from profiles.errors import DecodeError, EncodeError
from profiles.ghs.health_observations import (
    HealthObservationReassembler,
    LiveHealthObservationSegment,
    StoredHealthObservationSegment,
    StoredObservation,
    decode_live_health_observations,
    decode_stored_health_observations,
    encode_live_health_observations,
    encode_stored_health_observations,
    live_observation_segments,
    stored_observation_segments,
)
from profiles.ghs.observations import (
    Observation,
)
from profiles.registry import lookup
from tests.profiles.ghs_vectors import (
    ST_NUMERIC,
    ST_NUMERIC_OBSERVATION,
    ST_PO_BUNDLE,
    decode,
    h,
)
from tests.strategies.ghs import any_observations, stored_observations

# --- Segments, reassembly, splitting -------------------------------------------------------------


def test_st_single_segment_live_observation() -> None:
    # ST sends its observations whole: first and last bits, counter incremented (here 1).
    data = b"\x07" + ST_NUMERIC
    segment = decode_live_health_observations(data)
    assert segment == LiveHealthObservationSegment(True, True, 1, ST_NUMERIC_OBSERVATION)
    assert segment.observation == ST_NUMERIC_OBSERVATION
    assert encode_live_health_observations(segment) == data
    assert lookup("2B8B").decode(data) == segment


def test_st_stored_observation_record() -> None:
    # ST GHS_APP_PTS_TestDBInit stores NumericOxygenSaturation as records 1..5.
    data = b"\x03" + h("01000000") + ST_NUMERIC
    segment = decode_stored_health_observations(data)
    assert segment.stored_observation == StoredObservation(1, ST_NUMERIC_OBSERVATION)
    assert encode_stored_health_observations(segment) == data


def test_middle_segment_keeps_raw_bytes() -> None:
    segment = decode_live_health_observations(h("08", "0102"))
    assert segment == LiveHealthObservationSegment(False, False, 2, b"\x01\x02")
    assert segment.observation is None


def test_split_and_reassemble_the_st_bundle() -> None:
    # 50 bytes at 20 bytes per notification: 19 + 19 + 12, counters 62, 63, 0.
    observation = decode(ST_PO_BUNDLE)
    segments = live_observation_segments(observation, 20, first_counter=62)
    assert [s[0] for s in segments] == [0xF9, 0xFC, 0x02]
    assert [len(s) for s in segments] == [20, 20, 13]
    assert b"".join(s[1:] for s in segments) == ST_PO_BUNDLE
    reassembler = HealthObservationReassembler()
    assert reassembler.feed(segments[0]) is None
    assert reassembler.pending
    assert reassembler.feed(segments[1]) is None
    assert reassembler.feed(segments[2]) == observation
    assert not reassembler.pending


def test_reassembly_errors() -> None:
    segments = live_observation_segments(decode(ST_PO_BUNDLE), 20)
    reassembler = HealthObservationReassembler()
    with pytest.raises(DecodeError, match="without a first segment"):
        reassembler.feed(segments[1])
    reassembler.feed(segments[0])
    with pytest.raises(DecodeError, match="counter 2, expected 1: lost segment"):
        reassembler.feed(segments[2])
    assert not reassembler.pending
    reassembler.feed(segments[0])
    reassembler.feed(segments[0])
    assert reassembler.dropped == 1
    reassembler.feed(segments[1])
    assert reassembler.feed(segments[2]) == decode(ST_PO_BUNDLE)
    broken = HealthObservationReassembler()
    with pytest.raises(DecodeError, match="truncated") as caught:
        broken.feed(b"\x03" + ST_PO_BUNDLE[:-1])
    assert caught.value.offset == 1  # offsets are into the joined payload


def test_reassembly_is_bounded() -> None:
    # Layout: a first segment, then middle segments that never end.
    reassembler = HealthObservationReassembler()
    reassembler.feed(b"\x01" + bytes(200))
    with pytest.raises(DecodeError, match="exceed the largest observation"):  # noqa: PT012
        for counter in range(1, 400):
            reassembler.feed(bytes(((counter % 64) << 2,)) + bytes(200))
    assert not reassembler.pending


def test_stored_split_and_reassemble() -> None:
    stored = StoredObservation(0xFFFFFFFF, ST_NUMERIC_OBSERVATION)
    segments = stored_observation_segments(stored, 23)
    assert len(segments) == 2
    assert segments[0][1:5] == b"\xff\xff\xff\xff"
    reassembler = HealthObservationReassembler(stored=True)
    assert reassembler.feed(segments[0]) is None
    assert reassembler.feed(segments[1]) == stored


def test_split_rejects_small_payloads() -> None:
    with pytest.raises(EncodeError):
        live_observation_segments(ST_NUMERIC_OBSERVATION, 19)


@settings(max_examples=200, deadline=None)
@given(any_observations, st.integers(20, 64), st.integers(0, 63), st.booleans())
def test_split_then_reassemble_round_trips(
    observation: Observation, payload_size: int, first_counter: int, philips_form: bool
) -> None:
    segments = live_observation_segments(
        observation, payload_size, first_counter, length_counts_header=philips_form
    )
    assert all(len(segment) <= payload_size for segment in segments)
    reassembler = HealthObservationReassembler(length_counts_header=philips_form)
    results = [reassembler.feed(segment) for segment in segments]
    assert results[:-1] == [None] * (len(segments) - 1)
    assert repr(results[-1]) == repr(observation)


@settings(max_examples=100, deadline=None)
@given(stored_observations, st.integers(20, 64))
def test_stored_split_then_reassemble_round_trips(
    stored: StoredObservation, payload_size: int
) -> None:
    reassembler = HealthObservationReassembler(stored=True)
    results = [reassembler.feed(s) for s in stored_observation_segments(stored, payload_size)]
    assert results[-1] == stored


def test_unencodable_segments() -> None:
    with pytest.raises(EncodeError):
        encode_live_health_observations(LiveHealthObservationSegment(True, True, 0, b"\x01"))
    with pytest.raises(EncodeError):
        encode_live_health_observations(
            LiveHealthObservationSegment(True, False, 0, ST_NUMERIC_OBSERVATION)
        )
    with pytest.raises(EncodeError):
        encode_stored_health_observations(StoredHealthObservationSegment(False, False, 64, b""))
