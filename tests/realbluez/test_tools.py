"""What the radio side reports on real BlueZ: RSSI, the negotiated ATT MTU, ``phg scan`` and
``phg doctor`` (run in this process: a Python start is slow under emulation)."""

from __future__ import annotations

import asyncio
import contextlib
import io
from pathlib import Path

from dbus_fast.errors import DBusError

from gateway import cli
from gateway.ble.allowlist import Allowlist
from gateway.ble.scanner import HealthScanner
from simulators.glucose import GlucoseMeterSimulator
from tests.realbluez.stack import (
    GATEWAY,
    Device,
    Gateway,
    dump,
    forget_all,
    system_bus,
    until,
)

BLEAK_NO_RSSI = -127  # what bleak reports when BlueZ has no RSSI property


async def bluez_rssi(address: str) -> int | None:
    from tests.realbluez.stack import device_property

    try:
        return int(await device_property(GATEWAY, address, "RSSI"))
    except DBusError:
        return None


async def central_mtus(address: str) -> set[int]:
    """The ``MTU`` property of the gateway side's characteristics of the device."""
    from simulators import bluez

    bus = await system_bus()
    try:
        objects = await bluez.managed_objects(bus)
    finally:
        bus.disconnect()
    prefix = f"/org/bluez/{GATEWAY}/dev_{address.replace(':', '_')}/"
    return {
        int(ifaces[bluez.GATT_CHARACTERISTIC]["MTU"].value)
        for path, ifaces in objects.items()
        if path.startswith(prefix)
        and bluez.GATT_CHARACTERISTIC in ifaces
        and "MTU" in ifaces[bluez.GATT_CHARACTERISTIC]
    }


def test_rssi_is_what_bluez_reports(tmp_path: Path) -> None:
    async def scenario() -> None:
        await forget_all()
        async with Device(GlucoseMeterSimulator, records=1) as meter:
            scanner = HealthScanner([GATEWAY], Allowlist.of([meter.address]), watchdog_timeout=0)
            async with scanner:
                await until(lambda: scanner.latest(meter.address) is not None, 30, "a sighting")
                sighting = scanner.latest(meter.address)
                reported = await bluez_rssi(meter.address)
            assert sighting is not None
            expected = BLEAK_NO_RSSI if reported is None else reported
            print(f"RSSI: scanner {sighting.rssi}, BlueZ Device1.RSSI {reported}")
            assert sighting.rssi == expected
            assert sighting.adapter == GATEWAY
            assert sighting.name == "PHG-GLUCOSE"

    asyncio.run(scenario())


def test_negotiated_mtu_is_the_same_on_both_sides(tmp_path: Path) -> None:
    async def scenario() -> None:
        await forget_all()
        meter = Device(GlucoseMeterSimulator, records=1)
        async with meter, Gateway(meter.address, tmp_path) as gw:
            await until(
                lambda: len(gw.measurements("glucose-measurement")) >= 1, 90, "1", lambda: dump(gw)
            )
            central = await central_mtus(meter.address)
            peripheral = meter.simulator.peripheral
            assert peripheral is not None
            device_side = {
                c.characteristic.mtu
                for c in peripheral._characteristics.values()
                if c.characteristic.mtu is not None
            }
            print(f"ATT MTU: gateway side {central}, device side {device_side}")
            assert len(central) == 1, (central, device_side)
            assert central == device_side, (central, device_side)
            assert central.pop() > 23  # BlueZ exchanged a larger MTU than the default

    asyncio.run(scenario())


def test_phg_scan_and_doctor_on_real_bluez(tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text(
        f'[gateway]\nstate_dir = "{tmp_path}"\n'
        '[fhir]\nbase_url = "http://127.0.0.1:9/fhir"\nconnect_timeout = 2\ntimeout = 2\n'
        '[ble]\nadapters = ["hci0", "hci2"]\n',
        encoding="utf-8",
    )

    def run_cli(*argv: str) -> tuple[int, str]:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            code = cli.main(list(argv))
        return code, out.getvalue()

    async def scenario() -> tuple[tuple[int, str], tuple[int, str], str]:
        await forget_all()
        async with Device(GlucoseMeterSimulator, records=1) as meter:
            scan = await asyncio.to_thread(
                # btvirt reports an advertiser when a scan is enabled; the kernel ends a discovery
                # after about 10 s and bluetoothd starts it again: 20 s span a restart
                run_cli,
                "scan",
                "--adapter",
                GATEWAY,
                "--timeout",
                "20",
                "--json",
            )
            doctor = await asyncio.to_thread(run_cli, "doctor", "--config", str(config))
            return scan, doctor, meter.address

    (scan_code, scan_out), (doctor_code, doctor_out), address = asyncio.run(scenario())
    print(scan_out, doctor_out)
    assert scan_code == 0, scan_out
    assert address in scan_out, scan_out
    assert "glucose" in scan_out.lower(), scan_out
    assert "[  ok] D-Bus system bus" in doctor_out, doctor_out
    assert "[  ok] BlueZ: org.bluez present, 3 adapter(s)" in doctor_out, doctor_out
    assert "[  ok] adapters: hci0, hci2 powered" in doctor_out, doctor_out
    assert "[FAIL] FHIR server" in doctor_out, doctor_out
    assert doctor_code == 1, doctor_out
