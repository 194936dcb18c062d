"""Glucose Service (0x1808): Glucose Measurement (0x2A18), Glucose Measurement Context (0x2A34)
and Glucose Feature (0x2A51), per the GATT Specification Supplement (GSS) and the Glucose
Profile / Service 1.0.1. The Record Access Control Point (0x2A52) lives in :mod:`profiles.racp`.

Glucose Measurement: flags (uint8), sequence number (uint16), base time (Date Time), then present
by flag: time offset (bit 0, sint16 minutes), glucose concentration (SFLOAT, kg/L, or mol/L by
bit 2) with type (low nibble) and sample location (high nibble) in one uint8 (bit 1), sensor
status annunciation (bit 3, uint16, bits 12-15 reserved). Bit 4 says a Glucose Measurement
Context with the same sequence number follows; bits 5-7 are reserved and ignored. The unit bit
only has a meaning with a concentration and is ignored without one.

Glucose Measurement Context: flags (uint8), sequence number (uint16), then present by flag:
extended flags (bit 7, uint8, all reserved: kept raw), carbohydrate id (uint8) and carbohydrate
(SFLOAT, kg) (bit 0), meal (bit 1, uint8), tester (low nibble) and health (high nibble) in one
uint8 (bit 2), exercise duration (uint16 seconds, 0xFFFF = overrun) and intensity (uint8
percent) (bit 3), medication id (uint8) and medication (SFLOAT, kg, or litres by bit 5) (bit 4),
HbA1c (bit 6, SFLOAT percent). The fields follow in that order (extended flags first).

Glucose Feature: uint16 bit set; bits 11-15 are reserved and ignored.

Units are kept as on the wire (kg/L, mol/L, kg, L); converting to mg/dL or mmol/L is the FHIR
mapping's job. Reserved enumeration values (type, sample location, carbohydrate id, meal,
tester, health, medication id) are kept as plain ints.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from typing import Final

from profiles import _bytes
from profiles._bytes import ByteString, Reader
from profiles._fields import feature_flags_bytes, member_or_int, read_feature_flags
from profiles.date_time import DateTime, date_time_bytes, read_date_time
from profiles.ieee11073 import MderNumber, sfloat_bytes
from profiles.registry_types import Characteristic, DeviceType, StoredRecords

SERVICE_UUID16: Final = 0x1808

# Glucose Measurement flags.
_TIME_OFFSET: Final = 0x01
_CONCENTRATION: Final = 0x02
_MOL_PER_L: Final = 0x04
_STATUS: Final = 0x08
_CONTEXT_FOLLOWS: Final = 0x10

# Glucose Measurement Context flags.
_CARBOHYDRATE: Final = 0x01
_MEAL: Final = 0x02
_TESTER_HEALTH: Final = 0x04
_EXERCISE: Final = 0x08
_MEDICATION: Final = 0x10
_MEDICATION_LITRES: Final = 0x20
_HBA1C: Final = 0x40
_EXTENDED_FLAGS: Final = 0x80

EXERCISE_DURATION_OVERRUN: Final = 0xFFFF
"""Exercise duration value meaning "overrun" (longer than 65534 s)."""


class GlucoseConcentrationUnit(enum.Enum):
    """The unit of the glucose concentration as sent (UCUM codes); flag bit 2."""

    KILOGRAM_PER_LITRE = "kg/L"
    MOLE_PER_LITRE = "mol/L"


class GlucoseType(enum.IntEnum):
    """Type: low nibble of the type-sample location byte (0 and 11-15 reserved)."""

    CAPILLARY_WHOLE_BLOOD = 1
    CAPILLARY_PLASMA = 2
    VENOUS_WHOLE_BLOOD = 3
    VENOUS_PLASMA = 4
    ARTERIAL_WHOLE_BLOOD = 5
    ARTERIAL_PLASMA = 6
    UNDETERMINED_WHOLE_BLOOD = 7
    UNDETERMINED_PLASMA = 8
    INTERSTITIAL_FLUID = 9
    CONTROL_SOLUTION = 10


class SampleLocation(enum.IntEnum):
    """Sample location: high nibble of the type-sample location byte (0 and 5-14 reserved)."""

    FINGER = 1
    ALTERNATE_SITE_TEST = 2
    EARLOBE = 3
    CONTROL_SOLUTION = 4
    NOT_AVAILABLE = 15


class SensorStatusAnnunciation(enum.IntFlag):
    """Sensor status annunciation (uint16); bits 12-15 are reserved and ignored."""

    DEVICE_BATTERY_LOW = 0x0001
    SENSOR_MALFUNCTION = 0x0002
    SAMPLE_SIZE_INSUFFICIENT = 0x0004
    STRIP_INSERTION_ERROR = 0x0008
    STRIP_TYPE_INCORRECT = 0x0010
    RESULT_HIGHER_THAN_DEVICE_CAN_PROCESS = 0x0020
    RESULT_LOWER_THAN_DEVICE_CAN_PROCESS = 0x0040
    SENSOR_TEMPERATURE_TOO_HIGH = 0x0080
    SENSOR_TEMPERATURE_TOO_LOW = 0x0100
    SENSOR_READ_INTERRUPTED = 0x0200
    GENERAL_DEVICE_FAULT = 0x0400
    TIME_FAULT = 0x0800


_STATUS_MASK: Final = 0x0FFF


def _nibble(value: int, what: str) -> int:
    return _bytes.check_range(int(value), 0, 15, what)


@dataclass(frozen=True, slots=True)
class GlucoseConcentration:
    """The concentration with its unit, the sample's type and where it was taken from."""

    value: MderNumber
    unit: GlucoseConcentrationUnit = GlucoseConcentrationUnit.KILOGRAM_PER_LITRE
    type: GlucoseType | int = GlucoseType.CAPILLARY_WHOLE_BLOOD
    sample_location: SampleLocation | int = SampleLocation.FINGER


