"""Weight Measurement (0x2A9D) → PHD IG Observations (specialization MDC_DEV_SPEC_PROFILE_SCALE).

Each value is its own PhdNumericObservation, an R4 vital sign (LOINC + vital-signs category):

- weight → 188736 MDC_MASS_BODY_ACTUAL + 29463-7, in ``kg`` or ``[lb_av]`` as the scale sent it
  (exact, never converted);
- height (sent together with the BMI) → 188740 MDC_LEN_BODY_ACTUAL + 8302-2, in ``cm`` (the
  scale's metres × 100 exactly: 1.750 m → 175.0 cm, since the R4 body height profile allows cm
  and [in_i], not m) or ``[in_i]``;
- BMI → 188752 MDC_RATIO_MASS_BODY_LEN_SQ + 39156-5, ``kg/m2``, with ``derivedFrom`` the weight
  and height Observations of the same measurement.

A weight of 0xFFFF ("measurement unsuccessful") is *sent*, not dropped: the weight Observation
carries dataAbsentReason ``error`` (the IG's rule for an invalid measurement), so the failed
weighing is on record and nothing is silently lost. The BMI of such a measurement cannot have
been computed from it (BMI is weight / height²), so it also gets dataAbsentReason ``error``
instead of the number the scale sent; the height is sent as reported.

The user index selects the Patient through the connection's PatientBinding (shared scales):
readings of an unbound index, or of 0xFF (unknown user), are held back by
:class:`~gateway.fhir.connection.ConnectionMapper`, never filed under someone else.

:func:`numeric_entry`, :func:`body_weight` and :func:`body_height` are shared with the body
composition mapping (its weight and height are the same Observations).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Final

from gateway.fhir import codes
from gateway.fhir.elements import data_absent_reason, mdc_concept, reference
from gateway.fhir.entries import BundleEntry
from gateway.fhir.mapper_types import AnyProfileMapper, ProfileMapper
from gateway.fhir.observation import ObservationContext
from gateway.fhir.timeline import wall_clock_stamp
from gateway.fhir.values import set_value
from profiles.units import LengthUnit, MassUnit
from profiles.weight_scale import WeightMeasurement

UNSUCCESSFUL_DAR: Final = "error"
MASS_UCUM: Final = {MassUnit.KILOGRAM: codes.UCUM_KG, MassUnit.POUND: codes.UCUM_LB}


def numeric_entry(
    ctx: ObservationContext,
    code: str,
    loinc_code: str | None,
    value: Decimal | int | None,
    ucum: str,
    derived_from: Sequence[BundleEntry] = (),
) -> BundleEntry:
    """A PhdNumericObservation (a vital sign when ``loinc_code`` is given); a value of None
    ("measurement unsuccessful") becomes dataAbsentReason ``error``."""
    ident = ctx.identifier(code)
    resource = ctx.observation(
        (codes.PROFILE_NUMERIC,),
        mdc_concept(code, loinc_code),
        ident,
        vital_signs=loinc_code is not None,
    )
    if value is None:
        resource["dataAbsentReason"] = data_absent_reason(UNSUCCESSFUL_DAR)
    else:
        set_value(resource, value, ucum)
    if derived_from:
        resource["derivedFrom"] = [reference(e.full_url) for e in derived_from]
    return ctx.entry(resource, code, ident)


def body_weight(ctx: ObservationContext, weight: Decimal | None, unit: MassUnit) -> BundleEntry:
    return numeric_entry(
        ctx, codes.MDC_MASS_BODY_ACTUAL, codes.LOINC_BODY_WEIGHT, weight, MASS_UCUM[unit]
    )


def body_height(ctx: ObservationContext, height: Decimal, unit: LengthUnit) -> BundleEntry:
    """Height in cm (from metres, exactly) or in [in_i]."""
    if unit is LengthUnit.METRE:
        value, ucum = height.scaleb(2), codes.UCUM_CM
    else:
        value, ucum = height, codes.UCUM_INCH
    return numeric_entry(ctx, codes.MDC_LEN_BODY_ACTUAL, codes.LOINC_BODY_HEIGHT, value, ucum)


def map_weight(m: WeightMeasurement, ctx: ObservationContext) -> list[BundleEntry]:
    weight = body_weight(ctx, m.weight, m.mass_unit)
    entries = [weight]
    if m.height is not None and m.bmi is not None:
        height = body_height(ctx, m.height, m.length_unit)
        bmi_value = None if m.weight is None else m.bmi
        bmi = numeric_entry(
            ctx,
            codes.MDC_RATIO_MASS_BODY_LEN_SQ,
            codes.LOINC_BMI,
            bmi_value,
            codes.UCUM_KG_PER_M2,
            (weight, height),
        )
        entries += [height, bmi]
    return entries


MAPPERS: Final[tuple[AnyProfileMapper, ...]] = (
    ProfileMapper(
        WeightMeasurement,
        codes.MDC_DEV_SPEC_PROFILE_SCALE,
        map_weight,
        lambda m: wall_clock_stamp(m.timestamp),
        lambda m: m.user_id,
    ),
)
