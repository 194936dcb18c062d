"""Glucose Measurement (0x2A18) and Glucose Measurement Context (0x2A34) → PHD IG Observations.

- The concentration → PhdNumericObservation with the type's MDC code (capillary whole blood
  160184 … undetermined plasma 160368, ISF 160212; no LOINC, not a vital sign). kg/L becomes
  ``mg/dL`` (× 100 000) and mol/L ``mmol/L`` (× 1000) by shifting the Decimal exponent, so the
  device's precision is kept exactly. Special values give a dataAbsentReason.
- Time: base time + time offset (the user-facing time), a stored record: it gets the
  conditional-create identifier. A base time with an unknown date maps to reception time.
- Sample location → a component 8417844 MDC_CTXT_GLU_SAMPLELOCATION (finger 8417848, AST
  8417852, earlobe 8417856) on the glucose Observation: it qualifies that one value, as the
  11073-10417 sample-location attribute does, and needs no resource of its own. Not available
  (15) and reserved locations are left out.
- Sensor status annunciation → PhdBitsEnumerationObservation 8417752 MDC_GLU_METER_DEV_STATUS,
  ``derivedFrom`` the glucose Observation, set bits only (events). The IG's ASN.1 bit numbers
  name the bits (bit 0 is the MSB of the MDER value); the Bluetooth field lists the same
  conditions in the same order from its LSB, so Bluetooth bit n → ``8417752.n`` for n = 0..10
  (checked name by name against the IG's ASN1ToHL7 CodeSystem: .0 device-battery-low …
  .10 device-gen-fault). Bluetooth bit 11 "time fault" has no ASN.1 bit (.11 is
  sensor-temp-out-of-range): it becomes a ``note`` on the glucose Observation that the device
  reported a time fault, so the time is not silently trusted, and the Observations reference a
  time-fault coincident time stamp (dataAbsentReason instead of the device time).
- Control solution readings (type 10 or sample location 4) are meter quality checks, not the
  patient's glucose: they are **skipped** (with a reason), as PHD managers do with control
  results; nothing is attributed to the patient.

Context: each item is its own Observation with the glucose Observation's time and
``derivedFrom`` it: meal 8417864 and tester 8417884 and health 8417820 (Coded), carbohydrate
(Numeric ``g``, code by carbohydrate id 8417768 …, 8417764 for a reserved id), exercise (Numeric
8417760 intensity ``%`` with a component 68185 MDC_ATTR_TIME_PD_MSMT_ACTIVE duration in ``s``;
overrun → ``> 65534 s``), medication (Numeric by id 8417800 …, 8417796 for a reserved id; kg →
``mg``, L → ``mL``), HbA1c (Numeric 160220 ``%``). Not-available and reserved enumeration values
are left out.

Joining (:func:`join_measurement`, :func:`join_context`): the ConnectionMapper's join memory
keeps the last :data:`REMEMBERED` glucose measurements of the connection by sequence number.
A context whose measurement is remembered is mapped as a :class:`GlucoseReading` (measurement +
context): the glucose Observations are sent again with it, so that ``derivedFrom`` resolves in
whatever bundle the context lands (their conditional create makes the repeat harmless). A
context whose measurement is not remembered (it has not arrived yet, or arrived more than
:data:`REMEMBERED` measurements or a connection ago) is ``HeldBack(waiting=True)``: the mapper
keeps nothing of it. Whoever holds it maps it again once the measurement is in the join memory
again: the daemon's pipeline keeps such contexts durably and joins them by sequence number
against the stored measurements, however far apart the two arrive
(:mod:`gateway.daemon.glucose_join`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from gateway.fhir import codes
from gateway.fhir.elements import (
    JsonDict,
    data_absent_reason,
    mdc_concept,
    quantity,
    reference,
)
from gateway.fhir.entries import BundleEntry
from gateway.fhir.mapper_types import AnyProfileMapper, JoinMemory, ProfileMapper, Wait
from gateway.fhir.mappers.steps import mapped_by_join, set_bits_observation
from gateway.fhir.observation import ObservationContext
from gateway.fhir.timeline import WallClockStamp
from gateway.fhir.values import set_value
from gateway.lazylog import get_logger
from profiles.glucose import (
    EXERCISE_DURATION_OVERRUN,
    CarbohydrateId,
    GlucoseConcentration,
    GlucoseConcentrationUnit,
    GlucoseMeasurement,
    GlucoseMeasurementContext,
    GlucoseType,
    Health,
    Meal,
    MedicationId,
    MedicationUnit,
    SampleLocation,
    SensorStatusAnnunciation,
    Tester,
)
from profiles.ieee11073 import MderNumber, SpecialValue

log = get_logger(__name__)

REMEMBERED: Final = 64
"""How many recent glucose measurements a connection remembers (a cache: contexts that miss it
are joined against the stored measurements by the pipeline)."""

TYPE_CODES: Final[dict[int, str]] = {
    GlucoseType.CAPILLARY_WHOLE_BLOOD: codes.MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD,
    GlucoseType.CAPILLARY_PLASMA: codes.MDC_CONC_GLU_CAPILLARY_PLASMA,
    GlucoseType.VENOUS_WHOLE_BLOOD: codes.MDC_CONC_GLU_VENOUS_WHOLEBLOOD,
    GlucoseType.VENOUS_PLASMA: codes.MDC_CONC_GLU_VENOUS_PLASMA,
    GlucoseType.ARTERIAL_WHOLE_BLOOD: codes.MDC_CONC_GLU_ARTERIAL_WHOLEBLOOD,
    GlucoseType.ARTERIAL_PLASMA: codes.MDC_CONC_GLU_ARTERIAL_PLASMA,
    GlucoseType.UNDETERMINED_WHOLE_BLOOD: codes.MDC_CONC_GLU_UNDETERMINED_WHOLEBLOOD,
    GlucoseType.UNDETERMINED_PLASMA: codes.MDC_CONC_GLU_UNDETERMINED_PLASMA,
    GlucoseType.INTERSTITIAL_FLUID: codes.MDC_CONC_GLU_ISF,
    GlucoseType.CONTROL_SOLUTION: codes.MDC_CONC_GLU_CONTROL,
}
"""Reserved types (0, 11-15) map to undetermined whole blood, the IG's 'unknown sample'."""

