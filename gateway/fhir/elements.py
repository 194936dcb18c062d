"""Builders for the small FHIR data types (Coding, CodeableConcept, Quantity, Reference, ...).

Every call returns fresh dicts, so callers may change what they get back. Numbers stay
:class:`~decimal.Decimal` (or int) for :mod:`gateway.exact_json`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Final

from gateway.fhir import codes
from profiles.ieee11073 import SpecialValue

JsonDict = dict[str, Any]

DAR_DISPLAY: Final = {
    "unknown": "Unknown",
    "error": "Error",
    "not-a-number": "Not a Number (NaN)",
    "positive-infinity": "Positive Infinity (PINF)",
    "negative-infinity": "Negative Infinity (NINF)",
    "not-performed": "Not Performed",
    "unsupported": "Unsupported",
}

SPECIAL_VALUE_DAR: Final = {
    SpecialValue.NAN: "not-a-number",
    SpecialValue.POSITIVE_INFINITY: "positive-infinity",
    SpecialValue.NEGATIVE_INFINITY: "negative-infinity",
    SpecialValue.NRES: "error",
    SpecialValue.RESERVED: "error",
}
"""IEEE 11073 special S/FLOAT values → data-absent-reason code (PHD IG, Observation notes)."""


def mdc(code: str) -> JsonDict:
    """An MDC Coding, with the reference id as display when it is known."""
    display = codes.DISPLAY.get(code)
    if display is None:
        return {"system": codes.MDC, "code": code}
    return {"system": codes.MDC, "code": code, "display": display}


def loinc(code: str) -> JsonDict:
    return {"system": codes.LOINC, "code": code}


def concept(*codings: JsonDict, text: str | None = None) -> JsonDict:
    result: JsonDict = {"coding": list(codings)}
    if text is not None:
        result["text"] = text
    return result


def mdc_concept(code: str, loinc_code: str | None = None) -> JsonDict:
    """MDC code, plus the LOINC code R4 vital signs require when there is one."""
    if loinc_code is None:
        return {"coding": [mdc(code)]}
    return {"coding": [mdc(code), loinc(loinc_code)]}


def quantity(value: Decimal | int, ucum: str) -> JsonDict:
    return {"value": value, "unit": ucum, "system": codes.UCUM, "code": ucum}


def data_absent_reason(code: str) -> JsonDict:
    return {
        "coding": [{"system": codes.DATA_ABSENT_REASON, "code": code, "display": DAR_DISPLAY[code]}]
    }


def reference(ref: str) -> JsonDict:
    return {"reference": ref}


def phd_category() -> JsonDict:
    return {"coding": [{"system": codes.PHD_CATEGORY, "code": codes.PHD_CATEGORY_CODE}]}


def vital_signs_category() -> JsonDict:
    return {
        "coding": [{"system": codes.OBSERVATION_CATEGORY, "code": codes.VITAL_SIGNS_CATEGORY_CODE}]
    }


def yes_no(value: bool) -> JsonDict:
    """A v2-0136 Y/N CodeableConcept (Device.property.valueCode item)."""
    return {"coding": [{"system": codes.YES_NO, "code": "Y" if value else "N"}]}
