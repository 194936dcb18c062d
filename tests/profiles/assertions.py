"""The two checks every profile's hand-made vectors make, written once.

- :func:`assert_vector`: the bytes decode to the expected value (with the same ``repr``, so the
  precision of each Decimal is kept) and that value encodes back to the same bytes.
- :func:`assert_decode_error`: the bytes fail to decode with a DecodeError naming the
  characteristic and the offset of the fault.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from profiles.errors import DecodeError


def assert_vector(
    decode: Callable[[bytes], Any], encode: Callable[[Any], bytes], hex_value: str, expected: object
) -> None:
    data = bytes.fromhex(hex_value)
    decoded = decode(data)
    assert decoded == expected
    assert repr(decoded) == repr(expected)
    assert encode(decoded) == data


def assert_decode_error(
    decode: Callable[[bytes], object], hex_value: str, characteristic: str, offset: int
) -> DecodeError:
    """The DecodeError, for any further check of its reason."""
    with pytest.raises(DecodeError) as caught:
        decode(bytes.fromhex(hex_value))
    assert caught.value.characteristic == characteristic
    assert caught.value.offset == offset
    return caught.value
