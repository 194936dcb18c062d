"""BITS (bit-string) enumerations as PhdBitsEnumerationObservation components.

The IG numbers ASN.1 bits **from the most significant bit**: bit 0 of a 16-bit MDER BITS value is
0x8000. Bluetooth numbers bits from the least significant one, and the Bluetooth status fields are
not laid out like their MDER counterparts, so each characteristic keeps its own table from
Bluetooth bit (by meaning) to ASN.1 bit. A component's code is ``"<Observation code>.<bit>"``
in the ASN1ToHL7 code system.

Event bits are reported only when set (``valueBoolean`` true); state bits both ways.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from gateway.fhir import codes
from gateway.fhir.elements import JsonDict


def mder_bit_is_set(value: int, width: int, bit: int) -> bool:
    """Whether ASN.1 bit ``bit`` (0 = MSB) of a ``width``-bit MDER BITS value is set."""
    if not 0 <= bit < width:
        raise ValueError(f"bit {bit} is outside a {width}-bit string")
    return bool(value >> (width - 1 - bit) & 1)


def mder_set_bits(value: int, width: int) -> list[int]:
    """The ASN.1 (MSB-first) numbers of the bits set in an MDER BITS value."""
    return [bit for bit in range(width) if value >> (width - 1 - bit) & 1]


def bits_components(
    code: str, states: Iterable[tuple[int, bool]], names: Mapping[int, str]
) -> list[JsonDict]:
    """Components for (ASN.1 bit, value) pairs, with the ASN1ToHL7 display when known."""
    result = []
    for bit, value in states:
        coding: JsonDict = {"system": codes.ASN1_TO_HL7, "code": f"{code}.{bit}"}
        name = names.get(bit)
        if name is not None:
            coding["display"] = name
        result.append({"code": {"coding": [coding]}, "valueBoolean": value})
    return result
