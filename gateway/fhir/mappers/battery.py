"""Battery Level (0x2A19) → PhdNumericObservation MDC 67996 MDC_ATTR_VAL_BATT_CHARGE in ``%``.

No time stamp (reception time, no identifier) and no user: the subject is the device's default
Patient (as in the IG's example), or the PhdDevice when the device has none.
"""

from __future__ import annotations

from typing import Final

from gateway.fhir import codes
from gateway.fhir.elements import mdc_concept
from gateway.fhir.entries import BundleEntry
from gateway.fhir.mapper_types import AnyProfileMapper, ProfileMapper
from gateway.fhir.observation import ObservationContext
from gateway.fhir.values import set_value
from profiles.battery import BatteryLevel


def map_battery_level(m: BatteryLevel, ctx: ObservationContext) -> list[BundleEntry]:
    code = codes.MDC_ATTR_VAL_BATT_CHARGE
    ident = ctx.identifier(code)
    resource = ctx.observation((codes.PROFILE_NUMERIC,), mdc_concept(code), ident, performer=False)
    set_value(resource, m.percent, codes.UCUM_PERCENT)
    return [ctx.entry(resource, code, ident)]


MAPPERS: Final[tuple[AnyProfileMapper, ...]] = (
    ProfileMapper(BatteryLevel, None, map_battery_level, lambda _m: None, None),
)
