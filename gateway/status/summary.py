"""What a reading says, in words: the values and units of a mapped reading's Observations
(``code.text`` and ``valueQuantity``, component by component), for the status page and the
demo. Pure; takes the FHIR JSON the mapping produced."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

SHORT_NAMES: Final = {
    "MDC_PRESS_BLD_NONINV_SYS": "systolic",
    "MDC_PRESS_BLD_NONINV_DIA": "diastolic",
    "MDC_PRESS_BLD_NONINV_MEAN": "mean",
    "MDC_PULS_RATE_NON_INV": "pulse",
    "MDC_PULS_OXIM_PULS_RATE": "pulse",
    "MDC_PULS_OXIM_SAT_O2": "SpO2",
    "MDC_MASS_BODY_ACTUAL": "weight",
    "MDC_LEN_BODY_ACTUAL": "height",
    "MDC_RATIO_MASS_BODY_LEN_SQ": "BMI",
    "MDC_BODY_FAT": "body fat",
    "MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD": "glucose",
    "MDC_CONC_GLU_CAPILLARY_PLASMA": "glucose",
    "MDC_TEMP_BODY": "temperature",
    "MDC_ATTR_VAL_BATT_CHARGE": "battery",
}


def _name(code: Any) -> str:
    if not isinstance(code, Mapping):
        return "?"
    text = code.get("text")
    if isinstance(text, str) and text:
        return text
    for coding in code.get("coding") or []:
        if isinstance(coding, Mapping) and coding.get("display") in SHORT_NAMES:
            return SHORT_NAMES[str(coding["display"])]
    for coding in code.get("coding") or []:
        if isinstance(coding, Mapping) and coding.get("display"):
            return str(coding["display"])
    for coding in code.get("coding") or []:
        if isinstance(coding, Mapping) and coding.get("code"):
            return str(coding["code"])
    return "?"


def _value(element: Mapping[str, Any]) -> str | None:
    quantity = element.get("valueQuantity")
    if isinstance(quantity, Mapping) and "value" in quantity:
        unit = quantity.get("unit") or quantity.get("code") or ""
        return f"{quantity['value']} {unit}".strip()
    for key in ("valueString", "valueInteger", "valueBoolean", "valueDateTime"):
        if key in element:
            return str(element[key])
    concept = element.get("valueCodeableConcept")
    if isinstance(concept, Mapping):
        return _name(concept)
    absent = element.get("dataAbsentReason")
    if isinstance(absent, Mapping):
        return f"absent ({_name(absent)})"
    return None


def observation_lines(resource: Mapping[str, Any]) -> list[str]:
    """``"Name: value unit"`` for the Observation and each of its components."""
    lines: list[str] = []
    name = _name(resource.get("code"))
    value = _value(resource)
    if value is not None:
        lines.append(f"{name}: {value}")
    for component in resource.get("component") or []:
        if isinstance(component, Mapping):
            part = _value(component)
            if part is not None:
                lines.append(f"{_name(component.get('code'))}: {part}")
    if not lines:
        lines.append(name)
    return lines


def reading_lines(resources: Iterable[Mapping[str, Any]]) -> list[str]:
    lines: list[str] = []
    for resource in resources:
        if resource.get("resourceType") == "Observation":
            lines += observation_lines(resource)
    return lines
