from __future__ import annotations

from hypothesis import strategies as st

from profiles.date_time import (
    AdjustReason,
    CurrentTime,
    DayDateTime,
    DayOfWeek,
    DstOffset,
    LocalTimeInformation,
)
from tests.strategies.common import date_times

time_zones = st.one_of(st.just(-128), st.integers(-48, 56))

STRATEGIES: dict[str, st.SearchStrategy[object]] = {
    "date-time": date_times(),
    "day-date-time": st.builds(DayDateTime, date_times(), st.sampled_from(list(DayOfWeek))),
    "current-time": st.builds(
        CurrentTime,
        date_times(),
        st.sampled_from(list(DayOfWeek)),
        st.integers(0, 255),
        st.integers(0, 15).map(AdjustReason),
    ),
    "local-time-information": st.builds(
        LocalTimeInformation, time_zones, st.sampled_from(list(DstOffset))
    ),
}
