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


class _Layout:
    """One MDER number layout: a two's complement exponent in the high bits above a two's
    complement mantissa in the low bits, some exponent-0 patterns being special values."""

    __slots__ = (
        "exponent_bits",
        "exponent_range",
        "mantissa_bits",
        "mantissa_range",
        "name",
        "raw",
        "specials",
    )

    def __init__(
        self, name: str, mantissa_bits: int, exponent_bits: int, specials: dict[int, SpecialValue]
    ) -> None:
        self.name = name
        self.mantissa_bits = mantissa_bits
        self.exponent_bits = exponent_bits
        self.specials = specials
        self.raw = {value: raw for raw, value in specials.items()}
        self.mantissa_range = _twos_complement_range(mantissa_bits)
        self.exponent_range = _twos_complement_range(exponent_bits)

    def decode(self, raw: int) -> MderNumber:
        special = self.specials.get(raw)
        if special is not None:
            return special
        mantissa = _signed(raw & ((1 << self.mantissa_bits) - 1), self.mantissa_bits)
        exponent = _signed(raw >> self.mantissa_bits, self.exponent_bits)
        return Decimal(mantissa).scaleb(exponent)

    def encode(self, value: MderNumber, exponent: int | None) -> int:
        if isinstance(value, SpecialValue):
            return self.raw[value]
        mantissa, exp = self._mantissa_exponent(value, exponent)
        mantissa_mask = (1 << self.mantissa_bits) - 1
        exponent_mask = (1 << self.exponent_bits) - 1
        return ((exp & exponent_mask) << self.mantissa_bits) | (mantissa & mantissa_mask)

    def _mantissa_exponent(self, value: Decimal, exponent: int | None) -> tuple[int, int]:
        if not value.is_finite():
            raise EncodeError(f"{self.name}: {value} is not finite; use a SpecialValue")
        low_m, high_m = self.mantissa_range
        low_e, high_e = self.exponent_range
        if exponent is not None:
            if not low_e <= exponent <= high_e:
                raise EncodeError(
                    f"{self.name}: exponent {exponent} is out of range {low_e}..{high_e}"
                )
            scaled = value.scaleb(-exponent)
            if scaled != scaled.to_integral_value():
                raise EncodeError(f"{self.name}: {value} is not exact with exponent {exponent}")
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
                raise EncodeError(f"{self.name}: {value} needs exponent {exponent}, out of range")
        if not low_m <= mantissa <= high_m:
            raise EncodeError(f"{self.name}: {value} does not fit the mantissa ({low_m}..{high_m})")
        if exponent == 0 and (mantissa & ((1 << self.mantissa_bits) - 1)) in self.specials:
            raise EncodeError(f"{self.name}: {value} with exponent 0 collides with a special value")
        return mantissa, exponent


def _twos_complement_range(bits: int) -> tuple[int, int]:
    return -(1 << (bits - 1)), (1 << (bits - 1)) - 1


def _signed(value: int, bits: int) -> int:
    return value - (1 << bits) if value >= 1 << (bits - 1) else value


_SFLOAT: Final = _Layout("SFLOAT", mantissa_bits=12, exponent_bits=4, specials=SFLOAT_SPECIALS)
_FLOAT: Final = _Layout("FLOAT", mantissa_bits=24, exponent_bits=8, specials=FLOAT_SPECIALS)

SFLOAT_EXPONENT_RANGE: Final = _SFLOAT.exponent_range  # (-8, 7)
FLOAT_EXPONENT_RANGE: Final = _FLOAT.exponent_range  # (-128, 127)
SFLOAT_MANTISSA_RANGE: Final = _SFLOAT.mantissa_range  # (-2048, 2047)
FLOAT_MANTISSA_RANGE: Final = _FLOAT.mantissa_range  # (-0x800000, 0x7FFFFF)


_SFLOAT_CACHE: dict[int, MderNumber] = {}


def decode_sfloat(raw: int) -> MderNumber:
    """Decode a 16-bit SFLOAT given as an unsigned integer (0..0xFFFF).

    Results are cached (at most 65,536 immutable values), since devices repeat values a lot.
    """
    cached = _SFLOAT_CACHE.get(raw)
    if cached is not None:
        return cached
    value = _SFLOAT.decode(raw)
    _SFLOAT_CACHE[raw] = value
    return value


@functools.lru_cache(maxsize=4096)
def decode_float(raw: int) -> MderNumber:
    """Decode a 32-bit FLOAT given as an unsigned integer (0..0xFFFFFFFF)."""
    return _FLOAT.decode(raw)


def encode_sfloat(value: MderNumber, exponent: int | None = None) -> int:
    """Encode to a 16-bit SFLOAT (as an unsigned integer)."""
    return _SFLOAT.encode(value, exponent)


def encode_float(value: MderNumber, exponent: int | None = None) -> int:
    """Encode to a 32-bit FLOAT (as an unsigned integer)."""
    return _FLOAT.encode(value, exponent)


def sfloat_bytes(value: MderNumber, exponent: int | None = None) -> bytes:
    return encode_sfloat(value, exponent).to_bytes(2, "little")


def float_bytes(value: MderNumber, exponent: int | None = None) -> bytes:
    return encode_float(value, exponent).to_bytes(4, "little")
