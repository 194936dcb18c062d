from __future__ import annotations

from hypothesis import strategies as st

from profiles import elapsed_time as ets
from tests.strategies.common import uint
from tests.strategies.glucose import enum_or_int

elapsed_times = st.builds(
    ets.ElapsedTime,
    uint(48),
    st.sampled_from(list(ets.TimeResolution)),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    enum_or_int(ets.TimeSyncSource, 8),
    st.integers(-128, 127),
)

STRATEGIES: dict[str, st.SearchStrategy[object]] = {
    "current-elapsed-time": st.builds(
        ets.CurrentElapsedTime,
        elapsed_times,
        st.integers(0, 1).map(ets.ClockStatus),
        st.integers(0, 3).map(ets.ClockCapabilities),
    ),
}