@dataclass(frozen=True, slots=True)
class GlucoseMeasurement:
    """Glucose Measurement (0x2A18).

    ``base_time`` is the device's time stamp; ``time_offset_minutes`` the offset to add to get
    the user-facing time (see :meth:`user_facing_time`). ``context_information_follows`` says a
    Glucose Measurement Context with the same ``sequence_number`` is sent next.
    """

    sequence_number: int
    base_time: DateTime
    time_offset_minutes: int | None = None
    concentration: GlucoseConcentration | None = None
    sensor_status: SensorStatusAnnunciation | None = None
    context_information_follows: bool = False

    def user_facing_time(self) -> dt.datetime | None:
        """Base time plus time offset as a naive local datetime; None when the base time's
        year, month or day is unknown."""
        base = self.base_time.to_datetime()
        if base is None:
            return None
        if self.time_offset_minutes:
            try:
                return base + dt.timedelta(minutes=self.time_offset_minutes)
            except OverflowError:
                return None
        return base


def decode_glucose_measurement(data: ByteString) -> GlucoseMeasurement:
    r = Reader(data, GLUCOSE_MEASUREMENT.name)
    flags = r.u8("flags")
    sequence = r.u16("sequence number")
    base_time = read_date_time(r, "base time")
    offset = r.s16("time offset") if flags & _TIME_OFFSET else None
    concentration = None
    if flags & _CONCENTRATION:
        value = r.sfloat("glucose concentration")
        type_location = r.u8("type-sample location")
        type_raw = type_location & 0x0F
        location_raw = type_location >> 4
        concentration = GlucoseConcentration(
            value,
            GlucoseConcentrationUnit.MOLE_PER_LITRE
            if flags & _MOL_PER_L
            else GlucoseConcentrationUnit.KILOGRAM_PER_LITRE,
            member_or_int(GlucoseType, type_raw),
            member_or_int(SampleLocation, location_raw),
        )
    status = (
        SensorStatusAnnunciation(r.u16("sensor status annunciation") & _STATUS_MASK)
        if flags & _STATUS
        else None
    )
    r.end()
    return GlucoseMeasurement(
        sequence, base_time, offset, concentration, status, bool(flags & _CONTEXT_FOLLOWS)
    )


