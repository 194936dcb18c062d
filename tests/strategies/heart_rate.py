from __future__ import annotations

from hypothesis import strategies as st

from profiles import heart_rate as hrs
from tests.strategies.common import fixed_point


@st.composite
def heart_rate_measurements(draw: st.DrawFn) -> hrs.HeartRateMeasurement:
    value_format = draw(st.sampled_from(list(hrs.HeartRateValueFormat)))
    limit = 0xFF if value_format is hrs.HeartRateValueFormat.UINT8 else 0xFFFF
    return hrs.HeartRateMeasurement(
        draw(st.integers(0, limit)),
        value_format,
        draw(st.sampled_from(list(hrs.SensorContact))),
        draw(st.one_of(st.none(), st.integers(0, 0xFFFF))),
        tuple(draw(st.lists(fixed_point(hrs.RR_INTERVAL_STEP, 0xFFFF), max_size=10))),
    )


STRATEGIES: dict[str, st.SearchStrategy[object]] = {
    "heart-rate-measurement": heart_rate_measurements(),
    "body-sensor-location": st.builds(
        hrs.BodySensorLocationValue,
        st.one_of(st.sampled_from(list(hrs.BodySensorLocation)), st.integers(0, 255)),
    ),
}
