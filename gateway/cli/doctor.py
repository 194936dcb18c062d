"""``phg doctor``: check that this machine can run the gateway, each finding with a fix.

Checks, in order: the configuration (as ``phg run --check``), the D-Bus system bus, BlueZ
(``org.bluez``) on it, the adapters (configured ones present and powered, else any powered),
the FHIR server's CapabilityStatement (FHIR 4.0.x with ``transaction``, through the configured
TLS and authentication), and the clock's NTP synchronisation (``timedatectl``, else the
kernel's ``adjtimex`` state). Exit status: 0 nothing failed (warnings allowed), 1 a check
failed, 2 bad arguments.

The probes that touch the system are the fields of :class:`Probes`, so tests replace them.
"""

from __future__ import annotations

import argparse
import asyncio
import ctypes
import ctypes.util
import os
import shutil
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from dbus_fast import BusType, Message, MessageType
from dbus_fast.aio import MessageBus

from gateway.ble.adapters import adapters_in, managed_objects
from gateway.cli.command import Command, config_arg
from gateway.cli.parsing import config_path
from gateway.config import ConfigError, GatewayConfig, load_config
from gateway.daemon.server import fhir_client

OK: Final = "ok"
WARN: Final = "warn"
FAIL: Final = "FAIL"
TIME_ERROR: Final = 5  # adjtimex: the clock is not synchronised


@dataclass(frozen=True, slots=True)
class Finding:
    check: str
    status: str
    detail: str
    fix: str = ""


@dataclass(frozen=True, slots=True)
class AdapterInfo:
    name: str
    powered: bool


async def system_bus_adapters() -> list[AdapterInfo] | None:
    """Connect to the system bus (raises when it is unreachable); None when ``org.bluez`` is
    not on it, else BlueZ's adapters."""
    bus = await MessageBus(bus_type=BusType.SYSTEM).connect()
    try:
        owner = await bus.call(
            Message(
                destination="org.freedesktop.DBus",
                path="/org/freedesktop/DBus",
                interface="org.freedesktop.DBus",
                member="NameHasOwner",
                signature="s",
                body=["org.bluez"],
            )
        )
        if owner is None or owner.message_type == MessageType.ERROR or not owner.body[0]:
            return None
        reply = await bus.call(managed_objects())
    finally:
        bus.disconnect()
    if reply is None or reply.message_type == MessageType.ERROR:
        return None
    return [AdapterInfo(name, bool(powered)) for name, powered in adapters_in(reply.body[0])]


async def fhir_capability(config: GatewayConfig) -> str:
    """The FHIR version of the server's CapabilityStatement (raises when it does not fit, or
    when an empty transaction is answered by a redirect, 404/405 or not by FHIR)."""
    client = fhir_client(config.fhir)
    try:
        version = await client.check()
        await client.probe_transaction()
        return version
    finally:
        await client.aclose()


def clock_synchronised() -> bool | None:
    """True/False from ``timedatectl`` (systemd), else from ``adjtimex``; None: unknown."""
    timedatectl = shutil.which("timedatectl")
    if timedatectl is not None:
        try:
            out = subprocess.run(
                [timedatectl, "show", "--property=NTPSynchronized", "--value"],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            )
            if out.returncode == 0 and out.stdout.strip() in ("yes", "no"):
                return out.stdout.strip() == "yes"
        except (OSError, subprocess.TimeoutExpired):
            pass
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return None
    libc = ctypes.CDLL(libc_name, use_errno=True)
    timex = ctypes.create_string_buffer(512)  # struct timex, modes = 0: read only
    state = libc.adjtimex(timex)
    if state < 0:
        return None
    return bool(state != TIME_ERROR)


@dataclass(slots=True)
class Probes:
    bluez: Callable[[], Awaitable[list[AdapterInfo] | None]] = system_bus_adapters
    fhir: Callable[[GatewayConfig], Awaitable[str]] = fhir_capability
    clock: Callable[[], bool | None] = clock_synchronised
    load: Callable[[Path], GatewayConfig] = load_config


