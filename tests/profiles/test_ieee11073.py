"""SFLOAT and FLOAT: every special value, precision from the exponent, and encoding rules."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Final

import pytest
from hypothesis import given
from hypothesis import strategies as st

from profiles.errors import EncodeError
from profiles.ieee11073 import (
    MderNumber,
    SpecialValue,
    decode_float,
    decode_sfloat,
    encode_float,
    encode_sfloat,
)

Decode = Callable[[int], MderNumber]
Encode = Callable[[MderNumber], int]
SFLOAT: Final[tuple[Decode, Encode]] = (decode_sfloat, encode_sfloat)
FLOAT: Final[tuple[Decode, Encode]] = (decode_float, encode_float)

# Each special value: its SFLOAT and its FLOAT pattern.
SPECIALS: Final = [
    (SpecialValue.NAN, 0x07FF, 0x007FFFFF),
    (SpecialValue.NRES, 0x0800, 0x00800000),
    (SpecialValue.POSITIVE_INFINITY, 0x07FE, 0x007FFFFE),
    (SpecialValue.NEGATIVE_INFINITY, 0x0802, 0x00800002),
    (SpecialValue.RESERVED, 0x0801, 0x00800001),
]


@pytest.mark.parametrize(
    ("decode", "encode", "raw", "expected"),
    [(*SFLOAT, sfloat, special) for special, sfloat, _ in SPECIALS]
    + [(*FLOAT, float_, special) for special, _, float_ in SPECIALS],
)
def test_special_values(decode: Decode, encode: Encode, raw: int, expected: SpecialValue) -> None:
    assert decode(raw) is expected
    assert encode(expected) == raw


SFLOAT_NUMBERS: Final = [
    (0x0078, "120"),  # the plain 78 00 that a biased exponent turns into 1.2e-06
    (0xF06B, "10.7"),
    (0xE4E2, "12.50"),  # mantissa 1250, exponent -2
    (0x1002, "2E+1"),  # 2 x 10^1 = 20, kept with its exponent
    (0x0FFF, "-1"),
    (0x8001, "1E-8"),  # smallest exponent
    (0x77FD, "2.045E+10"),
    (0x0000, "0"),
    (0xF000, "0.0"),
    (0x07FD, "2045"),
    (0x0803, "-2045"),
    (0x17FF, "2.047E+4"),  # 0x7FF is NaN only with exponent 0
    (0xF800, "-204.8"),
]
FLOAT_NUMBERS: Final = [
    (0xFE0000C8, "2.00"),
    (0xFF000014, "2.0"),
    (0x01000002, "2E+1"),
    (0x00FFFB2E, "-1234"),
    (0xFF000170, "36.8"),
    (0xFD0905D8, "591.320"),
    (0x80000001, "1E-128"),
    (0x7F7FFFFD, "8.388605E+133"),
]


@pytest.mark.parametrize(
    ("decode", "encode", "raw", "text"),
    [(*SFLOAT, raw, text) for raw, text in SFLOAT_NUMBERS]
    + [(*FLOAT, raw, text) for raw, text in FLOAT_NUMBERS],
)
def test_numbers(decode: Decode, encode: Encode, raw: int, text: str) -> None:
    value = decode(raw)
    assert isinstance(value, Decimal)
    assert str(value) == text
    assert encode(value) == raw


def test_every_sfloat_pattern_round_trips() -> None:
    for raw in range(0x10000):
        assert encode_sfloat(decode_sfloat(raw)) == raw


@given(st.integers(0, 0xFFFFFFFF))
def test_float_patterns_round_trip(raw: int) -> None:
    assert encode_float(decode_float(raw)) == raw


def test_encode_with_chosen_exponent() -> None:
    assert encode_sfloat(Decimal("120"), exponent=-1) == 0xF4B0  # 1200 x 10^-1
    assert str(decode_sfloat(0xF4B0)) == "120.0"
    assert encode_float(Decimal("2"), exponent=-2) == 0xFE0000C8
    with pytest.raises(EncodeError, match="not exact"):
        encode_sfloat(Decimal("12.34"), exponent=-1)
    with pytest.raises(EncodeError, match="exponent 9"):
        encode_sfloat(Decimal("1"), exponent=9)


def test_encode_normalizes_only_without_loss() -> None:
    assert decode_sfloat(encode_sfloat(Decimal("5000"))) == Decimal("5000")
    assert str(decode_sfloat(encode_sfloat(Decimal("5000")))) == "5.00E+3"
    with pytest.raises(EncodeError):
        encode_sfloat(Decimal("5001"))  # needs 4 significant digits, SFLOAT has room for 2047
    with pytest.raises(EncodeError):
        encode_sfloat(Decimal("1.234567"))
    assert encode_sfloat(Decimal("1E+9")) == encode_sfloat(Decimal("10E+8"))


@pytest.mark.parametrize("value", [2047, 2046, -2046, -2047, -2048])
def test_values_colliding_with_specials_are_refused(value: int) -> None:
    with pytest.raises(EncodeError, match="special"):
        encode_sfloat(Decimal(value))


def test_non_finite_decimals_are_refused() -> None:
    for text in ["NaN", "Infinity", "-Infinity"]:
        with pytest.raises(EncodeError, match="SpecialValue"):
            encode_float(Decimal(text))
