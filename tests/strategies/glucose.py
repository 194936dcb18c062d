from __future__ import annotations

import enum
from typing import TypeVar

from hypothesis import strategies as st

from profiles import glucose
from tests.strategies.common import date_times, optional, sfloats, uint

E = TypeVar("E", bound=enum.IntEnum)


def enum_or_int(enum_type: type[E], bits: int) -> st.SearchStrategy[E | int]:
    """Any raw value of a ``bits``-wide field, as the decoder gives it: a member when known,
    else the plain int. Known members are drawn more often."""
    known = {int(m) for m in enum_type}
    reserved = [v for v in range(1 << bits) if v not in known]
    return st.one_of(st.sampled_from(list(enum_type)), st.sampled_from(reserved))


concentrations = st.builds(
    glucose.GlucoseConcentration,
    sfloats,
    st.sampled_from(list(glucose.GlucoseConcentrationUnit)),
    enum_or_int(glucose.GlucoseType, 4),
    enum_or_int(glucose.SampleLocation, 4),
)

measurements = st.builds(
    glucose.GlucoseMeasurement,
    uint(16),
    date_times(),
    optional(st.integers(-0x8000, 0x7FFF)),
    optional(concentrations),
    optional(st.integers(0, 0x0FFF).map(glucose.SensorStatusAnnunciation)),
    st.booleans(),
)

contexts = st.builds(
    glucose.GlucoseMeasurementContext,
    uint(16),
    optional(uint(8)),
    optional(st.builds(glucose.Carbohydrate, enum_or_int(glucose.CarbohydrateId, 8), sfloats)),
    optional(enum_or_int(glucose.Meal, 8)),
    optional(
        st.builds(
            glucose.TesterHealth, enum_or_int(glucose.Tester, 4), enum_or_int(glucose.Health, 4)
        )
    ),
    optional(st.builds(glucose.Exercise, uint(16), uint(8))),
    optional(
        st.builds(
            glucose.Medication,
            enum_or_int(glucose.MedicationId, 8),
            sfloats,
            st.sampled_from(list(glucose.MedicationUnit)),
        )
    ),
    optional(sfloats),
)

STRATEGIES: dict[str, st.SearchStrategy[object]] = {
    "glucose-measurement": measurements,
    "glucose-measurement-context": contexts,
    "glucose-feature": st.integers(0, 0x07FF).map(glucose.GlucoseFeature),
}
