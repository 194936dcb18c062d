from __future__ import annotations

import enum
from typing import TypeVar

from hypothesis import strategies as st

from profiles.glucose import (
    Carbohydrate,
    CarbohydrateId,
    Exercise,
    GlucoseConcentration,
    GlucoseConcentrationUnit,
    GlucoseFeature,
    GlucoseMeasurement,
    GlucoseMeasurementContext,
    GlucoseType,
    Health,
    Meal,
    Medication,
    MedicationId,
    MedicationUnit,
    SampleLocation,
    SensorStatusAnnunciation,
    Tester,
    TesterHealth,
)
from tests.strategies.common import date_times, optional, sfloats, uint

E = TypeVar("E", bound=enum.IntEnum)


def enum_or_int(enum_type: type[E], bits: int) -> st.SearchStrategy[E | int]:
    """Any raw value of a ``bits``-wide field, as the decoder gives it: a member when known,
    else the plain int. Known members are drawn more often."""
    known = {int(m) for m in enum_type}
    reserved = [v for v in range(1 << bits) if v not in known]
    return st.one_of(st.sampled_from(list(enum_type)), st.sampled_from(reserved))


concentrations = st.builds(
    GlucoseConcentration,
    sfloats,
    st.sampled_from(list(GlucoseConcentrationUnit)),
    enum_or_int(GlucoseType, 4),
    enum_or_int(SampleLocation, 4),
)

measurements = st.builds(
    GlucoseMeasurement,
    uint(16),
    date_times(),
    optional(st.integers(-0x8000, 0x7FFF)),
    optional(concentrations),
    optional(st.integers(0, 0x0FFF).map(SensorStatusAnnunciation)),
    st.booleans(),
)

contexts = st.builds(
    GlucoseMeasurementContext,
    uint(16),
    optional(uint(8)),
    optional(st.builds(Carbohydrate, enum_or_int(CarbohydrateId, 8), sfloats)),
    optional(enum_or_int(Meal, 8)),
    optional(st.builds(TesterHealth, enum_or_int(Tester, 4), enum_or_int(Health, 4))),
    optional(st.builds(Exercise, uint(16), uint(8))),
    optional(
        st.builds(
            Medication,
            enum_or_int(MedicationId, 8),
            sfloats,
            st.sampled_from(list(MedicationUnit)),
        )
    ),
    optional(sfloats),
)

STRATEGIES: dict[str, st.SearchStrategy[object]] = {
    "glucose-measurement": measurements,
    "glucose-measurement-context": contexts,
    "glucose-feature": st.integers(0, 0x07FF).map(GlucoseFeature),
}
