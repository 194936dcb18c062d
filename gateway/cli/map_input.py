"""Checking what ``phg map`` is given before anything is mapped: the ``--device-info`` JSON
(types of :class:`gateway.fhir.device_info.PhdDeviceInfo`'s keys), ``--patient`` / ``--user``
(a Patient logical id matches FHIR R4's id pattern, a user index is 0..254). Each problem is
a ``ValueError`` with one line for the user."""

from __future__ import annotations

import re
import sys
from typing import Any, Final

from gateway.fhir.patient import Patient, PatientId, PatientIdentifier

FHIR_ID: Final = re.compile(r"[A-Za-z0-9\-.]{1,64}")
"""FHIR R4 ``id``: what may follow ``Patient/`` in a reference."""
UNKNOWN_USER: Final = 0xFF
_TEXT_KEYS: Final = (
    "manufacturer",
    "model",
    "serial",
    "hardware_version",
    "software_version",
    "firmware_version",
    "continua_version",
    "system_id",
    "bluetooth_address",
)
_CODE_KEYS: Final = ("time_sync",)
_FLAG_KEYS: Final = ("regulated", "real_time_clock", "set_clock")


def json_kind(value: object) -> str:
    """The JSON name of ``value``'s type, for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "an array" if isinstance(value, list) else "an object"


def _is_code(value: object) -> bool:
    return (isinstance(value, str) and value.isdigit()) or (
        isinstance(value, int) and not isinstance(value, bool) and value >= 0
    )


def check_device_info(data: dict[str, Any]) -> None:
    """Raise ``ValueError`` naming the first key whose value has the wrong JSON type."""
    for key, value in data.items():
        if value is None:
            continue
        if key in _TEXT_KEYS and not isinstance(value, str):
            raise ValueError(f"{key} must be a string or null, not {json_kind(value)}")
        if key in _TEXT_KEYS and not value.strip():
            raise ValueError(f"{key} must not be empty (null when unknown)")
        if key in _FLAG_KEYS and not isinstance(value, bool):
            raise ValueError(f"{key} must be true, false or null, not {json_kind(value)}")
        if key in _CODE_KEYS and not _is_code(value):
            raise ValueError(f"{key} must be an MDC code (digits), not {json_kind(value)}")
        if key == "specializations" and not (
            isinstance(value, list) and all(_is_code(code) for code in value)
        ):
            raise ValueError("specializations must be an array of MDC codes (digits)")


def parse_patient(text: str) -> Patient:
    """``SYSTEM|VALUE`` (a PhdPatient created by identifier) or a logical id (``Patient/``
    prefix allowed) matching the FHIR id pattern."""
    system, bar, value = text.partition("|")
    if bar:
        if not system or not value:
            raise ValueError(f"patient {text!r}: expected SYSTEM|VALUE")
        if ":" not in system or any(c.isspace() for c in system):
            raise ValueError(f"patient {text!r}: SYSTEM must be a URI such as urn:oid:1.2.3")
        return PatientIdentifier(system, value)
    if not text:
        raise ValueError("empty patient id")
    logical_id = text.removeprefix("Patient/")
    if not FHIR_ID.fullmatch(logical_id):
        raise ValueError(
            f"patient {text!r}: a Patient logical id has 1 to 64 letters, digits, '-' or '.' "
            "(or give SYSTEM|VALUE)"
        )
    return PatientId(logical_id)


def parse_user(binding: str) -> tuple[int, Patient]:
    """``INDEX=PATIENT`` with a Bluetooth user index 0..254 (255 is 'unknown user')."""
    index, eq, who = binding.partition("=")
    if not eq or not index.strip().isdigit():
        raise ValueError(f"--user {binding!r}: expected INDEX=PATIENT")
    number = int(index)
    if not 0 <= number < UNKNOWN_USER:
        raise ValueError(f"--user {binding!r}: user index must be 0..254 (255 is 'unknown user')")
    return number, parse_patient(who)


def _stderr_logger(*_args: Any) -> Any:
    import structlog

    return structlog.PrintLogger(sys.stderr)  # the stream of the moment (tests swap it)


def _configure_stderr() -> None:
    import structlog

    structlog.configure(logger_factory=_stderr_logger)


def log_to_stderr() -> None:
    """Send structlog's output (e.g. a skipped reading's note) to standard error, keeping
    standard output for the JSON result (structlog itself is loaded only if something logs)."""
    from gateway.lazylog import when_loaded

    when_loaded(_configure_stderr)
