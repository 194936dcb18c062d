"""The gateway's cost per advertisement heard, now that discovery reports every advertisement
(BlueZ's ``DuplicateData`` filter, docs/real-bluez.md finding 14), against the least any
BlueZ client pays for one: unmarshalling bluetoothd's D-Bus signal.

Per advertisement the gateway process pays (1) dbus-fast's unmarshalling of bluetoothd's
``PropertiesChanged`` signal, (2) bleak's handling of it (its BlueZ manager updates the device
and calls the scanner's callback; not measured here, it is bleak's internals) and (3) PHG's own
callback, ``HealthScanner._on_advertisement`` (an :class:`Advertisement`, classification, the
sighting for the adapter chooser). Printed: µs per advertisement of (3) for a device on the
allowlist, a health device not on it and a device that is neither (a phone: ignored), of (1)
for a signal carrying RSSI and manufacturer data, their ratios, and the CPU share of one core
(1) + (3) take at a given advertisement rate (every device in range, each advertising every
100 ms to 1 s: 10 to 100 devices make 100 per second). Not measured: bleak's part (2), and
bluetoothd's and the bus daemon's work for each signal, in their own processes.

Numbers only; absolute figures vary with load (compare the ratios).
Run: .venv/bin/python bench/scan.py [--repeat 7] [--count 20000] [--rate 100]
"""

from __future__ import annotations

import argparse
import io
import statistics
import time
from collections.abc import Callable

import structlog
from bleak.backends.device import BLEDevice
from bleak.backends.scanner import AdvertisementData
from dbus_fast import Message, MessageType, Variant
from dbus_fast._private.unmarshaller import Unmarshaller

from gateway.ble.allowlist import Allowlist
from gateway.ble.scanner import HealthScanner

GLUCOSE = "00001808-0000-1000-8000-00805f9b34fb"
METER = "00:AA:01:01:00:01"
STRANGER = "00:AA:01:01:00:02"
PHONE = "5C:12:34:56:78:9A"
PATH = "/org/bluez/hci0/dev_00_AA_01_01_00_01"


def advertisement(address: str, name: str | None, uuids: list[str]) -> tuple[BLEDevice, object]:
    data = AdvertisementData(
        local_name=name,
        manufacturer_data={0x004C: bytes(23)},
        service_data={},
        service_uuids=uuids,
        tx_power=None,
        rssi=-61,
        platform_data=(PATH, {}),
    )
    return BLEDevice(address, name, {"path": PATH, "props": {}}), data


def properties_changed() -> bytes:
    """bluetoothd's signal for one advertisement: RSSI and manufacturer data changed."""
    message = Message(
        message_type=MessageType.SIGNAL,
        path=PATH,
        interface="org.freedesktop.DBus.Properties",
        member="PropertiesChanged",
        signature="sa{sv}as",
        body=[
            "org.bluez.Device1",
            {
                "RSSI": Variant("n", -61),
                "ManufacturerData": Variant("a{qv}", {0x004C: Variant("ay", bytes(23))}),
            },
            [],
        ],
        serial=7,
    )
    return bytes(message._marshall(negotiate_unix_fd=False))


def per_call_us(call: Callable[[], object], count: int, repeat: int) -> float:
    """Median over ``repeat`` runs of the time per call, in µs."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(count):
            call()
        runs.append((time.perf_counter() - start) / count * 1e6)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--rate", type=float, default=100.0, help="advertisements per second")
    args = parser.parse_args()
    # Warnings only (the scanner's info line for an unknown device is rate-limited anyway).
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(30))

    scanner = HealthScanner(["hci0"], Allowlist.of(names=["PHG-GLUCOSE"]), bluez_objects=None)
    cases = {
        "allowed meter": advertisement(METER, "PHG-GLUCOSE", [GLUCOSE]),
        "unknown health device": advertisement(STRANGER, "OTHER-METER", [GLUCOSE]),
        "phone (ignored)": advertisement(PHONE, None, []),
    }
    wire = properties_changed()

    def unmarshal() -> object:
        return Unmarshaller(io.BytesIO(wire)).unmarshall()  # type: ignore[arg-type]  # a stream

    baseline = per_call_us(unmarshal, args.count, args.repeat)
    print(f"D-Bus signal unmarshal (dbus-fast, {len(wire)} bytes): {baseline:.2f} µs")
    for label, (device, data) in cases.items():

        def heard(device: BLEDevice = device, data: object = data) -> None:
            scanner._on_advertisement("hci0", device, data)  # type: ignore[arg-type]

        ours = per_call_us(heard, args.count, args.repeat)
        share = (ours + baseline) * args.rate / 1e6 * 100
        print(
            f"{label:>22}: {ours:6.2f} µs per advertisement, {ours / baseline:4.2f}x the "
            f"unmarshal; with it {share:.3f} % of one core at {args.rate:g} per second"
        )


if __name__ == "__main__":
    main()
