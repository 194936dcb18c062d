from __future__ import annotations

from hypothesis import strategies as st

from profiles import cgm
from profiles.date_time import DstOffset
from tests.strategies.common import date_times, optional, sfloats, uint

_OCTET_MASKS = (
    (cgm.CgmAnnunciationOctets.STATUS, 0x00003F),
    (cgm.CgmAnnunciationOctets.CAL_TEMP, 0x007F00),
    (cgm.CgmAnnunciationOctets.WARNING, 0xFF0000),
)


@st.composite
def records(draw: st.DrawFn) -> cgm.CgmMeasurementRecord:
    octets = cgm.CgmAnnunciationOctets(draw(st.integers(0, 7)) << 5)
    allowed = 0
    for octet, mask in _OCTET_MASKS:
        if octet & octets:
            allowed |= mask
    status = cgm.CgmSensorStatus(draw(uint(24)) & allowed)
    return cgm.CgmMeasurementRecord(
        draw(sfloats),
        draw(uint(16)),
        status,
        octets,
        draw(optional(sfloats)),  # type: ignore[arg-type]
        draw(optional(sfloats)),  # type: ignore[arg-type]
        draw(st.booleans()),
    )


def _nibble_value(
    enum_type: type[cgm.CgmType] | type[cgm.CgmSampleLocation],
) -> st.SearchStrategy[int]:
    known = {m.value for m in enum_type}
    return st.one_of(
        st.sampled_from(list(enum_type)),
        st.integers(0, 15).filter(lambda v: v not in known),
    )


time_zones = st.one_of(st.just(-128), st.integers(-48, 56))

STRATEGIES: dict[str, st.SearchStrategy[object]] = {
    "cgm-measurement": st.lists(records(), min_size=1, max_size=4).map(
        lambda rs: cgm.CgmMeasurement(tuple(rs))
    ),
    "cgm-feature": st.builds(
        cgm.CgmFeature,
        uint(17).map(cgm.CgmFeatureBits),
        _nibble_value(cgm.CgmType),
        _nibble_value(cgm.CgmSampleLocation),
    ),
    "cgm-session-start-time": st.builds(
        cgm.CgmSessionStartTime,
        date_times(),
        time_zones,
        st.sampled_from(list(DstOffset)),
        st.booleans(),
    ),
    "cgm-session-run-time": st.builds(cgm.CgmSessionRunTime, uint(16), st.booleans()),
}
