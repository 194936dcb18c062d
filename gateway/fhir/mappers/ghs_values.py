"""The values of ACOM observations (IEEE 11073-10206, as GHS sends them) as FHIR elements.

- numeric → ``valueQuantity`` in the UCUM code of the MDC unit (:mod:`gateway.fhir.mdc_units`);
  a special FLOAT value → ``dataAbsentReason`` (as every PHG mapper does);
- simple discrete → ``valueCodeableConcept`` (the MDC code);
- string → ``valueString``;
- sample array → ``valueSampledData``: origin = scale offset in the unit, factor = scale factor
  (ACOM value = sample x factor + offset, FHIR value = data x factor + origin), period = the
  time between samples in **milliseconds** (sample period / samples per period, else the
  measurement duration / number of samples), dimensions 1, data = the raw samples separated
  by spaces. As a compound component (PhdCompoundObservation requires them) lowerLimit and
  upperLimit are the range of a raw sample (0 .. 2^(8 x bytes per sample) - 1);
- compound state/event → PhdBitsEnumerationObservation components ``<type>.<bit>`` (ASN.1
  bit numbering: bit 0 is the most significant bit of the bit string, read as the
  little-endian integer GHS sends [Inf]); only the bits the device supports; state bits both
  ways, event bits only when set (:mod:`gateway.fhir.bits`). The IG binds these codes to its
  ASN1ToHL7 CodeSystem (required), so bits it does not define are left out.

What the IG cannot express raises :class:`GhsMappingError`.
"""

from __future__ import annotations

from decimal import Decimal

from gateway.fhir import codes
from gateway.fhir.bits import bits_components, mder_bit_is_set, mder_set_bits
from gateway.fhir.display import asn1_bit_display
from gateway.fhir.elements import JsonDict, concept, mdc, quantity
from gateway.fhir.mapper_types import UnmappableMeasurementError
from gateway.fhir.mdc_units import ucum_for
from gateway.fhir.values import set_value
from profiles.ghs.observations import (
    CompoundStateEventValue,
    NumericValue,
    SampleArrayValue,
)
from profiles.ieee11073 import MderNumber

_MS: Decimal = Decimal(1000)


class GhsMappingError(UnmappableMeasurementError):
    """An ACOM observation that the PHD IG (or PHG's tables) cannot express as FHIR."""


def ucum(unit: int) -> str:
    found = ucum_for(unit)
    if found is None:
        raise GhsMappingError(f"MDC unit 0x{unit:04X} has no UCUM code in PHG")
    return found


def coded(code: int) -> JsonDict:
    return concept(mdc(str(code)))


def numeric(target: JsonDict, value: NumericValue) -> JsonDict:
    return set_value(target, value.value, ucum(value.unit))


def text(value: str) -> str:
    """A FHIR string: not empty, no control characters but tab and line breaks, no
    surrounding white space (the validator's rules)."""
    if not value.strip() or value != value.strip():
        raise GhsMappingError("an empty or space-padded string is not a FHIR string")
    if any(ord(c) < 0x20 and c not in "\t\r\n" for c in value):
        raise GhsMappingError("a string with control characters is not a FHIR string")
    return value


def _exact(value: MderNumber | None, what: str) -> Decimal:
    if not isinstance(value, Decimal):
        raise GhsMappingError(f"sample array {what} is {value}, not a number")
    return value


def _period_ms(value: SampleArrayValue, duration: MderNumber | None) -> Decimal:
    period = value.sample_period
    if value.samples_per_period and isinstance(period, Decimal) and period > 0:
        return period * _MS / value.samples_per_period
    if isinstance(duration, Decimal) and duration > 0 and value.samples:
        return duration * _MS / len(value.samples)
    raise GhsMappingError("sample array without a sample period or measurement duration")


def sampled_data(
    value: SampleArrayValue, duration: MderNumber | None, *, limits: bool = False
) -> JsonDict:
    """``valueSampledData``; ``limits`` for a compound component (data then required)."""
    result: JsonDict = {
        "origin": quantity(_exact(value.scale_offset, "scale offset"), ucum(value.unit)),
        "period": _period_ms(value, duration),
        "factor": _exact(value.scale_factor, "scale factor"),
    }
    if limits:
        if not value.samples:
            raise GhsMappingError("a sample array component without samples")
        result["lowerLimit"] = 0
        result["upperLimit"] = (1 << 8 * value.bytes_per_sample) - 1
    result["dimensions"] = 1
    if value.samples:
        result["data"] = " ".join(str(s) for s in value.samples)
    return result


def state_event_bits(type_code: str, value: CompoundStateEventValue) -> list[JsonDict]:
    """Bits components of a compound state/event value (see the module docstring)."""
    width = 8 * len(value.value)
    supported = int.from_bytes(value.supported_mask, "little")
    states = int.from_bytes(value.state_or_event_mask, "little")
    values = int.from_bytes(value.value, "little")
    reported: list[tuple[int, bool]] = []
    names: dict[int, str] = {}
    for bit in mder_set_bits(supported, width):
        name = asn1_bit_display(f"{type_code}.{bit}")
        if name is None:
            continue
        is_set = mder_bit_is_set(values, width, bit)
        if is_set or mder_bit_is_set(states, width, bit):
            reported.append((bit, is_set))
            names[bit] = name
    return bits_components(type_code, reported, names)


def supplemental_components(supplemental: tuple[int, ...] | None) -> list[JsonDict]:
    """The IG's supplementalTypesComponent: code 68193, one MDC code each."""
    return [
        {"code": concept(mdc(codes.MDC_ATTR_SUPPLEMENTAL_TYPES)), "valueCodeableConcept": coded(s)}
        for s in supplemental or ()
    ]
