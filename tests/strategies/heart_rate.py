from __future__ import annotations

from hypothesis import strategies as st

from profiles.heart_rate import (
    RR_INTERVAL_STEP,
    BodySensorLocation,
    BodySensorLocationValue,
    HeartRateMeasurement,
    HeartRateValueFormat,
    SensorContact,
)
from tests.strategies.common import fixed_point


@st.composite
def heart_rate_measurements(draw: st.DrawFn) -> HeartRateMeasurement:
    value_format = draw(st.sampled_from(list(HeartRateValueFormat)))
    limit = 0xFF if value_format is HeartRateValueFormat.UINT8 else 0xFFFF
    return HeartRateMeasurement(
        draw(st.integers(0, limit)),
        value_format,
        draw(st.sampled_from(list(SensorContact))),
        draw(st.one_of(st.none(), st.integers(0, 0xFFFF))),
        tuple(draw(st.lists(fixed_point(RR_INTERVAL_STEP, 0xFFFF), max_size=10))),
    )


STRATEGIES: dict[str, st.SearchStrategy[object]] = {
    "heart-rate-measurement": heart_rate_measurements(),
    "body-sensor-location": st.builds(
        BodySensorLocationValue,
        st.one_of(st.sampled_from(list(BodySensorLocation)), st.integers(0, 255)),
    ),
}