def encode_glucose_measurement(m: GlucoseMeasurement) -> bytes:
    c = m.concentration
    flags = (
        (_TIME_OFFSET if m.time_offset_minutes is not None else 0)
        | (_CONCENTRATION if c is not None else 0)
        | (_MOL_PER_L if c is not None and c.unit is GlucoseConcentrationUnit.MOLE_PER_LITRE else 0)
        | (_STATUS if m.sensor_status is not None else 0)
        | (_CONTEXT_FOLLOWS if m.context_information_follows else 0)
    )
    out = bytearray((flags,))
    out += _bytes.u16(m.sequence_number, "sequence number")
    out += date_time_bytes(m.base_time)
    if m.time_offset_minutes is not None:
        out += _bytes.s16(m.time_offset_minutes, "time offset")
    if c is not None:
        out += sfloat_bytes(c.value)
        type_raw = _nibble(c.type, "type")
        location_raw = _nibble(c.sample_location, "sample location")
        out.append(location_raw << 4 | type_raw)
    if m.sensor_status is not None:
        out += _bytes.u16(m.sensor_status & _STATUS_MASK, "sensor status annunciation")
    return bytes(out)


# --- Glucose Measurement Context -------------------------------------------------------------


class CarbohydrateId(enum.IntEnum):
    """Carbohydrate ID (0 and 8-255 reserved)."""

    BREAKFAST = 1
    LUNCH = 2
    DINNER = 3
    SNACK = 4
    DRINK = 5
    SUPPER = 6
    BRUNCH = 7


class Meal(enum.IntEnum):
    """Meal (0 and 6-255 reserved)."""

    PREPRANDIAL = 1
    POSTPRANDIAL = 2
    FASTING = 3
    CASUAL = 4
    BEDTIME = 5


class Tester(enum.IntEnum):
    """Tester: low nibble of the tester-health byte (0 and 4-14 reserved)."""

    SELF = 1
    HEALTH_CARE_PROFESSIONAL = 2
    LAB_TEST = 3
    NOT_AVAILABLE = 15


class Health(enum.IntEnum):
    """Health: high nibble of the tester-health byte (0 and 6-14 reserved)."""

    MINOR_HEALTH_ISSUES = 1
    MAJOR_HEALTH_ISSUES = 2
    DURING_MENSES = 3
    UNDER_STRESS = 4
    NO_HEALTH_ISSUES = 5
    NOT_AVAILABLE = 15


class MedicationId(enum.IntEnum):
    """Medication ID (0 and 6-255 reserved)."""

    RAPID_ACTING_INSULIN = 1
    SHORT_ACTING_INSULIN = 2
    INTERMEDIATE_ACTING_INSULIN = 3
    LONG_ACTING_INSULIN = 4
    PRE_MIXED_INSULIN = 5


class MedicationUnit(enum.Enum):
    """The unit of the medication amount as sent (UCUM codes); context flag bit 5."""

    KILOGRAM = "kg"
    LITRE = "L"


@dataclass(frozen=True, slots=True)
class Carbohydrate:
    """Carbohydrate intake: which meal it was and how much, in kilograms."""

    id: CarbohydrateId | int
    amount_kg: MderNumber


@dataclass(frozen=True, slots=True)
class TesterHealth:
    tester: Tester | int = Tester.NOT_AVAILABLE
    health: Health | int = Health.NOT_AVAILABLE


@dataclass(frozen=True, slots=True)
class Exercise:
    """Exercise before the measurement: duration in seconds (0xFFFF = overrun), intensity in
    percent."""

    duration_seconds: int
    intensity_percent: int

    @property
    def overrun(self) -> bool:
        return self.duration_seconds == EXERCISE_DURATION_OVERRUN


