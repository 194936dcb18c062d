"""Decoded measurements as plain JSON-ready values, with stable field names.

The rules (documented in docs/decode-json.md): a measurement dataclass becomes an object with
one key per field, in declaration order, absent optional fields as null; exact numbers stay
:class:`~decimal.Decimal`; special SFLOAT/FLOAT values become their names ("NaN", "NRes",
"+INFINITY", "-INFINITY", "reserved"); a bit set (IntFlag) becomes the list of the lower-case
names of the bits that are set; other enumerations become their UCUM/text value, or the
lower-case member name for numeric ones; a Date Time becomes ``YYYY-MM-DDThh:mm:ss`` (unknown
year, month or day print as zeros); bytes become lower-case hex.

:func:`decode_line` is the one JSON form of a decoded capture line: what ``phg decode -``
prints, what the demo shows and what the corpus's expected ``*.json`` files hold.
"""

from __future__ import annotations

import dataclasses
import enum
from decimal import Decimal
from typing import Any

from profiles.capture_log import CaptureLine, shorten
from profiles.date_time import DateTime
from profiles.errors import DecodeError
from profiles.ieee11073 import SpecialValue
from profiles.registry import UnknownCharacteristicError, lookup
from profiles.registry_types import AnyCharacteristic


def to_jsonable(value: Any) -> Any:
    """Convert a measurement (or any part of one) to dicts, lists and scalars."""
    if value is None or isinstance(value, bool | str | Decimal):
        return value
    if isinstance(value, SpecialValue):
        return value.value
    if isinstance(value, enum.IntFlag):
        return [member.name.lower() for member in type(value) if member in value and member.name]
    if isinstance(value, enum.Enum):
        if isinstance(value.value, str):
            return value.value
        return value.name.lower()
    if isinstance(value, int):
        return value
    if isinstance(value, DateTime):
        return (
            f"{value.year:04d}-{value.month:02d}-{value.day:02d}"
            f"T{value.hours:02d}:{value.minutes:02d}:{value.seconds:02d}"
        )
    if isinstance(value, bytes | bytearray):
        return bytes(value).hex()
    if isinstance(value, tuple | list):
        return [to_jsonable(item) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: to_jsonable(getattr(value, field.name))
            for field in dataclasses.fields(value)
        }
    raise TypeError(f"cannot convert {type(value).__name__} to JSON")


def lookup_characteristic(key: str) -> AnyCharacteristic:
    """:func:`profiles.registry.lookup`, quoting at most
    :data:`~profiles.capture_log.ECHO_LIMIT` characters of ``key`` when it is unknown."""
    try:
        return lookup(key)
    except UnknownCharacteristicError:
        raise UnknownCharacteristicError(
            f"unknown characteristic {shorten(key)!r} (see `phg decode --list`)"
        ) from None


def decode_to_json(characteristic: AnyCharacteristic, data: bytes) -> dict[str, Any]:
    """The decoded value with the characteristic's name and UUID and the value's type."""
    value = characteristic.decode(data)
    return {
        "characteristic": characteristic.name,
        "uuid": f"{characteristic.uuid16:04X}",
        "type": type(value).__name__,
        "value": to_jsonable(value),
    }


DECODE_ERRORS = (DecodeError, UnknownCharacteristicError, ValueError)
"""What decoding a line can raise: a refused value, an unknown characteristic, bad hex."""


def error_message(exc: Exception) -> str:
    """The message of a :data:`DECODE_ERRORS` exception (a LookupError's without quotes)."""
    return str(exc.args[0]) if isinstance(exc, LookupError) and exc.args else str(exc)


def decode_line(line: CaptureLine) -> dict[str, Any]:
    """:func:`decode_to_json` of a capture line, or ``{"error": "line N: ..."}``."""
    try:
        return decode_to_json(lookup_characteristic(line.characteristic), line.payload())
    except DECODE_ERRORS as exc:
        return {"error": f"line {line.number}: {error_message(exc)}"}
