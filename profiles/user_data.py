"""User Data Service (0x181C), the parts a shared scale needs: User Index (0x2A9A) and the User
Control Point (0x2A9F), per the GATT Specification Supplement and the User Data Service 1.0/1.1.

User Index: uint8, the current user; 0xFF = unknown user.

User Control Point: op code (uint8) then its parameter.

- 0x01 Register New User: consent code (uint16, 0..9999).
- 0x02 Consent: user index (uint8), consent code (uint16, 0..9999).
- 0x03 Delete User Data: no parameter.
- 0x04 List All Users (UDS 1.1): no parameter.
- 0x05 Delete User(s) (UDS 1.1): user index (uint8; 0xFF = all users).
- 0x20 Response Code: request op code (uint8), response value (uint8: 1 success, 2 op code not
  supported, 3 invalid parameter, 4 operation failed, 5 user not authorized), then a response
  parameter only on success of: Register New User (the new user index, uint8), List All Users
  (number of users, uint8), Delete User(s) (the deleted user index, uint8).

The 0x04/0x05 layouts follow the GSS and agree with StanfordSpezi SpeziBluetooth's UDS codec.
Other op codes decode to :class:`UnknownRequest` with their parameter bytes kept, so a server
can answer "op code not supported". A consent code above 9999 is a DecodeError (a server
answers "invalid parameter"; the op code is the first byte).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final

from profiles import _bytes
from profiles._bytes import ByteString, Reader
from profiles._fields import is_known, member_or_int
from profiles.errors import DecodeError, EncodeError
from profiles.registry_types import Characteristic

SERVICE_UUID16: Final = 0x181C
UNKNOWN_USER: Final = 0xFF
ALL_USERS: Final = 0xFF
MAX_CONSENT_CODE: Final = 9999


@dataclass(frozen=True, slots=True)
class UserIndex:
    """User Index (0x2A9A): the index of the current user; 0xFF = unknown user."""

    index: int

    def __post_init__(self) -> None:
        _bytes.check_range(self.index, 0, 0xFF, "user index")

    @property
    def unknown(self) -> bool:
        return self.index == UNKNOWN_USER


def decode_user_index(data: ByteString) -> UserIndex:
    r = Reader(data, USER_INDEX.name)
    value = UserIndex(r.u8("user index"))
    r.end()
    return value


def encode_user_index(value: UserIndex) -> bytes:
    return _bytes.u8(value.index, "user index")


class UserControlPointOpCode(enum.IntEnum):
    REGISTER_NEW_USER = 0x01
    CONSENT = 0x02
    DELETE_USER_DATA = 0x03
    LIST_ALL_USERS = 0x04
    DELETE_USERS = 0x05
    RESPONSE_CODE = 0x20


class UserControlPointResponseValue(enum.IntEnum):
    SUCCESS = 0x01
    OP_CODE_NOT_SUPPORTED = 0x02
    INVALID_PARAMETER = 0x03
    OPERATION_FAILED = 0x04
    USER_NOT_AUTHORIZED = 0x05


def _check_consent(code: int) -> None:
    _bytes.check_range(code, 0, MAX_CONSENT_CODE, "consent code")


@dataclass(frozen=True, slots=True)
class UserControlPointValue:
    """Base of everything written to or indicated by the User Control Point."""


@dataclass(frozen=True, slots=True)
class UserControlPointRequest(UserControlPointValue):
    """Base of the requests a client writes."""


@dataclass(frozen=True, slots=True)
class RegisterNewUserRequest(UserControlPointRequest):
    consent_code: int

    def __post_init__(self) -> None:
        _check_consent(self.consent_code)


@dataclass(frozen=True, slots=True)
class ConsentRequest(UserControlPointRequest):
    user_index: int
    consent_code: int

    def __post_init__(self) -> None:
        _bytes.check_range(self.user_index, 0, 0xFF, "user index")
        _check_consent(self.consent_code)


@dataclass(frozen=True, slots=True)
class DeleteUserDataRequest(UserControlPointRequest):
    """Delete the data of the user that consented on this connection."""


@dataclass(frozen=True, slots=True)
class ListAllUsersRequest(UserControlPointRequest):
    """List All Users (UDS 1.1)."""


@dataclass(frozen=True, slots=True)
class DeleteUsersRequest(UserControlPointRequest):
    """Delete User(s) (UDS 1.1): one user, or all users with index 0xFF."""

    user_index: int

    def __post_init__(self) -> None:
        _bytes.check_range(self.user_index, 0, 0xFF, "user index")


@dataclass(frozen=True, slots=True)
class UnknownRequest(UserControlPointRequest):
    """A request with a reserved or unsupported op code, parameter bytes kept verbatim."""

    op_code: int
    parameter: bytes = b""

    def __post_init__(self) -> None:
        _bytes.check_range(self.op_code, 0, 0xFF, "op code")
        if is_known(UserControlPointOpCode, self.op_code):
            raise EncodeError(f"op code {self.op_code:#04x} is a known op code")
        object.__setattr__(self, "parameter", bytes(self.parameter))


_SUCCESS_USER_INDEX: Final = (
    UserControlPointOpCode.REGISTER_NEW_USER,
    UserControlPointOpCode.DELETE_USERS,
)


@dataclass(frozen=True, slots=True)
class UserControlPointResponse(UserControlPointValue):
    """Response Code (0x20) indication.

    ``user_index`` is present exactly on success of Register New User (the new index) and
    Delete User(s); ``number_of_users`` exactly on success of List All Users.
    """

    request_op_code: UserControlPointOpCode | int
    response_value: UserControlPointResponseValue | int
    user_index: int | None = None
    number_of_users: int | None = None

    def __post_init__(self) -> None:
        _bytes.check_range(int(self.request_op_code), 0, 0xFF, "request op code")
        _bytes.check_range(int(self.response_value), 0, 0xFF, "response value")
        object.__setattr__(
            self,
            "request_op_code",
            member_or_int(UserControlPointOpCode, int(self.request_op_code)),
        )
        object.__setattr__(
            self,
            "response_value",
            member_or_int(UserControlPointResponseValue, int(self.response_value)),
        )
        wants = _parameter_kind(int(self.request_op_code), int(self.response_value))
        if (self.user_index is not None) != (wants == "user index"):
            raise EncodeError(f"user index must {'' if wants == 'user index' else 'not '}be set")
        if (self.number_of_users is not None) != (wants == "number of users"):
            raise EncodeError(
                f"number of users must {'' if wants == 'number of users' else 'not '}be set"
            )
        if self.user_index is not None:
            _bytes.check_range(self.user_index, 0, 0xFF, "user index")
        if self.number_of_users is not None:
            _bytes.check_range(self.number_of_users, 0, 0xFF, "number of users")


def _parameter_kind(request: int, value: int) -> str | None:
    if value != UserControlPointResponseValue.SUCCESS:
        return None
    if request in _SUCCESS_USER_INDEX:
        return "user index"
    if request == UserControlPointOpCode.LIST_ALL_USERS:
        return "number of users"
    return None


def _read_consent(r: Reader) -> int:
    start = r.offset
    code = r.u16("consent code")
    if code > MAX_CONSENT_CODE:
        raise r.error(f"consent code {code} is out of range 0..{MAX_CONSENT_CODE}", start)
    return code


def decode_user_control_point(data: ByteString) -> UserControlPointValue:
    """Decode a request or a response, chosen by the op code."""
    r = Reader(data, USER_CONTROL_POINT.name)
    op = r.u8("op code")
    value: UserControlPointValue
    if op == UserControlPointOpCode.REGISTER_NEW_USER:
        value = RegisterNewUserRequest(_read_consent(r))
    elif op == UserControlPointOpCode.CONSENT:
        index = r.u8("user index")
        value = ConsentRequest(index, _read_consent(r))
    elif op == UserControlPointOpCode.DELETE_USER_DATA:
        value = DeleteUserDataRequest()
    elif op == UserControlPointOpCode.LIST_ALL_USERS:
        value = ListAllUsersRequest()
    elif op == UserControlPointOpCode.DELETE_USERS:
        value = DeleteUsersRequest(r.u8("user index"))
    elif op == UserControlPointOpCode.RESPONSE_CODE:
        request = r.u8("request op code")
        result = r.u8("response value")
        kind = _parameter_kind(request, result)
        user = r.u8("user index") if kind == "user index" else None
        count = r.u8("number of users") if kind == "number of users" else None
        value = UserControlPointResponse(
            member_or_int(UserControlPointOpCode, request),
            member_or_int(UserControlPointResponseValue, result),
            user,
            count,
        )
    else:
        value = UnknownRequest(op, r.rest())
    r.end()
    return value


def decode_user_control_point_request(data: ByteString) -> UserControlPointRequest:
    """Decode what a client wrote (server side); a response here is a DecodeError."""
    value = decode_user_control_point(data)
    if not isinstance(value, UserControlPointRequest):
        raise DecodeError(USER_CONTROL_POINT.name, 0, "a response, not a request")
    return value


def decode_user_control_point_response(data: ByteString) -> UserControlPointResponse:
    """Decode what a server indicated (client side); a request here is a DecodeError."""
    value = decode_user_control_point(data)
    if not isinstance(value, UserControlPointResponse):
        raise DecodeError(USER_CONTROL_POINT.name, 0, "a request, not a response")
    return value


def encode_user_control_point(value: UserControlPointValue) -> bytes:
    if isinstance(value, RegisterNewUserRequest):
        _check_consent(value.consent_code)
        return bytes((UserControlPointOpCode.REGISTER_NEW_USER,)) + _bytes.u16(
            value.consent_code, "consent code"
        )
    if isinstance(value, ConsentRequest):
        _check_consent(value.consent_code)
        return (
            bytes((UserControlPointOpCode.CONSENT,))
            + _bytes.u8(value.user_index, "user index")
            + _bytes.u16(value.consent_code, "consent code")
        )
    if isinstance(value, DeleteUserDataRequest):
        return bytes((UserControlPointOpCode.DELETE_USER_DATA,))
    if isinstance(value, ListAllUsersRequest):
        return bytes((UserControlPointOpCode.LIST_ALL_USERS,))
    if isinstance(value, DeleteUsersRequest):
        return bytes((UserControlPointOpCode.DELETE_USERS,)) + _bytes.u8(
            value.user_index, "user index"
        )
    if isinstance(value, UnknownRequest):
        return _bytes.u8(value.op_code, "op code") + bytes(value.parameter)
    if isinstance(value, UserControlPointResponse):
        out = bytes((UserControlPointOpCode.RESPONSE_CODE,))
        out += _bytes.u8(int(value.request_op_code), "request op code")
        out += _bytes.u8(int(value.response_value), "response value")
        if value.user_index is not None:
            out += _bytes.u8(value.user_index, "user index")
        if value.number_of_users is not None:
            out += _bytes.u8(value.number_of_users, "number of users")
        return out
    raise EncodeError(f"{type(value).__name__} is not a User Control Point request or response")


USER_INDEX = Characteristic(0x2A9A, "user-index", UserIndex, decode_user_index, encode_user_index)
USER_CONTROL_POINT = Characteristic(
    0x2A9F,
    "user-control-point",
    UserControlPointValue,
    decode_user_control_point,
    encode_user_control_point,
)
CHARACTERISTICS: Final = (USER_INDEX, USER_CONTROL_POINT)
