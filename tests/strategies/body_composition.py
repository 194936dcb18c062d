from __future__ import annotations

from hypothesis import strategies as st

from profiles.body_composition import (
    IMPEDANCE_STEP,
    PERCENT_STEP,
    BodyCompositionFeature,
    BodyCompositionFeatureFlag,
    BodyCompositionMeasurement,
)
from profiles.units import MassUnit
from profiles.weight_scale import (
    INCH_STEP,
    KILOGRAM_STEP,
    METRE_STEP,
    POUND_STEP,
)
from tests.strategies.common import date_times, fixed_point, optional, uint
from tests.strategies.weight_scale import height_resolutions, mass_resolutions


@st.composite
def body_composition_measurements(draw: st.DrawFn) -> BodyCompositionMeasurement:
    unit = draw(st.sampled_from(list(MassUnit)))
    imperial = unit is MassUnit.POUND
    mass = optional(fixed_point(POUND_STEP if imperial else KILOGRAM_STEP, 0xFFFF))
    return BodyCompositionMeasurement(
        # 0xFFFF is "measurement unsuccessful" (None), so real percentages stop at 0xFFFE.
        draw(st.one_of(st.none(), fixed_point(PERCENT_STEP, 0xFFFE))),
        unit,
        draw(optional(date_times())),  # type: ignore[arg-type]
        draw(optional(uint(8))),  # type: ignore[arg-type]
        draw(optional(uint(16))),  # type: ignore[arg-type]
        draw(optional(fixed_point(PERCENT_STEP, 0xFFFF))),  # type: ignore[arg-type]
        draw(mass),  # type: ignore[arg-type]
        draw(mass),  # type: ignore[arg-type]
        draw(mass),  # type: ignore[arg-type]
        draw(mass),  # type: ignore[arg-type]
        draw(optional(fixed_point(IMPEDANCE_STEP, 0xFFFF))),  # type: ignore[arg-type]
        draw(mass),  # type: ignore[arg-type]
        draw(optional(fixed_point(INCH_STEP if imperial else METRE_STEP, 0xFFFF))),  # type: ignore[arg-type]
        draw(st.booleans()),
    )


body_composition_features = st.builds(
    BodyCompositionFeature,
    uint(11).map(BodyCompositionFeatureFlag),
    mass_resolutions,
    height_resolutions,
)

STRATEGIES: dict[str, st.SearchStrategy[object]] = {
    "body-composition-measurement": body_composition_measurements(),
    "body-composition-feature": body_composition_features,
}
