from __future__ import annotations

from hypothesis import strategies as st

from profiles import device_information as dis
from tests.strategies.common import uint

# Any text without surrogates (not UTF-8 encodable) and without trailing NULs (padding).
texts = st.text(st.characters(codec="utf-8"), max_size=60).filter(lambda t: not t.endswith("\x00"))

continua_bodies = st.builds(
    dis.ContinuaBodyStruct,
    uint(8),
    uint(8),
    st.lists(uint(16), max_size=5).map(tuple),
)
continua_regs = uint(16).map(dis.ContinuaRegulation).map(dis.ContinuaRegStruct)
auth_bodies = st.one_of(st.sampled_from(list(dis.AuthBody)), uint(8))


@st.composite
def raw_entries(draw: st.DrawFn) -> dis.RegCertData:
    auth_body = draw(auth_bodies)
    struc_type = draw(uint(8))
    if auth_body == dis.AuthBody.CONTINUA and struc_type in (1, 2):
        struc_type = draw(st.integers(3, 255))
    return dis.RegCertData(auth_body, struc_type, draw(st.binary(max_size=12)))


entries = st.one_of(
    continua_bodies.map(lambda b: dis.RegCertData(dis.AuthBody.CONTINUA, 1, b)),
    continua_regs.map(lambda b: dis.RegCertData(dis.AuthBody.CONTINUA, 2, b)),
    raw_entries(),
)

STRATEGIES: dict[str, st.SearchStrategy[object]] = {
    "system-id": st.builds(dis.SystemId, uint(40), uint(24)),
    "model-number-string": texts.map(dis.ModelNumber),
    "serial-number-string": texts.map(dis.SerialNumber),
    "firmware-revision-string": texts.map(dis.FirmwareRevision),
    "hardware-revision-string": texts.map(dis.HardwareRevision),
    "software-revision-string": texts.map(dis.SoftwareRevision),
    "manufacturer-name-string": texts.map(dis.ManufacturerName),
    "ieee-11073-20601-regulatory-certification-data-list": st.lists(entries, max_size=4).map(
        lambda es: dis.RegulatoryCertificationDataList(tuple(es))
    ),
    "pnp-id": st.builds(
        dis.PnpId,
        st.one_of(st.sampled_from(list(dis.VendorIdSource)), uint(8)),
        uint(16),
        uint(16),
        uint(16),
    ),
}