SAMPLE_LOCATIONS: Final[dict[int, tuple[str, str]]] = {
    SampleLocation.FINGER: ("8417848", "MDC_CTXT_GLU_SAMPLELOCATION_FINGER"),
    SampleLocation.ALTERNATE_SITE_TEST: ("8417852", "MDC_CTXT_GLU_SAMPLELOCATION_AST"),
    SampleLocation.EARLOBE: ("8417856", "MDC_CTXT_GLU_SAMPLELOCATION_EARLOBE"),
    SampleLocation.CONTROL_SOLUTION: ("8417860", "MDC_CTXT_GLU_SAMPLELOCATION_CTRLSOLUTION"),
}
STATUS_BITS: Final = {
    0: "device-battery-low",
    1: "sensor-malfunction",
    2: "sensor-sample-size-insufficient",
    3: "sensor-strip-insertion",
    4: "sensor-strip-type-incorrect",
    5: "sensor-result-too-high",
    6: "sensor-result-too-low",
    7: "sensor-temp-too-high",
    8: "sensor-temp-too-low",
    9: "sensor-read-interrupt",
    10: "device-gen-fault",
}
MEALS: Final[dict[int, tuple[str, str]]] = {
    Meal.PREPRANDIAL: ("8417868", "MDC_CTXT_GLU_MEAL_PREPRANDIAL"),
    Meal.POSTPRANDIAL: ("8417872", "MDC_CTXT_GLU_MEAL_POSTPRANDIAL"),
    Meal.FASTING: ("8417876", "MDC_CTXT_GLU_MEAL_FASTING"),
    Meal.CASUAL: ("8417880", "MDC_CTXT_GLU_MEAL_CASUAL"),
    Meal.BEDTIME: ("8417869", "MDC_CTXT_GLU_MEAL_BEDTIME"),
}
TESTERS: Final[dict[int, tuple[str, str]]] = {
    Tester.SELF: ("8417888", "MDC_CTXT_GLU_TESTER_SELF"),
    Tester.HEALTH_CARE_PROFESSIONAL: ("8417892", "MDC_CTXT_GLU_TESTER_HCP"),
    Tester.LAB_TEST: ("8417896", "MDC_CTXT_GLU_TESTER_LAB"),
}
HEALTHS: Final[dict[int, tuple[str, str]]] = {
    Health.MINOR_HEALTH_ISSUES: ("8417824", "MDC_CTXT_GLU_HEALTH_MINOR"),
    Health.MAJOR_HEALTH_ISSUES: ("8417828", "MDC_CTXT_GLU_HEALTH_MAJOR"),
    Health.DURING_MENSES: ("8417832", "MDC_CTXT_GLU_HEALTH_MENSES"),
    Health.UNDER_STRESS: ("8417836", "MDC_CTXT_GLU_HEALTH_STRESS"),
    Health.NO_HEALTH_ISSUES: ("8417840", "MDC_CTXT_GLU_HEALTH_NONE"),
}
CARBOHYDRATES: Final[dict[int, str]] = {
    CarbohydrateId.BREAKFAST: "8417768",
    CarbohydrateId.LUNCH: "8417772",
    CarbohydrateId.DINNER: "8417776",
    CarbohydrateId.SNACK: "8417780",
    CarbohydrateId.DRINK: "8417784",
    CarbohydrateId.SUPPER: "8417788",
    CarbohydrateId.BRUNCH: "8417792",
}
MEDICATIONS: Final[dict[int, str]] = {
    MedicationId.RAPID_ACTING_INSULIN: "8417800",
    MedicationId.SHORT_ACTING_INSULIN: "8417804",
    MedicationId.INTERMEDIATE_ACTING_INSULIN: "8417808",
    MedicationId.LONG_ACTING_INSULIN: "8417812",
    MedicationId.PRE_MIXED_INSULIN: "8417816",
}
_CONCENTRATION_UNITS: Final = {
    GlucoseConcentrationUnit.KILOGRAM_PER_LITRE: (5, codes.UCUM_MG_PER_DL),
    GlucoseConcentrationUnit.MOLE_PER_LITRE: (3, codes.UCUM_MMOL_PER_L),
}
_MEDICATION_UNITS: Final = {
    MedicationUnit.KILOGRAM: (6, codes.UCUM_MILLIGRAM),
    MedicationUnit.LITRE: (3, codes.UCUM_MILLILITRE),
}
CONTROL_SOLUTION_REASON: Final = "control-solution test: a meter quality check, not patient data"


