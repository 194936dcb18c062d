"""IEEE 11073-20601 SFLOAT (16-bit) and FLOAT (32-bit) medical numbers.

A value is either an exact :class:`~decimal.Decimal` that keeps the precision the exponent gives
(FLOAT ``0xFE0000C8`` is ``Decimal("2.00")``, not 2) or one of the :class:`SpecialValue` members.
Special values exist only with exponent 0, as IEEE 11073-20601 Annex F defines them; the same
mantissa with another exponent is an ordinary number.

Encoding takes the exponent from the Decimal itself (``Decimal("2.00")`` is sent with exponent -2)
or an explicitly chosen one, and refuses anything that cannot be sent exactly.
"""

from __future__ import annotations

import enum
import functools
from decimal import Decimal
from typing import Final

from profiles.errors import EncodeError


class SpecialValue(enum.Enum):
    """The reserved values of SFLOAT and FLOAT."""

    NAN = "NaN"
    NRES = "NRes"
    POSITIVE_INFINITY = "+INFINITY"
    NEGATIVE_INFINITY = "-INFINITY"
    RESERVED = "reserved"


MderNumber = Decimal | SpecialValue
"""The decoded form of an SFLOAT or FLOAT field."""

SFLOAT_SPECIALS: Final[dict[int, SpecialValue]] = {
    0x07FF: SpecialValue.NAN,
    0x0800: SpecialValue.NRES,
    0x07FE: SpecialValue.POSITIVE_INFINITY,
    0x0802: SpecialValue.NEGATIVE_INFINITY,
    0x0801: SpecialValue.RESERVED,
}
FLOAT_SPECIALS: Final[dict[int, SpecialValue]] = {
    0x007FFFFF: SpecialValue.NAN,
    0x00800000: SpecialValue.NRES,
    0x007FFFFE: SpecialValue.POSITIVE_INFINITY,
    0x00800002: SpecialValue.NEGATIVE_INFINITY,
    0x00800001: SpecialValue.RESERVED,
}
_SFLOAT_RAW: Final = {value: raw for raw, value in SFLOAT_SPECIALS.items()}
_FLOAT_RAW: Final = {value: raw for raw, value in FLOAT_SPECIALS.items()}

SFLOAT_EXPONENT_RANGE: Final = (-8, 7)
FLOAT_EXPONENT_RANGE: Final = (-128, 127)
SFLOAT_MANTISSA_RANGE: Final = (-2048, 2047)
FLOAT_MANTISSA_RANGE: Final = (-0x800000, 0x7FFFFF)


_SFLOAT_CACHE: dict[int, MderNumber] = {}


def decode_sfloat(raw: int) -> MderNumber:
    """Decode a 16-bit SFLOAT given as an unsigned integer (0..0xFFFF).

    Results are cached (at most 65,536 immutable values), since devices repeat values a lot.
    """
    cached = _SFLOAT_CACHE.get(raw)
    if cached is not None:
        return cached
    value = _decode_sfloat(raw)
    _SFLOAT_CACHE[raw] = value
    return value


def _decode_sfloat(raw: int) -> MderNumber:
    return _decode_mder(raw, SFLOAT_SPECIALS, mantissa_bits=12, exponent_bits=4)


@functools.lru_cache(maxsize=4096)
def decode_float(raw: int) -> MderNumber:
    """Decode a 32-bit FLOAT given as an unsigned integer (0..0xFFFFFFFF)."""
    return _decode_mder(raw, FLOAT_SPECIALS, mantissa_bits=24, exponent_bits=8)


def _decode_mder(
    raw: int, specials: dict[int, SpecialValue], mantissa_bits: int, exponent_bits: int
) -> MderNumber:
    """A special value, or the two's complement mantissa (low bits) scaled by ten to the two's
    complement exponent (high bits)."""
    special = specials.get(raw)
    if special is not None:
        return special
    mantissa = _signed(raw & ((1 << mantissa_bits) - 1), mantissa_bits)
    exponent = _signed(raw >> mantissa_bits, exponent_bits)
    return Decimal(mantissa).scaleb(exponent)


def _signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value >= 1 << (bits - 1) else value


def _mantissa_exponent(
    value: Decimal,
    exponent: int | None,
    mantissa_range: tuple[int, int],
    exponent_range: tuple[int, int],
    specials: dict[int, SpecialValue],
    mantissa_bits: int,
    kind: str,
) -> tuple[int, int]:
    if not value.is_finite():
        raise EncodeError(f"{kind}: {value} is not finite; use a SpecialValue")
    low_m, high_m = mantissa_range
    low_e, high_e = exponent_range
    if exponent is not None:
        if not low_e <= exponent <= high_e:
            raise EncodeError(f"{kind}: exponent {exponent} is out of range {low_e}..{high_e}")
        scaled = value.scaleb(-exponent)
        if scaled != scaled.to_integral_value():
            raise EncodeError(f"{kind}: {value} is not exact with exponent {exponent}")
        mantissa = int(scaled)
    else:
        sign, digits, exp = value.as_tuple()
        assert isinstance(exp, int)
        mantissa = int("".join(map(str, digits)) or "0")
        if sign:
            mantissa = -mantissa
        exponent = exp
        # Drop trailing zeros while the mantissa is too large or the exponent too small.
        while (
            (mantissa < low_m or mantissa > high_m or exponent < low_e)
            and mantissa % 10 == 0
            and exponent < high_e
        ):
            mantissa //= 10
            exponent += 1
        if mantissa == 0:
            exponent = max(low_e, min(high_e, exponent))
        # Pad with zeros while the exponent is too large and the mantissa has room.
        while exponent > high_e and low_m <= mantissa * 10 <= high_m:
            mantissa *= 10
            exponent -= 1
        if not low_e <= exponent <= high_e:
            raise EncodeError(f"{kind}: {value} needs exponent {exponent}, out of range")
    if not low_m <= mantissa <= high_m:
        raise EncodeError(f"{kind}: {value} does not fit the mantissa ({low_m}..{high_m})")
    if exponent == 0 and (mantissa & ((1 << mantissa_bits) - 1)) in specials:
        raise EncodeError(f"{kind}: {value} with exponent 0 collides with a special value")
    return mantissa, exponent


def encode_sfloat(value: MderNumber, exponent: int | None = None) -> int:
    """Encode to a 16-bit SFLOAT (as an unsigned integer)."""
    if isinstance(value, SpecialValue):
        return _SFLOAT_RAW[value]
    mantissa, exp = _mantissa_exponent(
        value, exponent, SFLOAT_MANTISSA_RANGE, SFLOAT_EXPONENT_RANGE, SFLOAT_SPECIALS, 12, "SFLOAT"
    )
    return ((exp & 0x0F) << 12) | (mantissa & 0x0FFF)


def encode_float(value: MderNumber, exponent: int | None = None) -> int:
    """Encode to a 32-bit FLOAT (as an unsigned integer)."""
    if isinstance(value, SpecialValue):
        return _FLOAT_RAW[value]
    mantissa, exp = _mantissa_exponent(
        value, exponent, FLOAT_MANTISSA_RANGE, FLOAT_EXPONENT_RANGE, FLOAT_SPECIALS, 24, "FLOAT"
    )
    return ((exp & 0xFF) << 24) | (mantissa & 0x00FFFFFF)


def sfloat_bytes(value: MderNumber, exponent: int | None = None) -> bytes:
    return encode_sfloat(value, exponent).to_bytes(2, "little")


def float_bytes(value: MderNumber, exponent: int | None = None) -> bytes:
    return encode_float(value, exponent).to_bytes(4, "little")
