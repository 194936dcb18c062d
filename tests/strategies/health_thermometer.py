from __future__ import annotations

from hypothesis import strategies as st

from profiles.health_thermometer import (
    IntermediateTemperature,
    TemperatureMeasurement,
    TemperatureType,
    TemperatureTypeValue,
)
from profiles.units import TemperatureUnit
from tests.strategies.common import date_times, floats, optional

# Known sites as members; plain ints cover the reserved values (0, 10-255) and, for 1-9, the
# normalisation of a plain int to its member.
temperature_types: st.SearchStrategy[TemperatureType | int] = st.one_of(
    st.sampled_from(list(TemperatureType)), st.integers(0, 255)
)
units = st.sampled_from(list(TemperatureUnit))

STRATEGIES: dict[str, st.SearchStrategy[object]] = {
    "temperature-measurement": st.builds(
        TemperatureMeasurement, floats, units, optional(date_times()), optional(temperature_types)
    ),
    "intermediate-temperature": st.builds(
        IntermediateTemperature, floats, units, optional(date_times()), optional(temperature_types)
    ),
    "temperature-type": st.builds(TemperatureTypeValue, temperature_types),
}
