"""A simulated shared weight scale: Weight Scale (0x181D), Body Composition (0x181B) and User
Data (0x181C) Services, plus Device Information, Battery and Current Time.

- Weight Measurement (0x2A9D, indicate) with time stamp, user id, BMI and height; Weight Scale
  Feature (0x2A9E, read): time stamp, multiple users, BMI, 0.05 kg / 0.001 m resolution.
- Body Composition Measurement (0x2A9C, indicate), cut into packets of ``--packet-size`` bytes
  (ATT_MTU-3, 20 by default, so a full measurement takes two packets: BCS multiple-packet mode)
  with :func:`profiles.body_composition.encode_body_composition_packets`; Body Composition
  Feature (0x2A9B, read).
- User Data Service: User Index (0x2A9A, read: the user that consented on this connection,
  0xFF before), User Control Point (0x2A9F, write + indicate): Register New User, Consent,
  Delete User Data; anything else is answered "op code not supported", an undecodable request
  "invalid parameter", a wrong consent code or unknown user "user not authorized". Database
  Change Increment (0x2A99, read) counts registrations and deletions.

``--users N`` users are registered at start (indexes 0..N-1, consent code ``1000 + index``);
stored records go round the users, each carrying its user's index, BMI and height. When the
central subscribes to a measurement characteristic the scale sends its stored records of that
kind, each after the previous one was confirmed. With ``--require-consent`` it sends only the
records of the user that consented on this connection, after the consent (what UDS-aware scales
do); by default it sends every user's records, as a gateway that does not speak UDS needs.

    python -m simulators.weight_scale --adapter hci1 --users 2 --records 4 --seed 7
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from profiles import body_composition as bc
from profiles import user_data as uds
from profiles import weight_scale as ws
from profiles.date_time import DateTime
from profiles.errors import DecodeError
from simulators import bluez
from simulators.base import DeviceSimulator, Event, main
from simulators.options import option
from simulators.peripheral import INDICATE, READ, WRITE, Characteristic, GattError, Service

RECORD_INTERVAL = dt.timedelta(hours=24)
MAX_USERS = 8
DATABASE_CHANGE_INCREMENT_UUID16 = 0x2A99
ERROR_CCCD_IMPROPERLY_CONFIGURED = "org.bluez.Error.CCCDImproperlyConfigured"

WEIGHT_FEATURE = ws.WeightScaleFeature(
    ws.WeightScaleFeatureFlag.TIME_STAMP
    | ws.WeightScaleFeatureFlag.MULTIPLE_USERS
    | ws.WeightScaleFeatureFlag.BMI,
    ws.MassResolution.KG_0_05_OR_LB_0_1,
    ws.HeightResolution.M_0_001_OR_IN_0_1,
)
BODY_COMPOSITION_FEATURE = bc.BodyCompositionFeature(
    bc.BodyCompositionFeatureFlag(0x07FF),  # every optional field
    ws.MassResolution.KG_0_05_OR_LB_0_1,
    ws.HeightResolution.M_0_001_OR_IN_0_1,
)
_KG = Decimal("0.05")
_TENTH = Decimal("0.1")


@dataclass
class User:
    index: int
    consent_code: int
    height_m: Decimal
    weight_kg: Decimal


@dataclass(frozen=True)
class Record:
    """One weighing: the weight measurement and the body composition taken with it."""

    weight: ws.WeightMeasurement
    composition: bc.BodyCompositionMeasurement

    @property
    def user_id(self) -> int | None:
        return self.weight.user_id


def make_user(rng: random.Random, index: int, consent_code: int | None = None) -> User:
    return User(
        index=index,
        consent_code=1000 + index if consent_code is None else consent_code,
        height_m=Decimal(rng.randint(1500, 1950)) / 1000,
        weight_kg=Decimal(rng.randint(1000, 2000)) * _KG,  # 50-100 kg
    )


def make_users(rng: random.Random, count: int) -> list[User]:
    return [make_user(rng, i) for i in range(count)]


def _steps(value: Decimal, step: Decimal) -> Decimal:
    return (value / step).to_integral_value() * step


def make_record(rng: random.Random, user: User, taken: dt.datetime) -> Record:
    weight = user.weight_kg + rng.randint(-40, 40) * _KG
    bmi = _steps(weight / (user.height_m * user.height_m), _TENTH)
    fat = Decimal(rng.randint(120, 350)) * _TENTH
    water = _steps(weight * Decimal("0.55"), _KG)
    fat_mass = _steps(weight * fat / 100, _KG)
    stamp = DateTime.from_datetime(taken)
    return Record(
        ws.WeightMeasurement(
            weight=weight,
            timestamp=stamp,
            user_id=user.index,
            bmi=bmi,
            height=user.height_m,
        ),
        bc.BodyCompositionMeasurement(
            body_fat_percentage=fat,
            timestamp=stamp,
            user_id=user.index,
            basal_metabolism=rng.randint(5000, 9000),  # kJ
            muscle_percentage=Decimal(rng.randint(300, 500)) * _TENTH,
            muscle_mass=_steps(weight * Decimal("0.4"), _KG),
            fat_free_mass=weight - fat_mass,
            soft_lean_mass=_steps((weight - fat_mass) * Decimal("0.9"), _KG),
            body_water_mass=water,
            impedance=Decimal(rng.randint(3000, 7000)) * _TENTH,
            weight=weight,
            height=user.height_m,
        ),
    )


def generate_records(
    rng: random.Random, users: Sequence[User], count: int, newest: dt.datetime
) -> list[Record]:
    """``count`` weighings, oldest first, going round ``users``; the newest at ``newest``."""
    if not users:
        return []
    return [
        make_record(rng, users[i % len(users)], newest - (count - 1 - i) * RECORD_INTERVAL)
        for i in range(count)
    ]


class UserDatabase:
    """The scale's registered users and the user that consented on the current connection."""

    def __init__(self, users: Sequence[User], rng: random.Random) -> None:
        self.users = {u.index: u for u in users}
        self.rng = rng
        self.current: int | None = None
        self.change_increment = 0

    def handle(self, request: uds.UserControlPointRequest) -> uds.UserControlPointResponse:
        op = uds.UserControlPointOpCode
        ok = uds.UserControlPointResponseValue.SUCCESS
        if isinstance(request, uds.RegisterNewUserRequest):
            free = [i for i in range(MAX_USERS) if i not in self.users]
            if not free:
                return self._fail(op.REGISTER_NEW_USER, "OPERATION_FAILED")
            index = free[0]
            self.users[index] = make_user(self.rng, index, request.consent_code)
            self.change_increment += 1
            return uds.UserControlPointResponse(op.REGISTER_NEW_USER, ok, user_index=index)
        if isinstance(request, uds.ConsentRequest):
            user = self.users.get(request.user_index)
            if user is None or user.consent_code != request.consent_code:
                return self._fail(op.CONSENT, "USER_NOT_AUTHORIZED")
            self.current = user.index
            return uds.UserControlPointResponse(op.CONSENT, ok)
        if isinstance(request, uds.DeleteUserDataRequest):
            if self.current is None:
                return self._fail(op.DELETE_USER_DATA, "USER_NOT_AUTHORIZED")
            del self.users[self.current]
            self.current = None
            self.change_increment += 1
            return uds.UserControlPointResponse(op.DELETE_USER_DATA, ok)
        code = request.op_code if isinstance(request, uds.UnknownRequest) else _op_of(request)
        return self._fail(code, "OP_CODE_NOT_SUPPORTED")

    @staticmethod
    def _fail(request_op: int, value: str) -> uds.UserControlPointResponse:
        return uds.UserControlPointResponse(request_op, uds.UserControlPointResponseValue[value])


