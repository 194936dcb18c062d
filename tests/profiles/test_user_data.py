"""User Data Service vectors (User Index, User Control Point), built by hand from the GATT
Specification Supplement layout."""

from __future__ import annotations

import pytest

from profiles.errors import DecodeError, EncodeError
from profiles.user_data import (
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
    decode_user_control_point,
    decode_user_control_point_request,
    decode_user_control_point_response,
    decode_user_index,
    encode_user_control_point,
    encode_user_index,
)
from tests.profiles.assertions import assert_decode_error, assert_vector

Op = UserControlPointOpCode
Result = UserControlPointResponseValue


def test_user_index() -> None:
    assert decode_user_index(b"\x05") == UserIndex(5)
    assert not UserIndex(5).unknown
    assert decode_user_index(b"\xff").unknown
    assert encode_user_index(UserIndex(0)) == b"\x00"
    with pytest.raises(EncodeError):
        UserIndex(256)


@pytest.mark.parametrize(("hex_value", "offset"), [("", 0), ("0500", 1)])
def test_user_index_malformed(hex_value: str, offset: int) -> None:
    assert_decode_error(decode_user_index, hex_value, "user-index", offset)


@pytest.mark.parametrize(
    ("hex_value", "expected"),
    [
        ("010f27", RegisterNewUserRequest(9999)),
        ("010000", RegisterNewUserRequest(0)),
        ("02033412", ConsentRequest(3, 0x1234)),
        ("03", DeleteUserDataRequest()),
        ("04", ListAllUsersRequest()),
        ("0502", DeleteUsersRequest(2)),
        ("05ff", DeleteUsersRequest(0xFF)),  # all users
        ("06aabb", UnknownRequest(0x06, b"\xaa\xbb")),
        ("00", UnknownRequest(0x00)),
        ("ff01", UnknownRequest(0xFF, b"\x01")),
        # Responses: parameter only on success of register / list / delete user(s).
        ("20010107", UserControlPointResponse(Op.REGISTER_NEW_USER, Result.SUCCESS, user_index=7)),
        ("200103", UserControlPointResponse(Op.REGISTER_NEW_USER, Result.INVALID_PARAMETER)),
        ("200201", UserControlPointResponse(Op.CONSENT, Result.SUCCESS)),
        ("200205", UserControlPointResponse(Op.CONSENT, Result.USER_NOT_AUTHORIZED)),
        ("200301", UserControlPointResponse(Op.DELETE_USER_DATA, Result.SUCCESS)),
        ("200304", UserControlPointResponse(Op.DELETE_USER_DATA, Result.OPERATION_FAILED)),
        (
            "20040103",
            UserControlPointResponse(Op.LIST_ALL_USERS, Result.SUCCESS, number_of_users=3),
        ),
        ("20050102", UserControlPointResponse(Op.DELETE_USERS, Result.SUCCESS, user_index=2)),
        ("200902", UserControlPointResponse(0x09, Result.OP_CODE_NOT_SUPPORTED)),
        ("200106", UserControlPointResponse(Op.REGISTER_NEW_USER, 0x06)),  # reserved value
        ("200100", UserControlPointResponse(Op.REGISTER_NEW_USER, 0x00)),
    ],
)
def test_control_point(hex_value: str, expected: UserControlPointValue) -> None:
    assert_vector(decode_user_control_point, encode_user_control_point, hex_value, expected)


def test_reserved_codes_stay_ints() -> None:
    value = decode_user_control_point(bytes.fromhex("200906"))
    assert isinstance(value, UserControlPointResponse)
    assert type(value.request_op_code) is int
    assert type(value.response_value) is int
    known = decode_user_control_point(bytes.fromhex("200201"))
    assert isinstance(known, UserControlPointResponse)
    assert known.request_op_code is Op.CONSENT
    assert known.response_value is Result.SUCCESS
    # Known codes given as ints are normalised, so equal values have equal reprs.
    assert repr(UserControlPointResponse(1, 1, 7)) == repr(
        UserControlPointResponse(Op.REGISTER_NEW_USER, Result.SUCCESS, 7)
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
    assert_decode_error(decode_user_control_point, hex_value, "user-control-point", offset)


def test_direction_helpers() -> None:
    assert decode_user_control_point_request(bytes.fromhex("010f27")) == RegisterNewUserRequest(
        9999
    )
    assert decode_user_control_point_response(bytes.fromhex("200201")) == (
        UserControlPointResponse(Op.CONSENT, Result.SUCCESS)
    )
    with pytest.raises(DecodeError):
        decode_user_control_point_request(bytes.fromhex("200201"))
    with pytest.raises(DecodeError):
        decode_user_control_point_response(bytes.fromhex("03"))


def test_invalid_values() -> None:
    with pytest.raises(EncodeError):
        RegisterNewUserRequest(10000)
    with pytest.raises(EncodeError):
        ConsentRequest(256, 1)
    with pytest.raises(EncodeError):
        ConsentRequest(1, -1)
    with pytest.raises(EncodeError):
        DeleteUsersRequest(256)
    with pytest.raises(EncodeError):
        UnknownRequest(Op.CONSENT)  # known op codes have their own classes
    with pytest.raises(EncodeError):
        UserControlPointResponse(Op.REGISTER_NEW_USER, Result.SUCCESS)  # new index missing
    with pytest.raises(EncodeError):
        UserControlPointResponse(Op.CONSENT, Result.SUCCESS, user_index=1)
    with pytest.raises(EncodeError):
        UserControlPointResponse(Op.LIST_ALL_USERS, Result.SUCCESS, user_index=1)
    with pytest.raises(EncodeError):
        UserControlPointResponse(Op.REGISTER_NEW_USER, Result.OPERATION_FAILED, user_index=1)
    with pytest.raises(EncodeError):
        UserControlPointResponse(0x100, Result.SUCCESS)
    with pytest.raises(EncodeError):
        encode_user_control_point(UserControlPointValue())
