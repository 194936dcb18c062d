"""Bounds-checked little-endian reading and writing for the decoders and encoders.

The :class:`Reader` turns every short read into a :class:`~profiles.errors.DecodeError` carrying
the characteristic name and byte offset, so decoders never see IndexError or struct.error.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from decimal import Decimal
from typing import Final, TypeVar

from profiles.errors import DecodeError, EncodeError
from profiles.ieee11073 import MderNumber, decode_float, decode_sfloat

T = TypeVar("T")

ByteString = bytes | bytearray | memoryview

_U16: Final = struct.Struct("<H")
_S16: Final = struct.Struct("<h")
_U32: Final = struct.Struct("<I")


class Reader:
    """A cursor over one characteristic value."""

    __slots__ = ("characteristic", "data", "offset")

    def __init__(self, data: ByteString, characteristic: str) -> None:
        self.data = bytes(data)
        self.characteristic = characteristic
        self.offset = 0

    def error(self, reason: str, offset: int | None = None) -> DecodeError:
        """A DecodeError at ``offset`` (default: the current position)."""
        return DecodeError(self.characteristic, self.offset if offset is None else offset, reason)

    def _need(self, size: int, what: str) -> int:
        start = self.offset
        if start + size > len(self.data):
            left = len(self.data) - start
            raise self.error(f"truncated: {what} needs {size} byte(s), {left} left")
        self.offset = start + size
        return start

    def remaining(self) -> int:
        return len(self.data) - self.offset

    def u8(self, what: str) -> int:
        return self.data[self._need(1, what)]

    def s8(self, what: str) -> int:
        value = self.data[self._need(1, what)]
        return value - 256 if value > 127 else value

    def u16(self, what: str) -> int:
        value: int = _U16.unpack_from(self.data, self._need(2, what))[0]
        return value

    def s16(self, what: str) -> int:
        value: int = _S16.unpack_from(self.data, self._need(2, what))[0]
        return value

    def u24(self, what: str) -> int:
        start = self._need(3, what)
        return int.from_bytes(self.data[start : start + 3], "little")

    def u32(self, what: str) -> int:
        value: int = _U32.unpack_from(self.data, self._need(4, what))[0]
        return value

    def sfloat(self, what: str) -> MderNumber:
        raw: int = _U16.unpack_from(self.data, self._need(2, what))[0]
        return decode_sfloat(raw)

    def float(self, what: str) -> MderNumber:
        raw: int = _U32.unpack_from(self.data, self._need(4, what))[0]
        return decode_float(raw)

    def take(self, size: int, what: str) -> bytes:
        start = self._need(size, what)
        return self.data[start : start + size]

    def rest(self) -> bytes:
        start = self.offset
        self.offset = len(self.data)
        return self.data[start:]

    def end(self) -> None:
        """Fail when bytes are left over: an overlong value is an error, not padding."""
        if self.offset != len(self.data):
            raise self.error(f"overlong: {len(self.data) - self.offset} unexpected byte(s) at end")


def read_whole(data: ByteString, characteristic: str, read: Callable[[Reader], T]) -> T:
    """What ``read`` takes from a reader over all of ``data``; bytes left over are a
    :class:`DecodeError`."""
    r = Reader(data, characteristic)
    value = read(r)
    r.end()
    return value


def check_range(value: int, low: int, high: int, what: str) -> int:
    """Return ``value`` if ``low <= value <= high``, else raise EncodeError."""
    if not low <= value <= high:
        raise EncodeError(f"{what} {value} is out of range {low}..{high}")
    return value


def u8(value: int, what: str) -> bytes:
    return check_range(value, 0, 0xFF, what).to_bytes(1, "little")


def s8(value: int, what: str) -> bytes:
    return check_range(value, -128, 127, what).to_bytes(1, "little", signed=True)


def u16(value: int, what: str) -> bytes:
    return check_range(value, 0, 0xFFFF, what).to_bytes(2, "little")


def s16(value: int, what: str) -> bytes:
    return check_range(value, -0x8000, 0x7FFF, what).to_bytes(2, "little", signed=True)


def u24(value: int, what: str) -> bytes:
    return check_range(value, 0, 0xFFFFFF, what).to_bytes(3, "little")


def u32(value: int, what: str) -> bytes:
    return check_range(value, 0, 0xFFFFFFFF, what).to_bytes(4, "little")


def scaled(raw: int, step: Decimal) -> Decimal:
    """A fixed-point field as an exact Decimal: ``raw`` units of ``step``."""
    return raw * step


def unscaled(value: Decimal, step: Decimal, what: str) -> int:
    """The raw count of ``step`` units in ``value``; EncodeError unless exact."""
    count = value / step
    if count != count.to_integral_value():
        raise EncodeError(f"{what} {value} is not a multiple of {step}")
    return int(count)
