"""Measured values: an exact number or a special value becomes a Quantity or a
dataAbsentReason (on the Observation for numerics, on the component for compounds)."""

from __future__ import annotations

from gateway.fhir.elements import SPECIAL_VALUE_DAR, JsonDict, data_absent_reason, quantity
from profiles.ieee11073 import MderNumber, SpecialValue


def set_value(target: JsonDict, value: MderNumber | int, ucum: str) -> JsonDict:
    """Add ``valueQuantity`` (exact Decimal kept) or the special value's ``dataAbsentReason``."""
    if isinstance(value, SpecialValue):
        target["dataAbsentReason"] = data_absent_reason(SPECIAL_VALUE_DAR[value])
    else:
        target["valueQuantity"] = quantity(value, ucum)
    return target


def component(code: JsonDict, value: MderNumber | int, ucum: str) -> JsonDict:
    return set_value({"code": code}, value, ucum)