@dataclass(frozen=True, slots=True)
class GlucoseReading:
    """A glucose measurement with its context when it has one: what is actually mapped."""

    measurement: GlucoseMeasurement
    context: GlucoseMeasurementContext | None = None


def scaled(value: MderNumber, exponent: int) -> MderNumber:
    """``value`` × 10^exponent, exact: only the Decimal exponent moves (special values stay)."""
    if isinstance(value, SpecialValue):
        return value
    return value.scaleb(exponent)


def concentration_value(c: GlucoseConcentration) -> tuple[MderNumber, str]:
    """The concentration in mg/dL or mmol/L with the device's precision."""
    exponent, ucum = _CONCENTRATION_UNITS[c.unit]
    return scaled(c.value, exponent), ucum


def type_code(c: GlucoseConcentration) -> str:
    return TYPE_CODES.get(c.type, codes.MDC_CONC_GLU_UNDETERMINED_WHOLEBLOOD)


def is_control_solution(m: GlucoseMeasurement) -> bool:
    c = m.concentration
    return c is not None and (
        c.type == GlucoseType.CONTROL_SOLUTION
        or c.sample_location == SampleLocation.CONTROL_SOLUTION
    )


def status_bits(status: SensorStatusAnnunciation) -> list[int]:
    """The ASN.1 bits of MDC_GLU_METER_DEV_STATUS set by a Bluetooth status (bit n → .n)."""
    return [bit for bit in STATUS_BITS if status & (1 << bit)]


