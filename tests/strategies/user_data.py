from __future__ import annotations

from hypothesis import strategies as st

from profiles import user_data as uds
from tests.strategies.common import uint

consent_codes = st.integers(0, uds.MAX_CONSENT_CODE)
_KNOWN_OPS = {int(op) for op in uds.UserControlPointOpCode}


@st.composite
def responses(draw: st.DrawFn) -> uds.UserControlPointResponse:
    request = draw(st.one_of(st.sampled_from(list(uds.UserControlPointOpCode)), uint(8)))
    value = draw(st.one_of(st.sampled_from(list(uds.UserControlPointResponseValue)), uint(8)))
    user_index = number_of_users = None
    if value == uds.UserControlPointResponseValue.SUCCESS:
        if request in (
            uds.UserControlPointOpCode.REGISTER_NEW_USER,
            uds.UserControlPointOpCode.DELETE_USERS,
        ):
            user_index = draw(uint(8))
        elif request == uds.UserControlPointOpCode.LIST_ALL_USERS:
            number_of_users = draw(uint(8))
    return uds.UserControlPointResponse(request, value, user_index, number_of_users)


user_control_point_values: st.SearchStrategy[uds.UserControlPointValue] = st.one_of(
    st.builds(uds.RegisterNewUserRequest, consent_codes),
    st.builds(uds.ConsentRequest, uint(8), consent_codes),
    st.just(uds.DeleteUserDataRequest()),
    st.just(uds.ListAllUsersRequest()),
    st.builds(uds.DeleteUsersRequest, uint(8)),
    st.builds(
        uds.UnknownRequest,
        uint(8).filter(lambda op: op not in _KNOWN_OPS),
        st.binary(max_size=19),
    ),
    responses(),
)

STRATEGIES: dict[str, st.SearchStrategy[object]] = {
    "user-index": uint(8).map(uds.UserIndex),
    "user-control-point": user_control_point_values,
}
