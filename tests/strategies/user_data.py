from __future__ import annotations

from hypothesis import strategies as st

from profiles.user_data import (
    MAX_CONSENT_CODE,
    ConsentRequest,
    DeleteUserDataRequest,
    DeleteUsersRequest,
    ListAllUsersRequest,
    RegisterNewUserRequest,
    UnknownRequest,
    UserControlPointOpCode,
    UserControlPointResponse,
    UserControlPointResponseValue,
    UserControlPointValue,
    UserIndex,
)
from tests.strategies.common import uint

consent_codes = st.integers(0, MAX_CONSENT_CODE)
_KNOWN_OPS = {int(op) for op in UserControlPointOpCode}


@st.composite
def responses(draw: st.DrawFn) -> UserControlPointResponse:
    request = draw(st.one_of(st.sampled_from(list(UserControlPointOpCode)), uint(8)))
    value = draw(st.one_of(st.sampled_from(list(UserControlPointResponseValue)), uint(8)))
    user_index = number_of_users = None
    if value == UserControlPointResponseValue.SUCCESS:
        if request in (
            UserControlPointOpCode.REGISTER_NEW_USER,
            UserControlPointOpCode.DELETE_USERS,
        ):
            user_index = draw(uint(8))
        elif request == UserControlPointOpCode.LIST_ALL_USERS:
            number_of_users = draw(uint(8))
    return UserControlPointResponse(request, value, user_index, number_of_users)


user_control_point_values: st.SearchStrategy[UserControlPointValue] = st.one_of(
    st.builds(RegisterNewUserRequest, consent_codes),
    st.builds(ConsentRequest, uint(8), consent_codes),
    st.just(DeleteUserDataRequest()),
    st.just(ListAllUsersRequest()),
    st.builds(DeleteUsersRequest, uint(8)),
    st.builds(
        UnknownRequest,
        uint(8).filter(lambda op: op not in _KNOWN_OPS),
        st.binary(max_size=19),
    ),
    responses(),
)

STRATEGIES: dict[str, st.SearchStrategy[object]] = {
    "user-index": uint(8).map(UserIndex),
    "user-control-point": user_control_point_values,
}