def _op_of(request: uds.UserControlPointRequest) -> int:
    if isinstance(request, uds.ListAllUsersRequest):
        return uds.UserControlPointOpCode.LIST_ALL_USERS
    return uds.UserControlPointOpCode.DELETE_USERS


@dataclass(frozen=True)
class WeightScaleOptions:
    users: int = option(2, f"registered users at start (at most {MAX_USERS})")
    packet_size: int = option(
        bc.MIN_PAYLOAD_SIZE,
        "body composition bytes per indication, ATT_MTU-3 (20: two packets per record)",
    )
    require_consent: bool = option(
        False, "send only the consented user's records, after a UDS Consent on this connection"
    )
    body_composition: bool = option(True, "no Body Composition Service")

    def __post_init__(self) -> None:
        if not 0 <= self.users <= MAX_USERS:
            raise ValueError(f"--users must be 0..{MAX_USERS}")
        if self.packet_size < bc.MIN_PAYLOAD_SIZE:
            raise ValueError(f"--packet-size must be at least {bc.MIN_PAYLOAD_SIZE}")


class WeightScaleSimulator(DeviceSimulator):
    default_name: ClassVar[str] = "PHG-SCALE"
    options_type: ClassVar[type[Any]] = WeightScaleOptions
    fault_flags: ClassVar[bool] = True
    model: ClassVar[str] = "WS-SIM-1"
    appearance: ClassVar[int] = 0x0C80  # Generic Weight Scale

    WEIGHT = ws.WEIGHT_MEASUREMENT.uuid
    COMPOSITION = bc.BODY_COMPOSITION_MEASUREMENT.uuid
    USER_INDEX = uds.USER_INDEX.uuid
    CONTROL_POINT = uds.USER_CONTROL_POINT.uuid

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        own = self.device_options(WeightScaleOptions)
        users = make_users(self.rng, own.users)
        self.database = UserDatabase(users, self.rng)
        self.records = generate_records(self.rng, users, self.options.records, self.clock.now())
        self.packet_size = own.packet_size
        self.require_consent = own.require_consent
        self.body_composition = own.body_composition
        # Records not yet delivered, per characteristic (each kind has its own transfer).
        self.pending: dict[str, list[Record]] = {self.WEIGHT: list(self.records)}
        if self.body_composition:
            self.pending[self.COMPOSITION] = list(self.records)
        self._transfers: dict[str, asyncio.Task[None] | None] = {}
        self._idle = {uuid: asyncio.Event() for uuid in self.pending}

    # -- services ------------------------------------------------------------------------------

    def device_services(self) -> list[Service]:
        services = [
            Service(
                bluez.uuid16(ws.SERVICE_UUID16),
                [
                    Characteristic(
                        self.WEIGHT, [INDICATE], on_subscribe=self._subscriber(self.WEIGHT)
                    ),
                    Characteristic(
                        ws.WEIGHT_SCALE_FEATURE.uuid,
                        [READ],
                        ws.encode_weight_scale_feature(WEIGHT_FEATURE),
                    ),
                ],
            )
        ]
        if self.body_composition:
            services.append(
                Service(
                    bluez.uuid16(bc.SERVICE_UUID16),
                    [
                        Characteristic(
                            self.COMPOSITION,
                            [INDICATE],
                            on_subscribe=self._subscriber(self.COMPOSITION),
                        ),
                        Characteristic(
                            bc.BODY_COMPOSITION_FEATURE.uuid,
                            [READ],
                            bc.encode_body_composition_feature(BODY_COMPOSITION_FEATURE),
                        ),
                    ],
                )
            )
        services.append(
            Service(
                bluez.uuid16(uds.SERVICE_UUID16),
                [
                    Characteristic(
                        bluez.uuid16(DATABASE_CHANGE_INCREMENT_UUID16),
                        [READ],
                        on_read=lambda: self.database.change_increment.to_bytes(4, "little"),
                    ),
                    Characteristic(self.USER_INDEX, [READ], on_read=self._read_user_index),
                    Characteristic(
                        self.CONTROL_POINT,
                        [WRITE, INDICATE],
                        on_write=self._on_control_point,
                        on_subscribe=self._on_control_point_subscribe,
                    ),
                ],
            )
        )
        return services

    def ready_details(self) -> Event:
        return {
            "records": [ws.encode_weight_measurement(r.weight).hex() for r in self.records],
            "user_ids": [r.user_id for r in self.records],
            "composition_packets": [
                [
                    p.hex()
                    for p in bc.encode_body_composition_packets(r.composition, self.packet_size)
                ]
                for r in self.records
            ]
            if self.body_composition
            else [],
            "users": [
                {"index": u.index, "consent_code": u.consent_code}
                for u in self.database.users.values()
            ],
            "weight_feature": ws.encode_weight_scale_feature(WEIGHT_FEATURE).hex(),
            "composition_feature": bc.encode_body_composition_feature(
                BODY_COMPOSITION_FEATURE
            ).hex(),
        }

    # -- user data ----------------------------------------------------------------------------

    def _read_user_index(self) -> bytes:
        current = self.database.current
        return uds.encode_user_index(
            uds.UserIndex(uds.UNKNOWN_USER if current is None else current)
        )

    def _on_control_point_subscribe(self, subscribed: bool) -> None:
        self.on_subscribe(self.CONTROL_POINT)(subscribed)
        if not subscribed:
            self.database.current = None  # consent lasts one connection

    def _on_control_point(self, value: bytes) -> None:
        assert self.peripheral is not None
        if not self.peripheral.is_subscribed(self.CONTROL_POINT):
            raise GattError(ERROR_CCCD_IMPROPERLY_CONFIGURED, "indications not enabled")
        try:
            request = uds.decode_user_control_point_request(value)
        except DecodeError as e:
            if not value:
                raise GattError(bluez.ERROR_INVALID_VALUE_LENGTH, str(e)) from e
            response = uds.UserControlPointResponse(
                value[0], uds.UserControlPointResponseValue.INVALID_PARAMETER
            )
        else:
            response = self.database.handle(request)
        self.emit(
            {
                "event": "user-control-point",
                "request": value.hex(),
                "response": uds.encode_user_control_point(response).hex(),
            }
        )
        # The response is indicated after the write was acknowledged.
        self.spawn(self._respond(response))

    async def _respond(self, response: uds.UserControlPointResponse) -> None:
        await asyncio.sleep(0)
        await self.send(self.CONTROL_POINT, uds.encode_user_control_point(response))
        consented = (
            response.request_op_code == uds.UserControlPointOpCode.CONSENT
            and response.response_value == uds.UserControlPointResponseValue.SUCCESS
        )
        if consented and self.require_consent:
            for uuid in self.pending:
                self._start_transfer(uuid)

    # -- records ------------------------------------------------------------------------------

    def _subscriber(self, uuid: str) -> Callable[[bool], None]:
        report = self.on_subscribe(uuid)

        def handler(subscribed: bool) -> None:
            report(subscribed)
            if subscribed and (not self.require_consent or self.database.current is not None):
                self._start_transfer(uuid)

        return handler

    def _start_transfer(self, uuid: str) -> None:
        assert self.peripheral is not None
        running = self._transfers.get(uuid)
        if (running is not None and not running.done()) or not self.peripheral.is_subscribed(uuid):
            return
        self._idle[uuid].clear()
        self.spawn(self._transfer(uuid))

    def _eligible(self, record: Record) -> bool:
        return not self.require_consent or record.user_id == self.database.current

    def _encode(self, uuid: str, record: Record) -> tuple[bytes, ...]:
        if uuid == self.WEIGHT:
            return (ws.encode_weight_measurement(record.weight),)
        return bc.encode_body_composition_packets(record.composition, self.packet_size)

    async def _transfer(self, uuid: str) -> None:
        task = asyncio.current_task()
        self._transfers[uuid] = task
        pending = self.pending[uuid]
        done: list[Record] = []
        try:
            if pending:
                await self.send_malformed(uuid, self._encode(uuid, pending[0])[0])
            for record in list(pending):
                if not self._eligible(record):
                    continue
                for packet in self._encode(uuid, record):
                    await self.send(uuid, packet)
                done.append(record)
        except (ConnectionError, TimeoutError) as e:
            self.emit({"event": "transfer-aborted", "uuid": uuid, "error": repr(e)})
            return
        finally:
            if not self.options.keep_records:
                pending[:] = [r for r in pending if r not in done]
            self._idle[uuid].set()
        self.emit({"event": "transfer-complete", "uuid": uuid, "count": len(done)})
        if uuid == self.WEIGHT:
            other = self._transfers.get(self.COMPOSITION)
            if other is not None and not other.done():
                await self._idle[self.COMPOSITION].wait()
            await self.disconnect_after_transfer()


def run(argv: Sequence[str] | None = None) -> int:
    return main(WeightScaleSimulator, argv)


if __name__ == "__main__":
    sys.exit(run())
