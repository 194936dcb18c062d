"""Decoded measurements as plain JSON-ready values, with stable field names.

The rules (documented in docs/decode-json.md): a measurement dataclass becomes an object with
one key per field, in declaration order, absent optional fields as null; exact numbers stay
:class:`~decimal.Decimal`; special SFLOAT/FLOAT values become their names ("NaN", "NRes",
"+INFINITY", "-INFINITY", "reserved"); a bit set (IntFlag) becomes the list of the lower-case
names of the bits that are set; other enumerations become their UCUM/text value, or the
lower-case member name for numeric ones; a Date Time becomes ``YYYY-MM-DDThh:mm:ss`` (unknown
year, month or day print as zeros); bytes become lower-case hex.
"""

from __future__ import annotations

import dataclasses
import enum
from decimal import Decimal
from typing import Any

from profiles.date_time import DateTime
from profiles.ieee11073 import SpecialValue


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
