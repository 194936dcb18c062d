"""FHIR R4 primitive types: JSON representation and lexical format (the spec's regexes)."""

from __future__ import annotations

import re
from typing import Final

_YEAR = r"([0-9]([0-9]([0-9][1-9]|[1-9]0)|[1-9]00)|[1-9]000)"
_MONTH = r"(0[1-9]|1[0-2])"
_DAY = r"(0[1-9]|[1-2][0-9]|3[0-1])"
_TIME = r"([01][0-9]|2[0-3]):[0-5][0-9]:([0-5][0-9]|60)(\.[0-9]+)?"
_ZONE = r"(Z|(\+|-)((0[0-9]|1[0-3]):[0-5][0-9]|14:00))"

_FORMATS: Final[dict[str, re.Pattern[str]]] = {
    name: re.compile(pattern, re.ASCII)
    for name, pattern in {
        "date": rf"{_YEAR}(-{_MONTH}(-{_DAY})?)?",
        "dateTime": rf"{_YEAR}(-{_MONTH}(-{_DAY}(T{_TIME}{_ZONE})?)?)?",
        "instant": rf"{_YEAR}-{_MONTH}-{_DAY}T{_TIME}{_ZONE}",
        "time": _TIME,
        "code": r"[^\s]+( [^\s]+)*",
        "id": r"[A-Za-z0-9\-\.]{1,64}",
        "oid": r"urn:oid:[0-2](\.(0|[1-9][0-9]*))+",
        "uuid": r"urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
        "uri": r"\S*",
        "url": r"\S*",
        "canonical": r"\S*",
        "base64Binary": r"(\s*([0-9a-zA-Z\+/=]){4}\s*)+",
        "string": r"[ \r\n\t\S]+",
        "markdown": r"[ \r\n\t\S]+",
    }.items()
}

_INTEGER_MIN: Final = {"integer": -(2**31), "unsignedInt": 0, "positiveInt": 1}
_STRING_TYPES: Final = frozenset({*_FORMATS, "xhtml", "http://hl7.org/fhirpath/System.String"})
PRIMITIVE_TYPES: Final = frozenset(
    {*_STRING_TYPES, "boolean", "decimal", "integer", "unsignedInt", "positiveInt"}
)


def is_primitive(type_code: str) -> bool:
    return type_code in PRIMITIVE_TYPES or type_code.startswith("http://hl7.org/fhirpath/")


def check(type_code: str, value: object) -> str | None:
    """Why ``value`` (parsed JSON) is not a valid ``type_code``, or None when it is."""
    if type_code == "boolean":
        return None if isinstance(value, bool) else "must be a JSON boolean"
    if type_code == "decimal":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return "decimal must be a JSON number"
        return None
    if type_code in _INTEGER_MIN:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{type_code} must be a JSON integer"
        if not _INTEGER_MIN[type_code] <= value <= 2**31 - 1:
            return f"{value} is out of range for {type_code}"
        return None
    if not isinstance(value, str):
        return f"{_short(type_code)} must be a JSON string"
    pattern = _FORMATS.get(type_code)
    if pattern is not None and not pattern.fullmatch(value):
        return f"{value!r} is not a valid {type_code}"
    if type_code not in _FORMATS and not value.strip():
        return "must not be empty"
    return None


def _short(type_code: str) -> str:
    return type_code.rsplit(".", 1)[-1] if type_code.startswith("http") else type_code
