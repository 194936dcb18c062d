"""Strategies for the building blocks shared by the profiles."""

from __future__ import annotations

from decimal import Decimal
from typing import cast

from hypothesis import strategies as st

from profiles.date_time import DateTime
from profiles.ieee11073 import (
    SFLOAT_SPECIALS,
    MderNumber,
    SpecialValue,
    decode_float,
    decode_sfloat,
)

STRATEGIES: dict[str, st.SearchStrategy[object]] = {}

special_values = st.sampled_from(list(SpecialValue))

# Every SFLOAT/FLOAT bit pattern decodes to a value that encodes back to the same pattern, so
# generating raw patterns covers all valid values, special ones included.
sfloats: st.SearchStrategy[MderNumber] = st.integers(0, 0xFFFF).map(decode_sfloat)
floats: st.SearchStrategy[MderNumber] = st.integers(0, 0xFFFFFFFF).map(decode_float)


def sfloat_decimals() -> st.SearchStrategy[Decimal]:
    """Finite SFLOAT values only."""
    return (
        st.integers(0, 0xFFFF)
        .filter(lambda raw: raw not in SFLOAT_SPECIALS)
        .map(lambda raw: cast(Decimal, decode_sfloat(raw)))
    )


def fixed_point(step: Decimal, max_raw: int) -> st.SearchStrategy[Decimal]:
    """Exact multiples of ``step`` from 0 to ``max_raw`` steps, as a field decodes them."""
    return st.integers(0, max_raw).map(lambda raw: raw * step)


@st.composite
def date_times(draw: st.DrawFn) -> DateTime:
    """Valid Date Time values, including unknown (0) year, month or day."""
    year = draw(st.one_of(st.just(0), st.integers(1582, 9999)))
    month = draw(st.integers(0, 12))
    day = draw(st.integers(0, 28 if (year and month) else 31))
    return DateTime(
        year,
        month,
        day,
        draw(st.integers(0, 23)),
        draw(st.integers(0, 59)),
        draw(st.integers(0, 59)),
    )


def optional(strategy: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    return st.one_of(st.none(), strategy)


def uint(bits: int) -> st.SearchStrategy[int]:
    return st.integers(0, (1 << bits) - 1)