def glucose_stamp(m: GlucoseMeasurement) -> WallClockStamp | None:
    """Base time + time offset as a local stamp, or None when its date is unknown."""
    when = m.user_facing_time()
    return None if when is None else WallClockStamp(when)


TIME_FAULT: Final = "the glucose meter reported a time fault"


def time_fault(r: GlucoseReading) -> str | None:
    status = r.measurement.sensor_status
    if status is not None and status & SensorStatusAnnunciation.TIME_FAULT:
        return TIME_FAULT
    return None


def _coded(code: str, value: tuple[str, str]) -> tuple[JsonDict, JsonDict]:
    return mdc_concept(code), {
        "coding": [{"system": codes.MDC, "code": value[0], "display": value[1]}]
    }


def _glucose_entries(m: GlucoseMeasurement, ctx: ObservationContext) -> list[BundleEntry]:
    c = m.concentration
    code = type_code(c) if c is not None else codes.MDC_CONC_GLU_UNDETERMINED_WHOLEBLOOD
    ident = ctx.identifier(code)
    obs = ctx.observation((codes.PROFILE_NUMERIC,), mdc_concept(code), ident)
    if c is None:
        obs["dataAbsentReason"] = data_absent_reason("unknown")
        obs["dataAbsentReason"]["text"] = "no concentration sent"
    else:
        value, ucum = concentration_value(c)
        set_value(obs, value, ucum)
        location = SAMPLE_LOCATIONS.get(c.sample_location)
        if location is not None:
            concept, coded = _coded(codes.MDC_CTXT_GLU_SAMPLELOCATION, location)
            obs["component"] = [{"code": concept, "valueCodeableConcept": coded}]
    status = m.sensor_status
    if status is not None and status & SensorStatusAnnunciation.TIME_FAULT:
        obs["note"] = [{"text": "the glucose meter reported a time fault: its time may be wrong"}]
    entry = ctx.entry(obs, code, ident)
    entries = [entry]
    bits = status_bits(status) if status is not None else []
    entries += set_bits_observation(ctx, codes.MDC_GLU_METER_DEV_STATUS, bits, STATUS_BITS, entry)
    return entries


def _context_observation(
    ctx: ObservationContext, profile: str, code: str, glucose_url: str
) -> tuple[JsonDict, str | None]:
    ident = ctx.identifier(code)
    obs = ctx.observation((profile,), mdc_concept(code), ident)
    obs["derivedFrom"] = [reference(glucose_url)]
    return obs, ident


