"""The contract every registered characteristic keeps, checked for all of them.

- Round trip: ``decode(encode(m)) == m`` with identical ``repr`` (so Decimal precision is kept)
  for every valid measurement the profile's strategy generates.
- Error contract: any byte string either decodes or raises DecodeError, never another exception
  (fuzzed with ``PHG_FUZZ_EXAMPLES`` examples per decoder, 10,000 by default).
- What a decoder accepts re-encodes to the same bytes, apart from reserved bits it ignores and
  unused fields: so decoding the re-encoding gives the same measurement again.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from profiles.errors import DecodeError
from profiles.registry import ALL
from profiles.registry_types import AnyCharacteristic
from tests.strategies import ALL_STRATEGIES

FUZZ_EXAMPLES = int(os.environ.get("PHG_FUZZ_EXAMPLES", "10000"))
ROUND_TRIP_EXAMPLES = int(os.environ.get("PHG_ROUND_TRIP_EXAMPLES", "300"))

by_name = pytest.mark.parametrize("characteristic", ALL, ids=lambda c: c.name)


def test_every_characteristic_has_a_strategy() -> None:
    missing = sorted(c.name for c in ALL if c.name not in ALL_STRATEGIES)
    assert missing == []
    unknown = sorted(set(ALL_STRATEGIES) - {c.name for c in ALL})
    assert unknown == []


@by_name
def test_round_trip(characteristic: AnyCharacteristic) -> None:
    @settings(max_examples=ROUND_TRIP_EXAMPLES, deadline=None)
    @given(ALL_STRATEGIES[characteristic.name])
    def check(measurement: Any) -> None:
        encoded = characteristic.encode(measurement)
        decoded = characteristic.decode(encoded)
        assert decoded == measurement
        assert repr(decoded) == repr(measurement)

    check()


def _weighted_payloads(characteristic: AnyCharacteristic) -> st.SearchStrategy[bytes]:
    """Random bytes, plus valid encodings with a byte changed, cut short or extended: these
    reach deep into the decoder where pure noise stops at the flags."""
    valid = ALL_STRATEGIES[characteristic.name].map(characteristic.encode)

    @st.composite
    def mutated(draw: st.DrawFn) -> bytes:
        data = bytearray(draw(valid))
        action = draw(st.sampled_from(["flip", "truncate", "extend", "flags"]))
        if action == "flip" and data:
            i = draw(st.integers(0, len(data) - 1))
            data[i] = draw(st.integers(0, 255))
        elif action == "truncate" and data:
            del data[draw(st.integers(0, len(data) - 1)) :]
        elif action == "extend":
            data += draw(st.binary(min_size=1, max_size=8))
        elif data:
            data[0] = draw(st.integers(0, 255))
        return bytes(data)

    return st.one_of(st.binary(max_size=40), mutated())


@by_name
def test_any_bytes_decode_or_raise_decode_error(characteristic: AnyCharacteristic) -> None:
    @settings(
        max_examples=FUZZ_EXAMPLES,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )
    @given(_weighted_payloads(characteristic))
    def check(data: bytes) -> None:
        error: DecodeError | None = None
        try:
            value = characteristic.decode(data)
        except DecodeError as exc:
            error = exc
        if error is not None:
            assert error.characteristic == characteristic.name
            assert 0 <= error.offset <= len(data)
            return
        again = characteristic.decode(characteristic.encode(value))
        assert again == value
        assert repr(again) == repr(value)

    check()
