"""Blood Pressure Measurement (0x2A35) → PHD IG Observations.

- The pressures → PhdCompoundNumericObservation MDC 150020 + LOINC 85354-9 (vital signs), with
  components systolic 150021 + 8480-6, diastolic 150022 + 8462-4 and mean 150023 (MDC only). A
  special value gives the component a dataAbsentReason (a NaN mean → ``not-a-number``). Units:
  ``mm[Hg]``, or ``kPa`` when the device sends kPa (kept exact, not converted; note that the R4
  vital-signs BP profile expects mm[Hg]).
- The pulse rate → PhdNumericObservation 149546 + LOINC 8867-4 (vital signs), ``/min``.
- The measurement status → PhdBitsEnumerationObservation 8410608 with ``derivedFrom`` the BP
  Observation; the status bits are events, so only set bits are sent, and no Observation when
  none is set. Bluetooth bit → ASN.1 bit: body movement .0, cuff too loose .1, irregular pulse
  .2, pulse rate over range .3, under range .4, improper position .5.

Intermediate Cuff Pressure (0x2A36) is transient (the cuff pressure while inflating) and is not
uploaded.
"""

from __future__ import annotations

from typing import Final

from gateway.fhir import codes
from gateway.fhir.elements import mdc_concept
from gateway.fhir.entries import BundleEntry
from gateway.fhir.mapper_types import AnyProfileMapper, ProfileMapper
from gateway.fhir.mappers.steps import maps_nothing, set_bits_observation
from gateway.fhir.observation import ObservationContext
from gateway.fhir.timeline import wall_clock_stamp
from gateway.fhir.values import component, set_value
from profiles.blood_pressure import (
    BloodPressureMeasurement,
    BloodPressureMeasurementStatus,
    IntermediateCuffPressure,
    PulseRateRange,
)
from profiles.units import PressureUnit

BP_PROFILES: Final = (codes.PROFILE_COMPOUND_NUMERIC, codes.PROFILE_COMPOUND)
STATUS_BITS: Final = {
    0: "body-movement",
    1: "cuff-too-loose",
    2: "irregular-pulse",
    3: "pulse-over-range-limit",
    4: "pulse-under-range-limit",
    5: "improper-body-position",
}
_UCUM: Final = {PressureUnit.MMHG: codes.UCUM_MMHG, PressureUnit.KPA: codes.UCUM_KPA}


def status_bits(status: BloodPressureMeasurementStatus) -> list[int]:
    """The ASN.1 bits (MDC_BLOOD_PRESSURE_MEASUREMENT_STATUS) set by a Bluetooth status."""
    bits = []
    if status.body_movement_detected:
        bits.append(0)
    if status.cuff_too_loose:
        bits.append(1)
    if status.irregular_pulse_detected:
        bits.append(2)
    if status.pulse_rate_range is PulseRateRange.EXCEEDS_UPPER_LIMIT:
        bits.append(3)
    elif status.pulse_rate_range is PulseRateRange.BELOW_LOWER_LIMIT:
        bits.append(4)
    if status.improper_measurement_position:
        bits.append(5)
    return bits


def map_blood_pressure(m: BloodPressureMeasurement, ctx: ObservationContext) -> list[BundleEntry]:
    ucum = _UCUM[m.unit]
    bp_id = ctx.identifier(codes.MDC_PRESS_BLD_NONINV)
    bp = ctx.observation(
        BP_PROFILES,
        mdc_concept(codes.MDC_PRESS_BLD_NONINV, codes.LOINC_BP_PANEL),
        bp_id,
        vital_signs=True,
    )
    bp["component"] = [
        component(
            mdc_concept(codes.MDC_PRESS_BLD_NONINV_SYS, codes.LOINC_SYSTOLIC), m.systolic, ucum
        ),
        component(
            mdc_concept(codes.MDC_PRESS_BLD_NONINV_DIA, codes.LOINC_DIASTOLIC), m.diastolic, ucum
        ),
        component(mdc_concept(codes.MDC_PRESS_BLD_NONINV_MEAN), m.mean_arterial_pressure, ucum),
    ]
    bp_entry = ctx.entry(bp, codes.MDC_PRESS_BLD_NONINV, bp_id)
    entries = [bp_entry]
    if m.pulse_rate is not None:
        pulse_id = ctx.identifier(codes.MDC_PULS_RATE_NON_INV)
        pulse = ctx.observation(
            (codes.PROFILE_NUMERIC,),
            mdc_concept(codes.MDC_PULS_RATE_NON_INV, codes.LOINC_HEART_RATE),
            pulse_id,
            vital_signs=True,
        )
        set_value(pulse, m.pulse_rate, codes.UCUM_PER_MIN)
        entries.append(ctx.entry(pulse, codes.MDC_PULS_RATE_NON_INV, pulse_id))
    bits = status_bits(m.status) if m.status is not None else []
    code = codes.MDC_BLOOD_PRESSURE_MEASUREMENT_STATUS
    entries += set_bits_observation(ctx, code, bits, STATUS_BITS, bp_entry)
    return entries


MAPPERS: Final[tuple[AnyProfileMapper, ...]] = (
    ProfileMapper(
        BloodPressureMeasurement,
        codes.MDC_DEV_SPEC_PROFILE_BP,
        map_blood_pressure,
        lambda m: wall_clock_stamp(m.timestamp),
        lambda m: m.user_id,
    ),
    ProfileMapper(
        IntermediateCuffPressure,
        codes.MDC_DEV_SPEC_PROFILE_BP,
        maps_nothing,
        lambda _m: None,
        lambda m: m.user_id,
        skip_reason="intermediate cuff pressure is transient and is not uploaded",
    ),
)