def _context_entries(
    c: GlucoseMeasurementContext, ctx: ObservationContext, glucose_url: str
) -> list[BundleEntry]:
    out: list[BundleEntry] = []

    def coded(code: str, value: tuple[str, str] | None) -> None:
        if value is None:
            return
        obs, ident = _context_observation(ctx, codes.PROFILE_CODED, code, glucose_url)
        obs["valueCodeableConcept"] = _coded(code, value)[1]
        out.append(ctx.entry(obs, code, ident))

    def numeric(code: str, value: MderNumber | int, ucum: str) -> JsonDict:
        obs, ident = _context_observation(ctx, codes.PROFILE_NUMERIC, code, glucose_url)
        set_value(obs, value, ucum)
        out.append(ctx.entry(obs, code, ident))
        return obs

    if c.meal is not None:
        coded(codes.MDC_CTXT_GLU_MEAL, MEALS.get(c.meal))
    if c.tester_health is not None:
        coded(codes.MDC_CTXT_GLU_TESTER, TESTERS.get(c.tester_health.tester))
        coded(codes.MDC_CTXT_GLU_HEALTH, HEALTHS.get(c.tester_health.health))
    if c.carbohydrate is not None:
        code = CARBOHYDRATES.get(c.carbohydrate.id, codes.MDC_CTXT_GLU_CARB)
        numeric(code, scaled(c.carbohydrate.amount_kg, 3), codes.UCUM_GRAM)
    if c.exercise is not None:
        obs = numeric(codes.MDC_CTXT_GLU_EXERCISE, c.exercise.intensity_percent, codes.UCUM_PERCENT)
        duration = quantity(c.exercise.duration_seconds, codes.UCUM_SECOND)
        if c.exercise.duration_seconds == EXERCISE_DURATION_OVERRUN:
            duration = quantity(EXERCISE_DURATION_OVERRUN - 1, codes.UCUM_SECOND)
            duration["comparator"] = ">"
        obs["component"] = [
            {"code": mdc_concept(codes.MDC_ATTR_TIME_PD_MSMT_ACTIVE), "valueQuantity": duration}
        ]
    if c.medication is not None:
        code = MEDICATIONS.get(c.medication.id, codes.MDC_CTXT_MEDICATION)
        exponent, ucum = _MEDICATION_UNITS[c.medication.unit]
        numeric(code, scaled(c.medication.amount, exponent), ucum)
    if c.hba1c_percent is not None:
        numeric(codes.MDC_CONC_HBA1C, c.hba1c_percent, codes.UCUM_PERCENT)
    return out


def map_glucose_reading(r: GlucoseReading, ctx: ObservationContext) -> list[BundleEntry]:
    entries = _glucose_entries(r.measurement, ctx)
    if r.context is not None:
        entries.extend(_context_entries(r.context, ctx, entries[0].full_url))
    return entries


# --- the join ------------------------------------------------------------------------------
_MEASUREMENTS: Final = "glucose-measurements"


def _recent(memory: JoinMemory, key: str) -> OrderedDict[int, object]:
    found = memory.get(key)
    if not isinstance(found, OrderedDict):
        found = OrderedDict()
        memory[key] = found
    return found


def _remember(table: OrderedDict[int, object], sequence: int, value: object) -> None:
    table[sequence] = value
    table.move_to_end(sequence)
    while len(table) > REMEMBERED:
        dropped, _ = table.popitem(last=False)
        log.debug("glucose_join_forgot", sequence=dropped)


def join_measurement(m: GlucoseMeasurement, memory: JoinMemory) -> Sequence[object]:
    """Remember the measurement by sequence number (for its context, if one follows)."""
    if is_control_solution(m):
        log.info("glucose_control_solution_skipped", sequence=m.sequence_number)
        return []
    _remember(_recent(memory, _MEASUREMENTS), m.sequence_number, m)
    return [GlucoseReading(m)]


def join_context(c: GlucoseMeasurementContext, memory: JoinMemory) -> Sequence[object] | Wait:
    """Pair the context with its remembered measurement, or say that it waits for it."""
    found = _recent(memory, _MEASUREMENTS).get(c.sequence_number)
    if isinstance(found, GlucoseMeasurement):
        return [GlucoseReading(found, c)]
    return Wait(f"glucose context {c.sequence_number} waits for its measurement")


MAPPERS: Final[tuple[AnyProfileMapper, ...]] = (
    ProfileMapper(
        GlucoseMeasurement,
        codes.MDC_DEV_SPEC_PROFILE_GLUCOSE,
        mapped_by_join,
        glucose_stamp,
        lambda _m: None,
        skip_reason=CONTROL_SOLUTION_REASON,
        join=join_measurement,
    ),
    ProfileMapper(
        GlucoseMeasurementContext,
        codes.MDC_DEV_SPEC_PROFILE_GLUCOSE,
        mapped_by_join,
        lambda _m: None,
        lambda _m: None,
        join=join_context,
    ),
    ProfileMapper(
        GlucoseReading,
        codes.MDC_DEV_SPEC_PROFILE_GLUCOSE,
        map_glucose_reading,
        lambda r: glucose_stamp(r.measurement),
        lambda _r: None,
        time_fault=time_fault,
    ),
)