@dataclass(frozen=True, slots=True)
class Medication:
    """Medication taken: which one, and how much in ``unit`` (kilograms or litres)."""

    id: MedicationId | int
    amount: MderNumber
    unit: MedicationUnit = MedicationUnit.KILOGRAM


@dataclass(frozen=True, slots=True)
class GlucoseMeasurementContext:
    """Glucose Measurement Context (0x2A34), linked to a Glucose Measurement by
    ``sequence_number``. ``extended_flags`` are all reserved and kept as sent."""

    sequence_number: int
    extended_flags: int | None = None
    carbohydrate: Carbohydrate | None = None
    meal: Meal | int | None = None
    tester_health: TesterHealth | None = None
    exercise: Exercise | None = None
    medication: Medication | None = None
    hba1c_percent: MderNumber | None = None


def decode_glucose_measurement_context(data: ByteString) -> GlucoseMeasurementContext:
    r = Reader(data, GLUCOSE_MEASUREMENT_CONTEXT.name)
    flags = r.u8("flags")
    sequence = r.u16("sequence number")
    extended = r.u8("extended flags") if flags & _EXTENDED_FLAGS else None
    carbohydrate = None
    if flags & _CARBOHYDRATE:
        raw = r.u8("carbohydrate id")
        carbohydrate = Carbohydrate(member_or_int(CarbohydrateId, raw), r.sfloat("carbohydrate"))
    meal: Meal | int | None = None
    if flags & _MEAL:
        meal = member_or_int(Meal, r.u8("meal"))
    tester_health = None
    if flags & _TESTER_HEALTH:
        raw = r.u8("tester-health")
        tester_raw = raw & 0x0F
        health_raw = raw >> 4
        tester_health = TesterHealth(
            member_or_int(Tester, tester_raw), member_or_int(Health, health_raw)
        )
    exercise = (
        Exercise(r.u16("exercise duration"), r.u8("exercise intensity"))
        if flags & _EXERCISE
        else None
    )
    medication = None
    if flags & _MEDICATION:
        raw = r.u8("medication id")
        medication = Medication(
            member_or_int(MedicationId, raw),
            r.sfloat("medication"),
            MedicationUnit.LITRE if flags & _MEDICATION_LITRES else MedicationUnit.KILOGRAM,
        )
    hba1c = r.sfloat("HbA1c") if flags & _HBA1C else None
    r.end()
    return GlucoseMeasurementContext(
        sequence, extended, carbohydrate, meal, tester_health, exercise, medication, hba1c
    )


def encode_glucose_measurement_context(m: GlucoseMeasurementContext) -> bytes:
    med = m.medication
    flags = (
        (_CARBOHYDRATE if m.carbohydrate is not None else 0)
        | (_MEAL if m.meal is not None else 0)
        | (_TESTER_HEALTH if m.tester_health is not None else 0)
        | (_EXERCISE if m.exercise is not None else 0)
        | (_MEDICATION if med is not None else 0)
        | (_MEDICATION_LITRES if med is not None and med.unit is MedicationUnit.LITRE else 0)
        | (_HBA1C if m.hba1c_percent is not None else 0)
        | (_EXTENDED_FLAGS if m.extended_flags is not None else 0)
    )
    out = bytearray((flags,))
    out += _bytes.u16(m.sequence_number, "sequence number")
    if m.extended_flags is not None:
        out += _bytes.u8(m.extended_flags, "extended flags")
    if m.carbohydrate is not None:
        out += _bytes.u8(int(m.carbohydrate.id), "carbohydrate id")
        out += sfloat_bytes(m.carbohydrate.amount_kg)
    if m.meal is not None:
        out += _bytes.u8(int(m.meal), "meal")
    if m.tester_health is not None:
        tester = _nibble(m.tester_health.tester, "tester")
        health = _nibble(m.tester_health.health, "health")
        out.append(health << 4 | tester)
    if m.exercise is not None:
        out += _bytes.u16(m.exercise.duration_seconds, "exercise duration")
        out += _bytes.u8(m.exercise.intensity_percent, "exercise intensity")
    if med is not None:
        out += _bytes.u8(int(med.id), "medication id")
        out += sfloat_bytes(med.amount)
    if m.hba1c_percent is not None:
        out += sfloat_bytes(m.hba1c_percent)
    return bytes(out)


