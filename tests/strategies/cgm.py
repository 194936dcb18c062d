from __future__ import annotations

from hypothesis import strategies as st

from profiles.cgm import (
    CgmAnnunciationOctets,
    CgmFeature,
    CgmFeatureBits,
    CgmMeasurement,
    CgmMeasurementRecord,
    CgmSampleLocation,
    CgmSensorStatus,
    CgmSessionRunTime,
    CgmSessionStartTime,
    CgmType,
)
from profiles.date_time import DstOffset
from tests.strategies.common import date_times, optional, sfloats, uint

_OCTET_MASKS = (
    (CgmAnnunciationOctets.STATUS, 0x00003F),
    (CgmAnnunciationOctets.CAL_TEMP, 0x007F00),
    (CgmAnnunciationOctets.WARNING, 0xFF0000),
)


@st.composite
def records(draw: st.DrawFn) -> CgmMeasurementRecord:
    octets = CgmAnnunciationOctets(draw(st.integers(0, 7)) << 5)
    allowed = 0
    for octet, mask in _OCTET_MASKS:
        if octet & octets:
            allowed |= mask
    status = CgmSensorStatus(draw(uint(24)) & allowed)
    return CgmMeasurementRecord(
        draw(sfloats),
        draw(uint(16)),
        status,
        octets,
        draw(optional(sfloats)),  # type: ignore[arg-type]
        draw(optional(sfloats)),  # type: ignore[arg-type]
        draw(st.booleans()),
    )


def _nibble_value(
    enum_type: type[CgmType] | type[CgmSampleLocation],
) -> st.SearchStrategy[int]:
    known = {m.value for m in enum_type}
    return st.one_of(
        st.sampled_from(list(enum_type)),
        st.integers(0, 15).filter(lambda v: v not in known),
    )


time_zones = st.one_of(st.just(-128), st.integers(-48, 56))

STRATEGIES: dict[str, st.SearchStrategy[object]] = {
    "cgm-measurement": st.lists(records(), min_size=1, max_size=4).map(
        lambda rs: CgmMeasurement(tuple(rs))
    ),
    "cgm-feature": st.builds(
        CgmFeature,
        uint(17).map(CgmFeatureBits),
        _nibble_value(CgmType),
        _nibble_value(CgmSampleLocation),
    ),
    "cgm-session-start-time": st.builds(
        CgmSessionStartTime,
        date_times(),
        time_zones,
        st.sampled_from(list(DstOffset)),
        st.booleans(),
    ),
    "cgm-session-run-time": st.builds(CgmSessionRunTime, uint(16), st.booleans()),
}
