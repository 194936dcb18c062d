from __future__ import annotations

from hypothesis import strategies as st

from profiles.units import MassUnit
from profiles.weight_scale import (
    BMI_STEP,
    INCH_STEP,
    KILOGRAM_STEP,
    METRE_STEP,
    POUND_STEP,
    WeightMeasurement,
    WeightScaleFeature,
    WeightScaleFeatureFlag,
    height_resolution,
    mass_resolution,
)
from tests.strategies.common import date_times, fixed_point, optional, uint

mass_units = st.sampled_from(list(MassUnit))


@st.composite
def weight_measurements(draw: st.DrawFn) -> WeightMeasurement:
    unit = draw(mass_units)
    imperial = unit is MassUnit.POUND
    # 0xFFFF is "measurement unsuccessful" (weight None), so real weights stop at 0xFFFE.
    weight = draw(
        st.one_of(st.none(), fixed_point(POUND_STEP if imperial else KILOGRAM_STEP, 0xFFFE))
    )
    bmi = height = None
    if draw(st.booleans()):
        bmi = draw(fixed_point(BMI_STEP, 0xFFFF))
        height = draw(fixed_point(INCH_STEP if imperial else METRE_STEP, 0xFFFF))
    return WeightMeasurement(
        weight,
        unit,
        draw(optional(date_times())),  # type: ignore[arg-type]
        draw(optional(uint(8))),  # type: ignore[arg-type]
        bmi,
        height,
    )


# The resolution codes of the Weight Scale Feature, which the Body Composition Feature uses too.
mass_resolutions = uint(4).map(mass_resolution)
height_resolutions = uint(3).map(height_resolution)

weight_scale_features = st.builds(
    WeightScaleFeature, uint(3).map(WeightScaleFeatureFlag), mass_resolutions, height_resolutions
)

STRATEGIES: dict[str, st.SearchStrategy[object]] = {
    "weight-measurement": weight_measurements(),
    "weight-scale-feature": weight_scale_features,
}
