"""Body Composition Measurement (0x2A9C) → PHD IG Observations (specialization
MDC_DEV_SPEC_PROFILE_BCA 528404).

Every field present becomes its own PhdNumericObservation (values exact, units as sent):

=========================  ======  ==============================  ==========  ===============
field                      MDC     reference id                    unit        LOINC
=========================  ======  ==============================  ==========  ===============
body fat percentage        188748  MDC_BODY_FAT                    %           -
basal metabolism           188768  MDC_BASAL_METABOLISM            kJ          -
muscle percentage          188772  MDC_BODY_MUSCLE                 %           -
muscle mass                188776  MDC_MASS_BODY_MUSCLE            kg/[lb_av]  -
fat free mass              188756  MDC_MASS_BODY_FAT_FREE          kg/[lb_av]  -
soft lean mass             188760  MDC_MASS_BODY_SOFT_LEAN         kg/[lb_av]  -
body water mass            188764  MDC_BODY_WATER                  kg/[lb_av]  -
impedance                  188780  MDC_BODY_ELECTRICAL_IMPEDANCE   Ohm         -
weight                     188736  MDC_MASS_BODY_ACTUAL            kg/[lb_av]  29463-7 (vital)
height                     188740  MDC_LEN_BODY_ACTUAL             cm/[in_i]   8302-2 (vital)
=========================  ======  ==============================  ==========  ===============

Codes (decimal MDC = 131072 + SCADA term code): 188736, 188740, 188748 and 188752 are the
IEEE 11073-20601 nomenclature terms the IG's notes give; 188756, 188760 and 188764 (term codes
57684, 57688, 57692) are the fat free mass, soft lean mass and body water terms that IEEE
11073-10420 (body composition analyzer) implementations use. 188768, 188772, 188776 and 188780
(57696, 57700, 57704, 57708, continuing the block in steps of 4) are what published 11073
nomenclature tables give for basal metabolism, muscle percentage, muscle mass and impedance,
with the remark "not in 20601"; PHG could not check them against RTMMS offline, so they are the
least certain codes here. All are in MDC partition 2 (SCADA), which the IG's MDC value sets
accept, so every Observation validates. Weight and height are the same Observations as the
weight scale's (:mod:`gateway.fhir.mappers.weight_scale`): a device sending both profiles gets
one conditional-create identifier for a weighing, so the server keeps one.

derivedFrom: a body composition analyser computes the body fat, the masses, the muscle
percentage and the basal metabolism from the measured impedance, weight and height (plus the
user's age and sex). Those computed Observations carry ``derivedFrom`` the impedance, weight and
height Observations present in the same measurement; the measured ones carry none.

Body fat percentage 0xFFFF ("measurement unsuccessful") → that Observation has dataAbsentReason
``error``; the other fields are sent as reported (the analyser still sent them).

Multiple-packet measurements: this mapping takes *complete* measurements only. The packets must
be merged first with :class:`profiles.body_composition.BodyCompositionReassembler` (done by the
BLE session, which does not handle the Body Composition Service yet: it is not in
``gateway.ble.profile_table.PROFILES``). A measurement with ``multiple_packet`` set raises
:class:`IncompleteMeasurementError` rather than uploading a fragment.
"""

from __future__ import annotations

from typing import Final

from gateway.fhir import codes
from gateway.fhir.entries import BundleEntry
from gateway.fhir.mapper_types import AnyProfileMapper, IncompleteMeasurementError, ProfileMapper
from gateway.fhir.mappers.weight_scale import MASS_UCUM, body_height, body_weight, numeric_entry
from gateway.fhir.observation import ObservationContext
from gateway.fhir.timeline import wall_clock_stamp
from profiles.body_composition import BodyCompositionMeasurement


def map_body_composition(
    m: BodyCompositionMeasurement, ctx: ObservationContext
) -> list[BundleEntry]:
    if m.multiple_packet:
        raise IncompleteMeasurementError(
            "body composition: one packet of a multiple-packet measurement; merge the packets "
            "with BodyCompositionReassembler before mapping"
        )
    measured: list[BundleEntry] = []
    if m.impedance is not None:
        measured.append(
            numeric_entry(
                ctx, codes.MDC_BODY_ELECTRICAL_IMPEDANCE, None, m.impedance, codes.UCUM_OHM
            )
        )
    if m.weight is not None:
        measured.append(body_weight(ctx, m.weight, m.mass_unit))
    if m.height is not None:
        measured.append(body_height(ctx, m.height, m.length_unit))
    mass = MASS_UCUM[m.mass_unit]
    computed = [
        numeric_entry(
            ctx, codes.MDC_BODY_FAT, None, m.body_fat_percentage, codes.UCUM_PERCENT, measured
        )
    ]
    optional = (
        (codes.MDC_BASAL_METABOLISM, m.basal_metabolism, codes.UCUM_KJ),
        (codes.MDC_BODY_MUSCLE, m.muscle_percentage, codes.UCUM_PERCENT),
        (codes.MDC_MASS_BODY_MUSCLE, m.muscle_mass, mass),
        (codes.MDC_MASS_BODY_FAT_FREE, m.fat_free_mass, mass),
        (codes.MDC_MASS_BODY_SOFT_LEAN, m.soft_lean_mass, mass),
        (codes.MDC_BODY_WATER, m.body_water_mass, mass),
    )
    for code, value, ucum in optional:
        if value is not None:
            computed.append(numeric_entry(ctx, code, None, value, ucum, measured))
    return computed + measured


MAPPERS: Final[tuple[AnyProfileMapper, ...]] = (
    ProfileMapper(
        BodyCompositionMeasurement,
        codes.MDC_DEV_SPEC_PROFILE_BCA,
        map_body_composition,
        lambda m: wall_clock_stamp(m.timestamp),
        lambda m: m.user_id,
    ),
)
