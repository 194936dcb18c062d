"""Connect and GATT failures sorted by kind (gateway.ble.link.error_kind) from the errors bleak
and BlueZ give, so the session's retry policy can tell them apart."""

from __future__ import annotations

import asyncio
from typing import Any

import bleak_retry_connector
import pytest
from bleak.backends.device import BLEDevice
from bleak.exc import BleakDBusError, BleakDeviceNotFoundError, BleakError, BleakGATTProtocolError

from gateway.ble.link import (
    BleakConnector,
    LinkAbortedError,
    LinkAuthError,
    LinkError,
    LinkNotFoundError,
    LinkOutOfSlotsError,
    Sighting,
    error_kind,
    link_error,
)


def bluez(name: str, message: str) -> BleakDBusError:
    """A D-Bus error as bleak raises it from BlueZ."""
    return BleakDBusError(name, [message])


FAILED = "org.bluez.Error.Failed"

CASES: list[tuple[str, BaseException, type[LinkError]]] = [
    ("abort by local", bluez(FAILED, "le-connection-abort-by-local"), LinkAbortedError),
    ("abort by remote", bluez(FAILED, "le-connection-abort-by-remote"), LinkAbortedError),
    ("BR/EDR canceled", bluez(FAILED, "br-connection-canceled"), LinkAbortedError),
    ("not connected", bluez(FAILED, "Not connected"), LinkAbortedError),
    ("NotConnected", bluez("org.bluez.Error.NotConnected", "Not Connected"), LinkAbortedError),
    ("bleak not connected", BleakError("Not connected"), LinkAbortedError),
    (
        "connection limit",
        bluez(FAILED, "le-connection-concurrent-connection-limit"),
        LinkOutOfSlotsError,
    ),
    (
        "proxy without slot",
        BleakError("No backend with an available connection slot that can reach address"),
        LinkOutOfSlotsError,
    ),
    (
        "device removed",
        bluez(
            "org.freedesktop.DBus.Error.UnknownObject",
            'Method "Connect" with signature "" on interface "org.bluez.Device1" doesn\'t exist',
        ),
        LinkNotFoundError,
    ),
    ("does not exist", bluez("org.bluez.Error.DoesNotExist", "Does Not Exist"), LinkNotFoundError),
    ("connect timeout", bluez(FAILED, "le-connection-timeout"), LinkNotFoundError),
    (
        "bleak not found",
        BleakDeviceNotFoundError("AA:BB:CC:DD:EE:01", "Device with address was not found."),
        LinkNotFoundError,
    ),
    (
        "authentication failed",
        bluez("org.bluez.Error.AuthenticationFailed", "Authentication Failed"),
        LinkAuthError,
    ),
    (
        "authentication canceled",
        bluez("org.bluez.Error.AuthenticationCanceled", "Authentication Canceled"),
        LinkAuthError,
    ),
    ("not paired", bluez("org.bluez.Error.NotPermitted", "Not paired"), LinkAuthError),
    ("key missing", bluez(FAILED, "le-connection-key-missing"), LinkAuthError),
    ("insufficient authentication", BleakGATTProtocolError(0x05), LinkAuthError),
    ("insufficient encryption", BleakGATTProtocolError(0x0F), LinkAuthError),
    ("in progress", bluez("org.bluez.Error.InProgress", "In Progress"), LinkError),
    ("unlikely error, unpaired", BleakGATTProtocolError(0x0E), LinkAuthError),
    ("other ATT error", BleakGATTProtocolError(0x0A), LinkError),
    ("unknown", BleakError("something else"), LinkError),
    ("no such characteristic", BleakError("Characteristic 0x2A52 was not found!"), LinkError),
    ("BlueZ forgot it", BleakError("device 'dev_AA_BB_CC_DD_EE_01' not found"), LinkNotFoundError),
]


@pytest.mark.parametrize(("exc", "kind"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bluez_errors_are_sorted_by_kind(exc: BaseException, kind: type[LinkError]) -> None:
    assert error_kind(exc) is kind


def test_an_unlikely_error_on_a_paired_link_is_no_pairing_failure() -> None:
    assert error_kind(BleakGATTProtocolError(0x0E), paired=True) is LinkError


def _raised_from(cause: BaseException, wrapper: BleakError) -> BleakError:
    wrapper.__cause__ = cause
    return wrapper


def test_the_kind_is_found_in_the_errors_an_error_was_raised_from() -> None:
    wrapped = _raised_from(bluez(FAILED, "le-connection-abort-by-local"), BleakError("failed"))
    assert error_kind(wrapped) is LinkAbortedError
    assert error_kind(RuntimeError("failed").with_traceback(None)) is LinkError


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (
            _raised_from(
                TimeoutError(),
                bleak_retry_connector.BleakNotFoundError(
                    "M - AA: Failed to connect after 3 attempt(s): TimeoutError"
                ),
            ),
            LinkNotFoundError,
        ),
        (
            bleak_retry_connector.BleakOutOfConnectionSlotsError("M - AA: no slot"),
            LinkOutOfSlotsError,
        ),
        (bleak_retry_connector.BleakAbortedError("M - AA: Interference/range"), LinkAbortedError),
        (bleak_retry_connector.BleakConnectionError("M - AA: Failed to connect"), LinkError),
    ],
    ids=["not found", "out of slots", "aborted", "connection error"],
)
def test_bleak_retry_connector_failures_keep_their_kind(
    exc: BaseException, kind: type[LinkError]
) -> None:
    assert error_kind(exc) is kind


def test_a_link_error_says_the_message_given() -> None:
    error = link_error("write 0x2A52: boom", bluez(FAILED, "Not connected"))
    assert isinstance(error, LinkAbortedError)
    assert str(error) == "write 0x2A52: boom"


def test_the_connector_raises_a_connect_failure_by_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    cause = bluez(FAILED, "le-connection-concurrent-connection-limit")

    async def establish_connection(*args: Any, **kwargs: Any) -> Any:
        raise bleak_retry_connector.BleakConnectionError("M - AA: Failed to connect") from cause

    monkeypatch.setattr(bleak_retry_connector, "establish_connection", establish_connection)
    device = BLEDevice("AA:BB:CC:DD:EE:01", "M", None)
    sighting = Sighting("AA:BB:CC:DD:EE:01", "M", "hci0", -50, 0.0, device=device)
    with pytest.raises(LinkOutOfSlotsError, match=r"^M - AA: Failed to connect$") as raised:
        asyncio.run(BleakConnector().connect(sighting, lambda: None))
    assert raised.value.__cause__ is not None