def _error(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


async def diagnose(config_path: Path, probes: Probes) -> list[Finding]:
    findings: list[Finding] = []
    config: GatewayConfig | None = None
    try:
        config = probes.load(config_path)
        findings.append(Finding("configuration", OK, f"{config_path} is valid"))
    except ConfigError as exc:
        findings.append(
            Finding(
                "configuration",
                FAIL,
                "; ".join(exc.problems),
                f"edit {config_path} (reference: docs/daemon.md, example: "
                "config/gateway.example.toml), then `phg run --check`",
            )
        )
    findings += await _bluetooth(config, probes)
    findings.append(await _fhir(config, probes))
    findings.append(_clock(probes))
    return findings


async def _bluetooth(config: GatewayConfig | None, probes: Probes) -> list[Finding]:
    address = os.environ.get("DBUS_SYSTEM_BUS_ADDRESS", "unix:path=/run/dbus/system_bus_socket")
    try:
        adapters = await asyncio.wait_for(probes.bluez(), 10)
    except Exception as exc:
        return [
            Finding(
                "D-Bus system bus",
                FAIL,
                f"cannot connect to {address}: {_error(exc)}",
                "start D-Bus: `sudo systemctl start dbus` (Debian: `sudo apt-get install dbus`)",
            ),
            Finding("BlueZ", FAIL, "not checked: no system bus"),
        ]
    findings = [Finding("D-Bus system bus", OK, f"reachable at {address}")]
    if adapters is None:
        findings.append(
            Finding(
                "BlueZ",
                FAIL,
                "org.bluez is not on the system bus (bluetoothd is not running)",
                "`sudo apt-get install bluez && sudo systemctl enable --now bluetooth`",
            )
        )
        return findings
    findings.append(Finding("BlueZ", OK, f"org.bluez present, {len(adapters)} adapter(s)"))
    findings.append(_adapters(config, adapters))
    return findings


def _adapters(config: GatewayConfig | None, adapters: list[AdapterInfo]) -> Finding:
    wanted = list(config.ble.adapters) if config is not None else []
    by_name = {a.name: a for a in adapters}
    if wanted:
        missing = [n for n in wanted if n not in by_name]
        off = [n for n in wanted if n in by_name and not by_name[n].powered]
        if missing or off:
            detail = "; ".join(
                ([f"not found: {', '.join(missing)}"] if missing else [])
                + ([f"powered off: {', '.join(off)}"] if off else [])
            )
            return Finding(
                "adapters",
                FAIL,
                detail,
                "plug the adapter in / check `bluetoothctl list`; power it on: "
                "`rfkill unblock bluetooth && bluetoothctl power on`; or fix ble.adapters",
            )
        return Finding("adapters", OK, f"{', '.join(wanted)} powered")
    powered = [a.name for a in adapters if a.powered]
    if not powered:
        return Finding(
            "adapters",
            FAIL,
            "no powered Bluetooth adapter" if adapters else "no Bluetooth adapter",
            "`rfkill unblock bluetooth && bluetoothctl power on` (or plug in a USB adapter)",
        )
    return Finding("adapters", OK, f"powered: {', '.join(powered)}")


async def _fhir(config: GatewayConfig | None, probes: Probes) -> Finding:
    if config is None:
        return Finding("FHIR server", FAIL, "not checked: the configuration is invalid")
    url = config.fhir.base_url
    try:
        version = await probes.fhir(config)
    except Exception as exc:
        return Finding(
            "FHIR server",
            FAIL,
            f"{url}/metadata: {_error(exc)}",
            "check fhir.base_url, the network, TLS (fhir.ca_file) and [fhir.auth]; the server "
            "must be FHIR R4 (4.0.x) and accept transaction Bundles",
        )
    return Finding("FHIR server", OK, f"{url}: FHIR {version} with transaction")


def _clock(probes: Probes) -> Finding:
    synced = probes.clock()
    fix = (
        "enable NTP: `sudo timedatectl set-ntp true` (systemd-timesyncd, "
        "or install chrony); readings are placed in time by this clock"
    )
    if synced is None:
        return Finding("clock", WARN, "synchronisation state unknown", fix)
    if not synced:
        return Finding("clock", WARN, "the system clock is not NTP-synchronised", fix)
    return Finding("clock", OK, "NTP-synchronised")


def report(findings: list[Finding]) -> int:
    for f in findings:
        print(f"[{f.status:>4}] {f.check}: {f.detail}")
        if f.fix and f.status != OK:
            print(f"       fix: {f.fix}")
    failed = sum(1 for f in findings if f.status == FAIL)
    warned = sum(1 for f in findings if f.status == WARN)
    print(f"{failed} failed, {warned} warning(s), {len(findings) - failed - warned} ok")
    return 1 if failed else 0


def run(args: argparse.Namespace, probes: Probes | None = None) -> int:
    findings = asyncio.run(diagnose(Path(config_path(args.config)), probes or Probes()))
    sys.stdout.flush()
    return report(findings)


COMMAND: Final = Command(
    "doctor",
    help="check D-Bus, BlueZ, adapters, the FHIR server, the configuration and the clock",
    description="Check that this machine can run the gateway; each problem with its fix.",
    run=run,
    args=(config_arg(),),
)
