"""Strategies for the Generic Health Sensor characteristics (profiles.ghs)."""

from __future__ import annotations

from hypothesis import strategies as st

from profiles.ghs import health_observations as gho
from profiles.ghs import observations as obs
from profiles.ghs import service as ghs_service
from tests.strategies.common import floats, optional, uint
from tests.strategies.elapsed_time import elapsed_times

codes = uint(32)
code_lists = st.lists(codes, max_size=4).map(tuple)
tlvs = st.builds(obs.Tlv, codes, uint(8), st.binary(max_size=8))
tlv_lists = st.lists(tlvs, max_size=3).map(tuple)


@st.composite
def sample_arrays(draw: st.DrawFn) -> obs.SampleArrayValue:
    width = draw(st.integers(0, 4))
    samples = () if width == 0 else tuple(draw(st.lists(uint(8 * width), max_size=12)))
    return obs.SampleArrayValue(
        draw(uint(16)), draw(floats), draw(floats), draw(floats), draw(uint(8)), width, samples
    )


@st.composite
def state_events(draw: st.DrawFn) -> obs.CompoundStateEventValue:
    size = draw(st.integers(0, 4))
    masks = [draw(st.binary(min_size=size, max_size=size)) for _ in range(3)]
    return obs.CompoundStateEventValue(*masks)


COMMON_UNITS = (0x0220, 0x0AA0, 0x0F20, 0x17A0, 0x10B2)
"""MDC units of the device specializations (%, bpm, mmHg, Cel, mV), drawn often so that
generated numerics are also ones a mapping knows."""
units = st.one_of(st.sampled_from(COMMON_UNITS), uint(16))

component_values = st.one_of(
    st.builds(obs.NumericValue, floats, units),
    st.builds(obs.SimpleDiscreteValue, codes),
    st.builds(obs.StringValue, st.text(max_size=10)),
    sample_arrays(),
    st.builds(obs.CompoundDiscreteEventValue, code_lists),
    state_events(),
)
single_values: st.SearchStrategy[obs.ObservationValue] = st.one_of(
    component_values,
    st.builds(
        obs.CompoundValue,
        st.lists(st.builds(obs.CompoundComponent, codes, component_values), max_size=3).map(tuple),
    ),
    st.builds(obs.TlvValue, tlv_lists),
    st.builds(obs.UnknownValue, st.sampled_from([0x00, *range(0x09, 0xFF)]), st.binary(max_size=8)),
)


def observations(
    values: st.SearchStrategy[obs.ObservationValue],
) -> st.SearchStrategy[obs.Observation]:
    return st.builds(
        obs.Observation,
        values,
        optional(codes),
        optional(elapsed_times),
        optional(floats),
        optional(
            uint(16).map(lambda raw: obs.MeasurementStatus(raw & obs.MEASUREMENT_STATUS_MASK))
        ),
        optional(codes),
        optional(uint(8)),
        optional(code_lists),
        optional(code_lists),
        optional(code_lists),
        optional(tlv_lists),
    )


single_observations = observations(single_values)
any_observations = st.one_of(
    single_observations,
    observations(st.builds(obs.BundleValue, st.lists(single_observations, max_size=3).map(tuple))),
)


@st.composite
def segment_parts(draw: st.DrawFn) -> tuple[bool, bool, int]:
    """Half of the segments whole (first and last: an observation), the others any part."""
    whole = draw(st.booleans())
    first, last = (True, True) if whole else (draw(st.booleans()), draw(st.booleans()))
    return first, last, draw(st.integers(0, 63))


everyday_observations = st.builds(
    obs.Observation,
    st.builds(obs.NumericValue, floats, st.sampled_from(COMMON_UNITS)),
    st.sampled_from((150456, 149546, 147842, 150364)),  # SpO2, pulse, heart rate, body temp.
    optional(elapsed_times),
)
"""What sensors mostly send: one typed numeric (besides every class, from ``any_observations``)."""
whole_observations = st.one_of(everyday_observations, any_observations)


@st.composite
def live_segments(draw: st.DrawFn) -> gho.LiveHealthObservationSegment:
    first, last, counter = draw(segment_parts())
    content = draw(whole_observations) if first and last else draw(st.binary(max_size=20))
    return gho.LiveHealthObservationSegment(first, last, counter, content)


stored_observations = st.builds(gho.StoredObservation, uint(32), whole_observations)


@st.composite
def stored_segments(draw: st.DrawFn) -> gho.StoredHealthObservationSegment:
    first, last, counter = draw(segment_parts())
    content = draw(stored_observations) if first and last else draw(st.binary(max_size=20))
    return gho.StoredHealthObservationSegment(first, last, counter, content)


schedules = st.builds(ghs_service.ObservationSchedule, codes, floats, floats)
_KNOWN_OPS = {int(op) for op in ghs_service.GhsControlPointOpCode}

STRATEGIES: dict[str, st.SearchStrategy[object]] = {
    "live-health-observations": live_segments(),
    "stored-health-observations": stored_segments(),
    "health-sensor-features": st.builds(
        ghs_service.HealthSensorFeatures,
        code_lists,
        optional(
            st.lists(
                st.builds(ghs_service.DeviceSpecialization, uint(16), uint(8)), max_size=3
            ).map(tuple)
        ),
    ),
    "ghs-control-point": st.one_of(
        st.builds(
            ghs_service.GhsControlPoint, st.sampled_from(list(ghs_service.GhsControlPointOpCode))
        ),
        st.builds(
            ghs_service.GhsControlPoint,
            st.integers(0, 255).filter(lambda op: op not in _KNOWN_OPS),
            st.binary(max_size=6),
        ),
    ),
    "observation-schedule-changed": schedules,
    "observation-schedule": schedules,
    "valid-range-and-accuracy": st.builds(
        ghs_service.ValidRangeAndAccuracy, codes, uint(16), floats, floats, floats
    ),
}
