"""``phg scan``: list nearby Bluetooth LE health devices (address, name, services, RSSI)."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any, Final

from gateway.ble.adapters import list_adapters
from gateway.ble.allowlist import Advertisement, Allowlist
from gateway.ble.scanner import HealthScanner
from gateway.ble.uuids import HEALTH_SERVICES
from gateway.cli.command import Command, arg
from profiles.registry import device_types


def _row(adv: Advertisement) -> dict[str, Any]:
    return {
        "address": adv.address,
        "name": adv.name,
        "services": [HEALTH_SERVICES[u] for u in adv.health_services],
        "rssi": adv.rssi,
        "adapter": adv.adapter,
    }


async def scan(adapters: list[str] | None, timeout: float) -> list[Advertisement]:
    if not adapters:
        adapters = await list_adapters() or ["hci0"]
    scanner = HealthScanner(adapters, Allowlist(), watchdog_timeout=0)
    async with scanner:
        await asyncio.sleep(timeout)
    return scanner.seen()


def run(args: argparse.Namespace) -> int:
    try:
        found = asyncio.run(scan(args.adapter, args.timeout))
    except Exception as exc:  # no BlueZ, no adapter, D-Bus refused: a clear message
        print(f"phg scan: {exc}", file=sys.stderr)
        return 1
    rows = [_row(a) for a in found]
    if args.json:
        for row in rows:
            print(json.dumps(row))
        return 0
    if not rows:
        print("no health devices found", file=sys.stderr)
        return 0
    print(f"{'ADDRESS':17}  {'RSSI':>4}  {'ADAPTER':7}  {'NAME':20}  SERVICES")
    for row in rows:
        rssi = "" if row["rssi"] is None else str(row["rssi"])
        print(
            f"{row['address']:17}  {rssi:>4}  {row['adapter']:7}  {row['name'] or '':20}  "
            + ",".join(row["services"])
        )
    return 0


COMMAND: Final = Command(
    "scan",
    help="list nearby Bluetooth LE health devices",
    description=(
        "Scan for devices advertising a health service ("
        + ", ".join(f"{t.title}: {t.name}" for t in device_types())
        + ") and list them. Nothing is connected."
    ),
    run=run,
    args=(
        arg(
            "--adapter",
            action="append",
            metavar="hciN",
            help="adapter to scan on (repeatable; default: every powered adapter)",
        ),
        arg("--timeout", type=float, default=5.0, help="seconds to scan (5)"),
        arg("--json", action="store_true", help="one JSON object per device"),
    ),
)
