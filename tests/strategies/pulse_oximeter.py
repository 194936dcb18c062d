from __future__ import annotations

from hypothesis import strategies as st

from profiles import pulse_oximeter as plx
from tests.strategies.common import date_times, optional, sfloats

measurement_statuses = st.integers(0, 0xFFFF).map(
    lambda bits: plx.PlxMeasurementStatus(bits & plx.MEASUREMENT_STATUS_MASK)
)
device_statuses = st.integers(0, 0xFFFFFF).map(
    lambda bits: plx.PlxDeviceAndSensorStatus(bits & plx.DEVICE_AND_SENSOR_STATUS_MASK)
)
pairs = st.builds(plx.SpO2PR, sfloats, sfloats)


@st.composite
def plx_features(draw: st.DrawFn) -> plx.PlxFeatures:
    features = plx.PlxSupportedFeatures(draw(st.integers(0, 0xFFFF)) & plx.SUPPORTED_FEATURES_MASK)
    return plx.PlxFeatures(
        features,
        draw(measurement_statuses)
        if features & plx.PlxSupportedFeatures.MEASUREMENT_STATUS_SUPPORT_PRESENT
        else None,
        draw(device_statuses)
        if features & plx.PlxSupportedFeatures.DEVICE_AND_SENSOR_STATUS_SUPPORT_PRESENT
        else None,
    )


STRATEGIES: dict[str, st.SearchStrategy[object]] = {
    "plx-spot-check-measurement": st.builds(
        plx.PlxSpotCheckMeasurement,
        sfloats,
        sfloats,
        optional(date_times()),
        optional(measurement_statuses),
        optional(device_statuses),
        optional(sfloats),
        st.booleans(),
    ),
    "plx-continuous-measurement": st.builds(
        plx.PlxContinuousMeasurement,
        pairs,
        optional(pairs),
        optional(pairs),
        optional(measurement_statuses),
        optional(device_statuses),
        optional(sfloats),
    ),
    "plx-features": plx_features(),
}
