from __future__ import annotations

from hypothesis import strategies as st

from profiles.blood_pressure import (
    BloodPressureFeature,
    BloodPressureMeasurement,
    BloodPressureMeasurementStatus,
    IntermediateCuffPressure,
    PulseRateRange,
)
from profiles.units import PressureUnit
from tests.strategies.common import date_times, optional, sfloats

statuses = st.builds(
    BloodPressureMeasurementStatus,
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.sampled_from(list(PulseRateRange)),
    st.booleans(),
)
units = st.sampled_from(list(PressureUnit))
user_ids = optional(st.integers(0, 255))

# The fields after the pressures: the measurement and the cuff pressure share them.
after_pressures = (units, optional(date_times()), optional(sfloats), user_ids, optional(statuses))

STRATEGIES: dict[str, st.SearchStrategy[object]] = {
    "blood-pressure-measurement": st.builds(
        BloodPressureMeasurement, sfloats, sfloats, sfloats, *after_pressures
    ),
    "intermediate-cuff-pressure": st.builds(IntermediateCuffPressure, sfloats, *after_pressures),
    "blood-pressure-feature": st.integers(0, 0x01FF).map(BloodPressureFeature),
}
