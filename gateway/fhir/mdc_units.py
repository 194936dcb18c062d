"""IEEE 11073-10101 units (partition 4, MDC_DIM_*) → UCUM, for observations that carry their
unit as an MDC code (Generic Health Sensor / IEEE 11073-10206 ACOM).

The table holds the units of the device specializations PHG maps (the same UCUM codes its
Bluetooth mappers write) and a few common neighbours: the 16-bit term code (what ACOM sends),
its reference id and the UCUM code. A unit that is not in the table has no UCUM code in PHG:
the observation is refused rather than sent with a unit a FHIR server cannot read.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

# term code | reference id | UCUM
_TABLE: Final = """
0x0200|MDC_DIM_DIMLESS|1
0x0220|MDC_DIM_PERCENT|%
0x0500|MDC_DIM_X_M|m
0x0511|MDC_DIM_CENTI_M|cm
0x0512|MDC_DIM_MILLI_M|mm
0x0560|MDC_DIM_INCH|[in_i]
0x0640|MDC_DIM_X_L|L
0x0652|MDC_DIM_MILLI_L|mL
0x06C0|MDC_DIM_X_G|g
0x06C3|MDC_DIM_KILO_G|kg
0x06D2|MDC_DIM_MILLI_G|mg
0x06E0|MDC_DIM_LB|[lb_av]
0x07A0|MDC_DIM_KG_PER_M_SQ|kg/m2
0x0852|MDC_DIM_MILLI_G_PER_DL|mg/dL
0x0880|MDC_DIM_SEC|s
0x0892|MDC_DIM_MILLI_SEC|ms
0x08A0|MDC_DIM_MIN|min
0x08C0|MDC_DIM_HR|h
0x09C0|MDC_DIM_HZ|Hz
0x0AA0|MDC_DIM_BEAT_PER_MIN|/min
0x0AE0|MDC_DIM_RESP_PER_MIN|/min
0x0F00|MDC_DIM_X_PASCAL|Pa
0x0F03|MDC_DIM_KILO_PASCAL|kPa
0x0F20|MDC_DIM_MMHG|mm[Hg]
0x0F80|MDC_DIM_X_JOULES|J
0x0F83|MDC_DIM_KILO_JOULES|kJ
0x10A0|MDC_DIM_X_VOLT|V
0x10B2|MDC_DIM_MILLI_VOLT|mV
0x10B3|MDC_DIM_MICRO_VOLT|uV
0x10C0|MDC_DIM_X_OHM|Ohm
0x1140|MDC_DIM_FAHR|[degF]
0x1272|MDC_DIM_MILLI_MOL_PER_L|mmol/L
0x17A0|MDC_DIM_DEGC|Cel
"""


def _parse() -> tuple[dict[int, str], dict[int, str]]:
    ucum: dict[int, str] = {}
    names: dict[int, str] = {}
    for line in _TABLE.split():
        code, name, unit = line.split("|")
        ucum[int(code, 16)] = unit
        names[int(code, 16)] = name
    return ucum, names


_UCUM, _NAMES = _parse()
UCUM_BY_TERM: Final = MappingProxyType(_UCUM)
NAME_BY_TERM: Final = MappingProxyType(_NAMES)


def ucum_for(term_code: int) -> str | None:
    """The UCUM code of an MDC unit term code (partition 4), or None when PHG has none."""
    return UCUM_BY_TERM.get(term_code)
