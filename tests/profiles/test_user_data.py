"""User Data Service vectors (User Index, User Control Point), built by hand from the GATT
Specification Supplement layout."""

from __future__ import annotations

import pytest

from profiles import user_data as uds
from profiles.errors import DecodeError, EncodeError
from tests.profiles.assertions import assert_decode_error, assert_vector

Op = uds.UserControlPointOpCode
Result = uds.UserControlPointResponseValue


def test_user_index() -> None:
    assert uds.decode_user_index(b"\x05") == uds.UserIndex(5)
    assert not uds.UserIndex(5).unknown
    assert uds.decode_user_index(b"\xff").unknown
    assert uds.encode_user_index(uds.UserIndex(0)) == b"\x00"
    with pytest.raises(EncodeError):
        uds.UserIndex(256)


@pytest.mark.parametrize(("hex_value", "offset"), [("", 0), ("0500", 1)])
def test_user_index_malformed(hex_value: str, offset: int) -> None:
    assert_decode_error(uds.decode_user_index, hex_value, "user-index", offset)


@pytest.mark.parametrize(
    ("hex_value", "expected"),
    [
        ("010f27", uds.RegisterNewUserRequest(9999)),
        ("010000", uds.RegisterNewUserRequest(0)),
        ("02033412", uds.ConsentRequest(3, 0x1234)),
        ("03", uds.DeleteUserDataRequest()),
        ("04", uds.ListAllUsersRequest()),
        ("0502", uds.DeleteUsersRequest(2)),
        ("05ff", uds.DeleteUsersRequest(0xFF)),  # all users
        ("06aabb", uds.UnknownRequest(0x06, b"\xaa\xbb")),
        ("00", uds.UnknownRequest(0x00)),
        ("ff01", uds.UnknownRequest(0xFF, b"\x01")),
        # Responses: parameter only on success of register / list / delete user(s).
        (
            "20010107",
            uds.UserControlPointResponse(Op.REGISTER_NEW_USER, Result.SUCCESS, user_index=7),
        ),
        ("200103", uds.UserControlPointResponse(Op.REGISTER_NEW_USER, Result.INVALID_PARAMETER)),
        ("200201", uds.UserControlPointResponse(Op.CONSENT, Result.SUCCESS)),
        ("200205", uds.UserControlPointResponse(Op.CONSENT, Result.USER_NOT_AUTHORIZED)),
        ("200301", uds.UserControlPointResponse(Op.DELETE_USER_DATA, Result.SUCCESS)),
        ("200304", uds.UserControlPointResponse(Op.DELETE_USER_DATA, Result.OPERATION_FAILED)),
        (
            "20040103",
            uds.UserControlPointResponse(Op.LIST_ALL_USERS, Result.SUCCESS, number_of_users=3),
        ),
        ("20050102", uds.UserControlPointResponse(Op.DELETE_USERS, Result.SUCCESS, user_index=2)),
        ("200902", uds.UserControlPointResponse(0x09, Result.OP_CODE_NOT_SUPPORTED)),
        ("200106", uds.UserControlPointResponse(Op.REGISTER_NEW_USER, 0x06)),  # reserved value
        ("200100", uds.UserControlPointResponse(Op.REGISTER_NEW_USER, 0x00)),
    ],
)
def test_control_point(hex_value: str, expected: uds.UserControlPointValue) -> None:
    assert_vector(uds.decode_user_control_point, uds.encode_user_control_point, hex_value, expected)


def test_reserved_codes_stay_ints() -> None:
    value = uds.decode_user_control_point(bytes.fromhex("200906"))
    assert isinstance(value, uds.UserControlPointResponse)
    assert type(value.request_op_code) is int
    assert type(value.response_value) is int
    known = uds.decode_user_control_point(bytes.fromhex("200201"))
    assert isinstance(known, uds.UserControlPointResponse)
    assert known.request_op_code is Op.CONSENT
    assert known.response_value is Result.SUCCESS
    # Known codes given as ints are normalised, so equal values have equal reprs.
    assert repr(uds.UserControlPointResponse(1, 1, 7)) == repr(
        uds.UserControlPointResponse(Op.REGISTER_NEW_USER, Result.SUCCESS, 7)
    )


@pytest.mark.parametrize(
    ("hex_value", "offset"),
    [
        ("", 0),
        ("01", 1),  # consent code absent
        ("010f", 1),  # consent code cut short
        ("011027", 1),  # consent code 10000
        ("01ffff", 1),
        ("010f2700", 3),  # overlong
        ("02", 1),
        ("0203", 2),
        ("02030f", 2),
        ("02031027", 2),  # consent code 10000
        ("0203000000", 4),
        ("0300", 1),
        ("0400", 1),
        ("05", 1),
        ("050200", 2),
        ("20", 1),
        ("2001", 2),
        ("200101", 3),  # new user index absent
        ("200401", 3),  # number of users absent
        ("200501", 3),  # deleted user index absent
        ("2001010700", 4),
        ("20010300", 3),  # no parameter on failure
        ("20020100", 3),  # no parameter for consent
    ],
)
def test_control_point_malformed(hex_value: str, offset: int) -> None:
    assert_decode_error(uds.decode_user_control_point, hex_value, "user-control-point", offset)


def test_direction_helpers() -> None:
    assert uds.decode_user_control_point_request(
        bytes.fromhex("010f27")
    ) == uds.RegisterNewUserRequest(9999)
    assert uds.decode_user_control_point_response(bytes.fromhex("200201")) == (
        uds.UserControlPointResponse(Op.CONSENT, Result.SUCCESS)
    )
    with pytest.raises(DecodeError):
        uds.decode_user_control_point_request(bytes.fromhex("200201"))
    with pytest.raises(DecodeError):
        uds.decode_user_control_point_response(bytes.fromhex("03"))


def test_invalid_values() -> None:
    with pytest.raises(EncodeError):
        uds.RegisterNewUserRequest(10000)
    with pytest.raises(EncodeError):
        uds.ConsentRequest(256, 1)
    with pytest.raises(EncodeError):
        uds.ConsentRequest(1, -1)
    with pytest.raises(EncodeError):
        uds.DeleteUsersRequest(256)
    with pytest.raises(EncodeError):
        uds.UnknownRequest(Op.CONSENT)  # known op codes have their own classes
    with pytest.raises(EncodeError):
        uds.UserControlPointResponse(Op.REGISTER_NEW_USER, Result.SUCCESS)  # new index missing
    with pytest.raises(EncodeError):
        uds.UserControlPointResponse(Op.CONSENT, Result.SUCCESS, user_index=1)
    with pytest.raises(EncodeError):
        uds.UserControlPointResponse(Op.LIST_ALL_USERS, Result.SUCCESS, user_index=1)
    with pytest.raises(EncodeError):
        uds.UserControlPointResponse(Op.REGISTER_NEW_USER, Result.OPERATION_FAILED, user_index=1)
    with pytest.raises(EncodeError):
        uds.UserControlPointResponse(0x100, Result.SUCCESS)
    with pytest.raises(EncodeError):
        uds.encode_user_control_point(uds.UserControlPointValue())
