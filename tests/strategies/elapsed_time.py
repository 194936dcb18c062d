from __future__ import annotations

from hypothesis import strategies as st

from profiles.elapsed_time import (
    ClockCapabilities,
    ClockStatus,
    CurrentElapsedTime,
    ElapsedTime,
    TimeResolution,
    TimeSyncSource,
)
from tests.strategies.common import uint
from tests.strategies.glucose import enum_or_int

elapsed_times = st.builds(
    ElapsedTime,
    uint(48),
    st.sampled_from(list(TimeResolution)),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    enum_or_int(TimeSyncSource, 8),
    st.integers(-128, 127),
)

STRATEGIES: dict[str, st.SearchStrategy[object]] = {
    "current-elapsed-time": st.builds(
        CurrentElapsedTime,
        elapsed_times,
        st.integers(0, 1).map(ClockStatus),
        st.integers(0, 3).map(ClockCapabilities),
    ),
}
