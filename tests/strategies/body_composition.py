from __future__ import annotations

from hypothesis import strategies as st

from profiles import body_composition as bc
from profiles import weight_scale as ws
from profiles.units import MassUnit
from tests.strategies.common import date_times, fixed_point, optional, uint
from tests.strategies.weight_scale import height_resolutions, mass_resolutions


@st.composite
def body_composition_measurements(draw: st.DrawFn) -> bc.BodyCompositionMeasurement:
    unit = draw(st.sampled_from(list(MassUnit)))
    imperial = unit is MassUnit.POUND
    mass = optional(fixed_point(ws.POUND_STEP if imperial else ws.KILOGRAM_STEP, 0xFFFF))
    return bc.BodyCompositionMeasurement(
        # 0xFFFF is "measurement unsuccessful" (None), so real percentages stop at 0xFFFE.
        draw(st.one_of(st.none(), fixed_point(bc.PERCENT_STEP, 0xFFFE))),
        unit,
        draw(optional(date_times())),  # type: ignore[arg-type]
        draw(optional(uint(8))),  # type: ignore[arg-type]
        draw(optional(uint(16))),  # type: ignore[arg-type]
        draw(optional(fixed_point(bc.PERCENT_STEP, 0xFFFF))),  # type: ignore[arg-type]
        draw(mass),  # type: ignore[arg-type]
        draw(mass),  # type: ignore[arg-type]
        draw(mass),  # type: ignore[arg-type]
        draw(mass),  # type: ignore[arg-type]
        draw(optional(fixed_point(bc.IMPEDANCE_STEP, 0xFFFF))),  # type: ignore[arg-type]
        draw(mass),  # type: ignore[arg-type]
        draw(optional(fixed_point(ws.INCH_STEP if imperial else ws.METRE_STEP, 0xFFFF))),  # type: ignore[arg-type]
        draw(st.booleans()),
    )


body_composition_features = st.builds(
    bc.BodyCompositionFeature,
    uint(11).map(bc.BodyCompositionFeatureFlag),
    mass_resolutions,
    height_resolutions,
)

STRATEGIES: dict[str, st.SearchStrategy[object]] = {
    "body-composition-measurement": body_composition_measurements(),
    "body-composition-feature": body_composition_features,
}
