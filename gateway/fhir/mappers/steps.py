"""Mapping steps several profile mappers take alike.

- :func:`set_bits_observation`: a device or measurement status as a PhdBitsEnumerationObservation
  whose ``derivedFrom`` is the Observation it qualifies; its bits are events, so only the set
  ones are sent, and there is no Observation when none is set.
- :func:`mapped_by_join` and :func:`maps_nothing`: the ``build`` of a measurement type whose
  join returns other readings to map, and of one that is not uploaded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gateway.fhir import codes
from gateway.fhir.bits import bits_components
from gateway.fhir.elements import mdc, reference
from gateway.fhir.entries import BundleEntry
from gateway.fhir.observation import ObservationContext


def set_bits_observation(
    ctx: ObservationContext,
    code: str,
    bits: Sequence[int],
    names: Mapping[int, str],
    derived_from: BundleEntry,
    key: str = "",
) -> list[BundleEntry]:
    """The entry of the Observation ``code`` with the set ASN.1 ``bits`` (none when no bit is
    set); ``key`` tells apart several such Observations of one measurement."""
    if not bits:
        return []
    ident = ctx.identifier(code, [key] if key else [])
    resource = ctx.observation((codes.PROFILE_BITS,), {"coding": [mdc(code)]}, ident)
    resource["derivedFrom"] = [reference(derived_from.full_url)]
    resource["component"] = bits_components(code, ((bit, True) for bit in bits), names)
    return [ctx.entry(resource, "-".join(filter(None, [code, key])), ident)]


def mapped_by_join(m: object, _ctx: ObservationContext) -> list[BundleEntry]:
    """Never called: the mapper's join returns the readings to map instead."""
    raise TypeError(f"{type(m).__name__} is mapped through its join")


def maps_nothing(_m: object, _ctx: ObservationContext) -> list[BundleEntry]:
    return []
