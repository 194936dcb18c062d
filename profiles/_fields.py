"""Field helpers the codecs share: coded values that may be reserved, Feature flags.

A profile's enum names the codes its specification defines; a reserved code (one the enum does
not name) is kept as a plain int, so a decoder never fails on it and a simulator can answer it.
"""

from __future__ import annotations

import enum
from typing import TypeVar

from profiles import _bytes
from profiles._bytes import ByteString, Reader, read_whole

Code = TypeVar("Code", bound=enum.IntEnum)
Flags = TypeVar("Flags", bound=enum.IntFlag)


def member_or_int(kind: type[Code], raw: int) -> Code | int:
    """The member of ``kind`` whose value is ``raw``; ``raw`` itself for a reserved code."""
    try:
        return kind(raw)
    except ValueError:
        return raw


def is_known(kind: type[enum.IntEnum], raw: int) -> bool:
    """Whether ``raw`` is the value of a member of ``kind``."""
    return isinstance(member_or_int(kind, raw), kind)


def read_member(r: Reader, kind: type[Code], what: str, refusal: str) -> Code:
    """A uint8 code that must be one of ``kind``'s members (no value is reserved); otherwise a
    DecodeError at its byte: "``what`` <code> ``refusal``"."""
    start = r.offset
    raw = r.u8(what)
    code = member_or_int(kind, raw)
    if not isinstance(code, kind):
        raise r.error(f"{what} {raw} {refusal}", start)
    return code


def normalise_code(instance: object, field: str, kind: type[enum.IntEnum]) -> None:
    """In a frozen dataclass's ``__post_init__``: a plain int with a known value in ``field``
    becomes its member of ``kind``, so equal values have equal reprs."""
    value = getattr(instance, field)
    if type(value) is int:
        object.__setattr__(instance, field, member_or_int(kind, value))


def read_code(data: ByteString, characteristic: str, what: str, kind: type[Code]) -> Code | int:
    """A characteristic value that is one uint8 code: its member of ``kind``, or the int for a
    reserved code; a DecodeError for any length but one byte."""
    return member_or_int(kind, read_whole(data, characteristic, lambda r: r.u8(what)))


def read_feature_flags(
    data: ByteString, characteristic: str, kind: type[Flags], mask: int
) -> Flags:
    """A Feature value that is one uint16 of flags; the reserved bits (outside ``mask``) are
    ignored."""
    return read_whole(data, characteristic, lambda r: kind(r.u16("features") & mask))


def feature_flags_bytes(value: int, mask: int) -> bytes:
    """The wire form of a uint16 Feature value; reserved bits are sent as 0."""
    return _bytes.u16(value & mask, "features")
