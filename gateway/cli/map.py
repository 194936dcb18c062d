r"""``phg map``: decode one characteristic value and print the PHD IG transaction Bundle.

``--device-info FILE`` is a JSON object describing the PHD; its format is documented in
:mod:`gateway.fhir.device_info` (manufacturer, model, serial, hardware/software/firmware
versions, ``system_id`` as the DIS value received, ``bluetooth_address``, ``regulated``, clock
facts, ``specializations``). Without it, the placeholder address 00-00-00-00-00-00 identifies
the PHD (a note is printed on standard error).

``--patient`` is a Patient logical id (``Patient/<ID>`` is referenced, nothing is created; the
id matches FHIR's ``[A-Za-z0-9\-.]{1,64}``) or ``SYSTEM|VALUE`` (a PhdPatient with that MR
identifier is created conditionally). Readings with a Bluetooth user index are attributed only
through ``--user INDEX=PATIENT`` (index 0..254); otherwise they are held back (exit status 3,
nothing printed on standard output). Standard output carries the Bundle only; notes and errors
go to standard error. Exit status 2 for bad input (one line on standard error).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gateway import exact_json
from gateway.cli.command import INDENT, Command, arg
from gateway.cli.map_input import check_device_info, log_to_stderr, parse_patient, parse_user
from gateway.fhir.connection import ConnectionMapper, HeldBack, Mapped, Skipped
from gateway.fhir.device_info import PhdDeviceInfo
from gateway.fhir.patient import Patient, PatientBinding
from gateway.fhir.phg_device import PhgConfig
from gateway.fhir.registry import UnmappedMeasurementError
from gateway.fhir.timeline import DeviceClock, Discarded, WallClockStamp
from gateway.measurement_json import lookup_characteristic
from profiles.capture_log import parse_hex
from profiles.errors import DecodeError
from profiles.ghs.health_observations import (
    LiveHealthObservationSegment,
    StoredHealthObservationSegment,
)
from profiles.registry import UnknownCharacteristicError

EXIT_BAD_INPUT = 2
EXIT_NOT_MAPPED = 3
PLACEHOLDER_ADDRESS = bytes(6)


def _parse_time(text: str, what: str, aware: bool) -> dt.datetime:
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what}: not an ISO 8601 time: {text!r}") from None
    if aware and value.utcoffset() is None:
        raise ValueError(f"{what}: needs a UTC offset: {text!r}")
    if not aware and value.utcoffset() is not None:
        raise ValueError(f"{what}: the PHD clock is local, give no offset: {text!r}")
    return value


def _device_info(path: Path | None) -> PhdDeviceInfo:
    if path is None:
        print(
            "phg map: no --device-info; the PHD is identified by the placeholder address "
            "00-00-00-00-00-00",
            file=sys.stderr,
        )
        return PhdDeviceInfo(bluetooth_address=PLACEHOLDER_ADDRESS)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ValueError(f"--device-info {path}: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError(f"--device-info {path}: expected a JSON object")
    try:
        check_device_info(data)
        return PhdDeviceInfo.from_json(data)
    except ValueError as exc:
        raise ValueError(f"--device-info {path}: {exc}") from None


def build_mapper(args: argparse.Namespace, received_at: dt.datetime) -> ConnectionMapper:
    try:
        zone = ZoneInfo(args.zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {args.zone!r}") from None
    users: dict[int, Patient] = {}
    for binding in args.user:
        index, patient = parse_user(binding)
        users[index] = patient
    default = parse_patient(args.patient) if args.patient is not None else None
    clock = None
    if args.device_clock is not None:
        device_now = _parse_time(args.device_clock, "--device-clock", aware=False)
        clock = DeviceClock(read_at=received_at, device_now=WallClockStamp(device_now))
    phg = (
        PhgConfig(parse_hex(args.phg_system_id))
        if args.phg_system_id is not None
        else PhgConfig.from_host()
    )
    return ConnectionMapper(
        phg=phg,
        phd=_device_info(args.device_info),
        patients=PatientBinding(default, users),
        zone=zone,
        clock=clock,
    )


def run(args: argparse.Namespace) -> int:
    log_to_stderr()
    try:
        characteristic = lookup_characteristic(args.characteristic)
        data = parse_hex(" ".join(args.hex))
        received_at = (
            _parse_time(args.received_at, "--received-at", aware=True)
            if args.received_at is not None
            else dt.datetime.now(dt.UTC)
        )
        mapper = build_mapper(args, received_at)
        measurement = characteristic.decode(data)
        if isinstance(measurement, LiveHealthObservationSegment | StoredHealthObservationSegment):
            measurement = measurement.content  # a whole GHS observation (else: unmapped bytes)
        result = mapper.map(measurement, received_at)
    except (DecodeError, UnknownCharacteristicError, UnmappedMeasurementError, ValueError) as exc:
        message = exc.args[0] if isinstance(exc, LookupError) and exc.args else exc
        print(f"phg map: {message}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if isinstance(result, HeldBack):
        print(f"phg map: held back: {result.reason}", file=sys.stderr)
        return EXIT_NOT_MAPPED
    if isinstance(result, Discarded | Skipped):
        print(f"phg map: not mapped: {result.reason}", file=sys.stderr)
        return EXIT_NOT_MAPPED
    assert isinstance(result, Mapped)
    sys.stdout.write(exact_json.dumps(mapper.bundle([result]), indent=args.indent) + "\n")
    return 0


COMMAND: Final = Command(
    "map",
    help="map a Bluetooth characteristic value to a FHIR transaction Bundle",
    description=(
        "Decode CHARACTERISTIC's value HEX (as `phg decode` does) and print the PHD IG 2.0.0 "
        "transaction Bundle (Patient, PhgDevice, PhdDevice, coincident time stamp, "
        "Observations) as JSON."
    ),
    run=run,
    args=(
        arg("characteristic", help="UUID (2A35) or name"),
        arg("hex", nargs="+", help="the value as hex (spaces, ':' and '-' allowed)"),
        arg("--device-info", type=Path, help="JSON file describing the PHD"),
        arg("--patient", help="Patient logical id, or SYSTEM|VALUE to create one"),
        arg(
            "--user",
            action="append",
            default=[],
            metavar="INDEX=PATIENT",
            help="bind a Bluetooth user index to a patient (same forms as --patient)",
        ),
        arg("--received-at", help="reception time, ISO 8601 with offset (default: now)"),
        arg(
            "--device-clock",
            help="the PHD's clock (local, no offset) read at --received-at; omitted: time fault",
        ),
        arg("--zone", default="UTC", help="the gateway's IANA time zone (UTC)"),
        arg("--phg-system-id", help="the gateway's EUI-64 (default: derived from this host)"),
        INDENT,
    ),
)
