"""Glucose Service vectors, built by hand from the GATT Specification Supplement layouts."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest

from profiles import glucose
from profiles.date_time import DateTime
from profiles.errors import DecodeError
from profiles.ieee11073 import SpecialValue
from tests.profiles.assertions import assert_decode_error

BASE = "e807030f071e00"  # 2024-03-15 07:30:00
BASE_TIME = DateTime(2024, 3, 15, 7, 30, 0)
OFFSET = "c4ff"  # -60 minutes
CONCENTRATION = "5cb012"  # 92e-5 kg/L (92 mg/dL); capillary plasma, finger
STATUS = "2100"  # device battery low, result higher than device can process

# --- Glucose Measurement ----------------------------------------------------------------------


def test_all_fields() -> None:
    data = bytes.fromhex("1b0700" + BASE + OFFSET + CONCENTRATION + STATUS)
    m = glucose.decode_glucose_measurement(data)
    assert m == glucose.GlucoseMeasurement(
        sequence_number=7,
        base_time=BASE_TIME,
        time_offset_minutes=-60,
        concentration=glucose.GlucoseConcentration(
            Decimal("0.00092"),
            glucose.GlucoseConcentrationUnit.KILOGRAM_PER_LITRE,
            glucose.GlucoseType.CAPILLARY_PLASMA,
            glucose.SampleLocation.FINGER,
        ),
        sensor_status=glucose.SensorStatusAnnunciation.DEVICE_BATTERY_LOW
        | glucose.SensorStatusAnnunciation.RESULT_HIGHER_THAN_DEVICE_CAN_PROCESS,
        context_information_follows=True,
    )
    assert str(m.concentration.value) == "0.00092"  # type: ignore[union-attr]
    assert m.user_facing_time() == dt.datetime(2024, 3, 15, 6, 30, 0)
    assert glucose.encode_glucose_measurement(m) == data


@pytest.mark.parametrize(
    ("time_offset", "concentration", "status"),
    list(itertools.product([False, True], repeat=3)),
)
def test_every_layout(time_offset: bool, concentration: bool, status: bool) -> None:
    flags = time_offset * 0x01 | concentration * 0x02 | status * 0x08
    data = bytes.fromhex(
        f"{flags:02x}"
        "ffff"
        + BASE
        + (OFFSET if time_offset else "")
        + (CONCENTRATION if concentration else "")
        + (STATUS if status else "")
    )
    m = glucose.decode_glucose_measurement(data)
    assert m.sequence_number == 0xFFFF
    assert m.base_time == BASE_TIME
    assert (m.time_offset_minutes is not None) is time_offset
    assert (m.concentration is not None) is concentration
    assert (m.sensor_status is not None) is status
    assert m.context_information_follows is False
    assert glucose.encode_glucose_measurement(m) == data


def test_mol_per_litre_keeps_the_wire_unit() -> None:
    # flags 0x06: concentration, mol/L; 0.0051 mol/L = 5.1 mmol/L (mantissa 51, exponent -4).
    m = glucose.decode_glucose_measurement(bytes.fromhex("060100" + BASE + "33c011"))
    assert m.concentration == glucose.GlucoseConcentration(
        Decimal("0.0051"),
        glucose.GlucoseConcentrationUnit.MOLE_PER_LITRE,
        glucose.GlucoseType.CAPILLARY_WHOLE_BLOOD,
        glucose.SampleLocation.FINGER,
    )
    assert m.concentration.unit.value == "mol/L"


def test_special_concentration_and_reserved_nibbles() -> None:
    m = glucose.decode_glucose_measurement(bytes.fromhex("020100" + BASE + "ff075b"))
    assert m.concentration is not None
    assert m.concentration.value is SpecialValue.NAN
    assert m.concentration.type == 11
    assert type(m.concentration.type) is int
    assert m.concentration.sample_location == 5
    assert type(m.concentration.sample_location) is int
    m = glucose.decode_glucose_measurement(bytes.fromhex("020100" + BASE + "0208f0"))
    assert m.concentration is not None
    assert m.concentration.value is SpecialValue.NEGATIVE_INFINITY
    assert m.concentration.type == 0
    assert type(m.concentration.type) is int
    assert m.concentration.sample_location is glucose.SampleLocation.NOT_AVAILABLE


@pytest.mark.parametrize("nibble", range(1, 11))
def test_each_type(nibble: int) -> None:
    m = glucose.decode_glucose_measurement(bytes.fromhex("020100" + BASE + "5cb0" + f"4{nibble:x}"))
    assert m.concentration is not None
    assert m.concentration.type is glucose.GlucoseType(nibble)
    assert m.concentration.sample_location is glucose.SampleLocation.CONTROL_SOLUTION


def test_each_status_bit() -> None:
    for bit in range(12):
        data = bytes.fromhex("080100" + BASE) + (1 << bit).to_bytes(2, "little")
        status = glucose.decode_glucose_measurement(data).sensor_status
        assert status == glucose.SensorStatusAnnunciation(1 << bit)
    names = [m.name for m in glucose.SensorStatusAnnunciation]
    assert names[11] == "TIME_FAULT"
    assert names[9] == "SENSOR_READ_INTERRUPTED"


def test_reserved_bits_are_ignored() -> None:
    plain = glucose.decode_glucose_measurement(bytes.fromhex("080100" + BASE + "0100"))
    noisy = glucose.decode_glucose_measurement(bytes.fromhex("e80100" + BASE + "01f0"))
    assert plain == noisy
    # The unit bit means nothing without a concentration.
    assert glucose.decode_glucose_measurement(
        bytes.fromhex("040100" + BASE)
    ) == glucose.GlucoseMeasurement(1, BASE_TIME)


def test_user_facing_time() -> None:
    m = glucose.GlucoseMeasurement(1, BASE_TIME)
    assert m.user_facing_time() == dt.datetime(2024, 3, 15, 7, 30)
    later = glucose.GlucoseMeasurement(1, BASE_TIME, time_offset_minutes=1440 + 30)
    assert later.user_facing_time() == dt.datetime(2024, 3, 16, 8, 0)
    unknown = glucose.GlucoseMeasurement(1, DateTime(0, 3, 15, 7, 30, 0), time_offset_minutes=5)
    assert unknown.user_facing_time() is None


@pytest.mark.parametrize(
    ("hex_value", "offset"),
    [
        ("", 0),
        ("00", 1),
        ("0001", 1),  # sequence number cut short
        ("000100e807030f07", 3),  # base time cut short
        ("010100" + BASE, 10),  # time offset flagged but absent
        ("010100" + BASE + "c4", 10),  # time offset cut short
        ("020100" + BASE + "5c", 10),  # concentration cut short
        ("020100" + BASE + "5cb0", 12),  # type-sample location absent
        ("030100" + BASE + OFFSET + "5cb0", 14),  # ... after a time offset
        ("080100" + BASE + "21", 10),  # status cut short
        ("0b0100" + BASE + OFFSET + CONCENTRATION, 15),  # status absent after all the rest
        ("000100" + BASE + "00", 10),  # overlong
        ("100100" + BASE + "0000", 10),  # context-follows flag adds no field
        ("000100e8070d0f071e00", 3),  # month 13
        ("000100e807021e071e00", 3),  # 30 February
        ("000100e807030f181e00", 3),  # hour 24
    ],
)
def test_malformed_measurement(hex_value: str, offset: int) -> None:
    assert_decode_error(
        glucose.decode_glucose_measurement, hex_value, "glucose-measurement", offset
    )


# --- Glucose Measurement Context --------------------------------------------------------------

# flags 0xFF: every field, medication in litres, extended flags present.
CONTEXT_FULL = bytes.fromhex(
    "ff"  # flags
    "0201"  # sequence number 0x0102
    "00"  # extended flags
    "01"
    "32d0"  # breakfast, 0.050 kg
    "01"  # preprandial
    "51"  # tester self, health: no health issues
    "100e"
    "32"  # 3600 s, 50 %
    "01"
    "01c0"  # rapid acting insulin, 0.0001 L
    "41f0"  # HbA1c 6.5 %
)


def test_context_all_fields() -> None:
    m = glucose.decode_glucose_measurement_context(CONTEXT_FULL)
    assert m == glucose.GlucoseMeasurementContext(
        sequence_number=0x0102,
        extended_flags=0,
        carbohydrate=glucose.Carbohydrate(glucose.CarbohydrateId.BREAKFAST, Decimal("0.050")),
        meal=glucose.Meal.PREPRANDIAL,
        tester_health=glucose.TesterHealth(glucose.Tester.SELF, glucose.Health.NO_HEALTH_ISSUES),
        exercise=glucose.Exercise(3600, 50),
        medication=glucose.Medication(
            glucose.MedicationId.RAPID_ACTING_INSULIN,
            Decimal("0.0001"),
            glucose.MedicationUnit.LITRE,
        ),
        hba1c_percent=Decimal("6.5"),
    )
    assert repr(m.carbohydrate.amount_kg) == "Decimal('0.050')"  # type: ignore[union-attr]
    assert glucose.encode_glucose_measurement_context(m) == CONTEXT_FULL


CONTEXT_PARTS = [
    (0x80, "a5", "extended_flags", 0xA5),
    (
        0x01,
        "0732d0",
        "carbohydrate",
        glucose.Carbohydrate(glucose.CarbohydrateId.BRUNCH, Decimal("0.050")),
    ),
    (0x02, "05", "meal", glucose.Meal.BEDTIME),
    (
        0x04,
        "f3",
        "tester_health",
        glucose.TesterHealth(glucose.Tester.LAB_TEST, glucose.Health.NOT_AVAILABLE),
    ),
    (0x08, "ffff64", "exercise", glucose.Exercise(0xFFFF, 100)),
    (
        0x10,
        "05ff07",
        "medication",
        glucose.Medication(glucose.MedicationId.PRE_MIXED_INSULIN, SpecialValue.NAN),
    ),
    (0x40, "0008", "hba1c_percent", SpecialValue.NRES),
]


@pytest.mark.parametrize("mask", range(1 << len(CONTEXT_PARTS)))
def test_context_every_layout(mask: int) -> None:
    chosen = [part for i, part in enumerate(CONTEXT_PARTS) if mask >> i & 1]
    flags = sum(part[0] for part in chosen)
    data = bytes.fromhex(f"{flags:02x}3412" + "".join(part[1] for part in chosen))
    m = glucose.decode_glucose_measurement_context(data)
    fields: dict[str, Any] = {part[2]: part[3] for part in chosen}
    expected = glucose.GlucoseMeasurementContext(0x1234, **fields)
    assert m == expected
    assert glucose.encode_glucose_measurement_context(m) == data


def test_context_units_and_reserved_values() -> None:
    kg = glucose.decode_glucose_measurement_context(bytes.fromhex("1001000101c0"))
    assert kg.medication == glucose.Medication(
        glucose.MedicationId.RAPID_ACTING_INSULIN, Decimal("0.0001")
    )
    assert kg.medication.unit is glucose.MedicationUnit.KILOGRAM
    # Medication unit bit without a medication is ignored.
    assert glucose.decode_glucose_measurement_context(bytes.fromhex("200100")) == (
        glucose.GlucoseMeasurementContext(1)
    )
    m = glucose.decode_glucose_measurement_context(bytes.fromhex("0701000832d00060"))
    assert m.carbohydrate is not None
    assert m.tester_health is not None
    assert m.carbohydrate.id == 8
    assert type(m.carbohydrate.id) is int
    assert m.meal == 0
    assert type(m.meal) is int
    assert m.tester_health == glucose.TesterHealth(0, 6)
    assert type(m.tester_health.tester) is int
    assert type(m.tester_health.health) is int
    m = glucose.decode_glucose_measurement_context(bytes.fromhex("080100ffff00"))
    assert m.exercise is not None
    assert m.exercise.overrun
    assert not glucose.Exercise(0xFFFE, 0).overrun


@pytest.mark.parametrize(
    ("hex_value", "offset"),
    [
        ("", 0),
        ("0001", 1),
        ("800100", 3),  # extended flags absent
        ("010100", 3),  # carbohydrate id absent
        ("01010001", 4),  # carbohydrate cut short
        ("81010000", 4),  # carbohydrate id absent after extended flags
        ("020100", 3),  # meal absent
        ("040100", 3),  # tester-health absent
        ("080100100e", 5),  # exercise intensity absent
        ("10010001", 4),  # medication cut short
        ("400100ff", 3),  # HbA1c cut short
        ("5f01000132d00111100e320101c0", 14),  # HbA1c absent after the rest
        ("00010000", 3),  # overlong
    ],
)
def test_malformed_context(hex_value: str, offset: int) -> None:
    assert_decode_error(
        glucose.decode_glucose_measurement_context, hex_value, "glucose-measurement-context", offset
    )


# --- Glucose Feature --------------------------------------------------------------------------


def test_feature_bit_order() -> None:
    expected = [
        glucose.GlucoseFeature.LOW_BATTERY_DETECTION,
        glucose.GlucoseFeature.SENSOR_MALFUNCTION_DETECTION,
        glucose.GlucoseFeature.SENSOR_SAMPLE_SIZE,
        glucose.GlucoseFeature.SENSOR_STRIP_INSERTION_ERROR_DETECTION,
        glucose.GlucoseFeature.SENSOR_STRIP_TYPE_ERROR_DETECTION,
        glucose.GlucoseFeature.SENSOR_RESULT_HIGH_LOW_DETECTION,
        glucose.GlucoseFeature.SENSOR_TEMPERATURE_HIGH_LOW_DETECTION,
        glucose.GlucoseFeature.SENSOR_READ_INTERRUPT_DETECTION,
        glucose.GlucoseFeature.GENERAL_DEVICE_FAULT,
        glucose.GlucoseFeature.TIME_FAULT,
        glucose.GlucoseFeature.MULTIPLE_BOND,
    ]
    for bit, member in enumerate(expected):
        assert glucose.decode_glucose_feature((1 << bit).to_bytes(2, "little")) is member


def test_feature_reserved_bits_and_sizes() -> None:
    assert glucose.decode_glucose_feature(bytes.fromhex("03f8")) == (
        glucose.GlucoseFeature.LOW_BATTERY_DETECTION
        | glucose.GlucoseFeature.SENSOR_MALFUNCTION_DETECTION
    )
    assert glucose.encode_glucose_feature(glucose.GlucoseFeature(0x07FF)) == bytes.fromhex("ff07")
    for bad, offset in (("", 0), ("03", 0), ("030000", 2)):
        with pytest.raises(DecodeError) as caught:
            glucose.decode_glucose_feature(bytes.fromhex(bad))
        assert caught.value.offset == offset
