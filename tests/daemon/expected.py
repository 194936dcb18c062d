"""What the server must hold for the records a simulator reported in its ready event, worked
out from the Bluetooth values with the units' definitions (not with the gateway's mappers)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

from profiles import glucose as gl

GLUCOSE_CODES: Final = {
    gl.GlucoseType.CAPILLARY_WHOLE_BLOOD: "160184",  # MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD
    gl.GlucoseType.CAPILLARY_PLASMA: "160188",  # MDC_CONC_GLU_CAPILLARY_PLASMA
}
GLUCOSE_UUID: Final = gl.GLUCOSE_MEASUREMENT.uuid
CONTEXT_UUID: Final = gl.GLUCOSE_MEASUREMENT_CONTEXT.uuid


@dataclass(frozen=True, slots=True)
class GlucoseExpectation:
    sequence: int
    code: str
    value: Decimal
    unit: str
    has_context: bool


def glucose(record: dict[str, Any]) -> GlucoseExpectation:
    """One glucose meter record of the ready event (``{"sequence", "values"}``)."""
    values = dict(record["values"])
    m = gl.decode_glucose_measurement(bytes.fromhex(values[GLUCOSE_UUID]))
    c = m.concentration
    assert c is not None
    assert isinstance(c.value, Decimal)
    if c.unit is gl.GlucoseConcentrationUnit.KILOGRAM_PER_LITRE:
        value, unit = c.value * 100_000, "mg/dL"  # 1 kg/L = 100 000 mg/dL
    else:
        value, unit = c.value * 1000, "mmol/L"  # 1 mol/L = 1000 mmol/L
    return GlucoseExpectation(
        record["sequence"],
        GLUCOSE_CODES[gl.GlucoseType(c.type)],
        value,
        unit,
        CONTEXT_UUID in values,
    )


def glucose_records(ready: dict[str, Any]) -> list[GlucoseExpectation]:
    return [glucose(r) for r in ready["records"]]


GLUCOSE_STATUS: Final = "8417752"  # MDC_GLU_METER_DEV_STATUS, also derivedFrom the glucose one


def glucose_problems(
    observations: list[dict[str, Any]], expected: list[GlucoseExpectation]
) -> list[str]:
    """How the server's Observations differ from one glucose Observation per record (value,
    unit and code as sent) with context Observations for exactly the records that had one."""
    problems: list[str] = []
    by_id = {f"Observation/{o['id']}": o for o in observations}
    glucose_codes = set(GLUCOSE_CODES.values())

    def coded(o: dict[str, Any]) -> set[str]:
        return {c["code"] for c in o["code"].get("coding", [])}

    found = [o for o in observations if coded(o) & glucose_codes]
    if len(found) != len(expected):
        problems.append(f"{len(found)} glucose Observations, expected {len(expected)}")
    got = sorted(
        (
            next(iter(coded(o) & glucose_codes)),
            Decimal(o["valueQuantity"]["value"]),
            o["valueQuantity"]["code"],
        )
        for o in found
    )
    want = sorted((e.code, e.value, e.unit) for e in expected)
    if got != want:
        missing = [w for w in want if w not in got]
        extra = [g for g in got if g not in want]
        problems.append(f"values differ: missing {missing[:5]}, unexpected {extra[:5]}")
    with_context: set[str] = set()
    for o in observations:
        if coded(o) & (glucose_codes | {GLUCOSE_STATUS}) or "derivedFrom" not in o:
            continue
        [source] = [d["reference"] for d in o["derivedFrom"]]
        if source not in by_id or not coded(by_id[source]) & glucose_codes:
            problems.append(f"context Observation {o['id']} derived from {source}")
        with_context.add(source)
    contexts = sum(e.has_context for e in expected)
    if len(with_context) != contexts:
        problems.append(
            f"{len(with_context)} glucose Observations have context, expected {contexts}"
        )
    return problems
