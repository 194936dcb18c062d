from __future__ import annotations

from hypothesis import strategies as st

from profiles.pulse_oximeter import (
    DEVICE_AND_SENSOR_STATUS_MASK,
    MEASUREMENT_STATUS_MASK,
    SUPPORTED_FEATURES_MASK,
    PlxContinuousMeasurement,
    PlxDeviceAndSensorStatus,
    PlxFeatures,
    PlxMeasurementStatus,
    PlxSpotCheckMeasurement,
    PlxSupportedFeatures,
    SpO2PR,
)
from tests.strategies.common import date_times, optional, sfloats

measurement_statuses = st.integers(0, 0xFFFF).map(
    lambda bits: PlxMeasurementStatus(bits & MEASUREMENT_STATUS_MASK)
)
device_statuses = st.integers(0, 0xFFFFFF).map(
    lambda bits: PlxDeviceAndSensorStatus(bits & DEVICE_AND_SENSOR_STATUS_MASK)
)
pairs = st.builds(SpO2PR, sfloats, sfloats)


@st.composite
def plx_features(draw: st.DrawFn) -> PlxFeatures:
    features = PlxSupportedFeatures(draw(st.integers(0, 0xFFFF)) & SUPPORTED_FEATURES_MASK)
    return PlxFeatures(
        features,
        draw(measurement_statuses)
        if features & PlxSupportedFeatures.MEASUREMENT_STATUS_SUPPORT_PRESENT
        else None,
        draw(device_statuses)
        if features & PlxSupportedFeatures.DEVICE_AND_SENSOR_STATUS_SUPPORT_PRESENT
        else None,
    )


STRATEGIES: dict[str, st.SearchStrategy[object]] = {
    "plx-spot-check-measurement": st.builds(
        PlxSpotCheckMeasurement,
        sfloats,
        sfloats,
        optional(date_times()),
        optional(measurement_statuses),
        optional(device_statuses),
        optional(sfloats),
        st.booleans(),
    ),
    "plx-continuous-measurement": st.builds(
        PlxContinuousMeasurement,
        pairs,
        optional(pairs),
        optional(pairs),
        optional(measurement_statuses),
        optional(device_statuses),
        optional(sfloats),
    ),
    "plx-features": plx_features(),
}