# --- Glucose Feature --------------------------------------------------------------------------


class GlucoseFeature(enum.IntFlag):
    """Glucose Feature (0x2A51), uint16; bits 11-15 are reserved and ignored."""

    LOW_BATTERY_DETECTION = 0x0001
    SENSOR_MALFUNCTION_DETECTION = 0x0002
    SENSOR_SAMPLE_SIZE = 0x0004
    SENSOR_STRIP_INSERTION_ERROR_DETECTION = 0x0008
    SENSOR_STRIP_TYPE_ERROR_DETECTION = 0x0010
    SENSOR_RESULT_HIGH_LOW_DETECTION = 0x0020
    SENSOR_TEMPERATURE_HIGH_LOW_DETECTION = 0x0040
    SENSOR_READ_INTERRUPT_DETECTION = 0x0080
    GENERAL_DEVICE_FAULT = 0x0100
    TIME_FAULT = 0x0200
    MULTIPLE_BOND = 0x0400


_FEATURE_MASK: Final = 0x07FF


def decode_glucose_feature(data: ByteString) -> GlucoseFeature:
    return read_feature_flags(data, GLUCOSE_FEATURE.name, GlucoseFeature, _FEATURE_MASK)


def encode_glucose_feature(value: GlucoseFeature) -> bytes:
    return feature_flags_bytes(value, _FEATURE_MASK)


GLUCOSE_MEASUREMENT = Characteristic(
    0x2A18,
    "glucose-measurement",
    GlucoseMeasurement,
    decode_glucose_measurement,
    encode_glucose_measurement,
    label="Glucose",
)
GLUCOSE_MEASUREMENT_CONTEXT = Characteristic(
    0x2A34,
    "glucose-measurement-context",
    GlucoseMeasurementContext,
    decode_glucose_measurement_context,
    encode_glucose_measurement_context,
    label="Glucose context",
)
GLUCOSE_FEATURE = Characteristic(
    0x2A51, "glucose-feature", GlucoseFeature, decode_glucose_feature, encode_glucose_feature
)
CHARACTERISTICS: Final = (GLUCOSE_MEASUREMENT, GLUCOSE_MEASUREMENT_CONTEXT, GLUCOSE_FEATURE)


def record_sequence(value: object) -> int | None:
    """The RACP key of a glucose record: its sequence number."""
    if isinstance(value, GlucoseMeasurement | GlucoseMeasurementContext):
        return value.sequence_number
    return None


def raw_record_sequence(raw: bytes) -> int | None:
    """The sequence number of a Glucose Measurement or Context that did not decode: both start
    with a flags byte and the uint16 sequence number."""
    return int.from_bytes(raw[1:3], "little") if len(raw) >= 3 else None


def context_follows(value: object) -> bool:
    return isinstance(value, GlucoseMeasurement) and value.context_information_follows


def records_counted(value: object) -> int:
    """How many of the records a meter counts a value carries: a context belongs to its
    measurement's record."""
    return 0 if isinstance(value, GlucoseMeasurementContext) else 1


DEVICE_TYPE: Final = DeviceType(
    SERVICE_UUID16,
    "glucose",
    "glucose meter",
    subscribe=(GLUCOSE_MEASUREMENT, GLUCOSE_MEASUREMENT_CONTEXT),
    read=(GLUCOSE_FEATURE,),
    stored=StoredRecords(
        (GLUCOSE_MEASUREMENT, GLUCOSE_MEASUREMENT_CONTEXT),
        record_sequence,
        awaits_more=context_follows,
        raw_key=raw_record_sequence,
        record_count=records_counted,
    ),
)
