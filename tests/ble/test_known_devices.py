"""The devices BlueZ already knows, read from its object tree (the scanner takes the recently
seen ones at start: docs/real-bluez.md, finding 10)."""

from dbus_fast import Variant

from gateway.ble.adapters import KnownDevice, known_devices
from gateway.ble.allowlist import Advertisement

BPS = "00001810-0000-1000-8000-00805f9b34fb"


def _device(address: str, **extra: Variant) -> dict[str, dict[str, Variant]]:
    properties = {"Address": Variant("s", address), "Name": Variant("s", "PHG-BP"), **extra}
    return {"org.bluez.Device1": properties}


OBJECTS: dict[str, dict[str, dict[str, Variant]]] = {
    "/org/bluez/hci0": {"org.bluez.Adapter1": {"Powered": Variant("b", True)}},
    "/org/bluez/hci0/dev_AA_00_00_00_00_01": _device(
        "AA:00:00:00:00:01",
        RSSI=Variant("n", -60),
        UUIDs=Variant("as", [BPS]),
        ManufacturerData=Variant("a{qv}", {0x0059: Variant("ay", b"\x01\x02")}),
    ),
    "/org/bluez/hci0/dev_AA_00_00_00_00_02": _device(
        "AA:00:00:00:00:02", Connected=Variant("b", True)
    ),
    "/org/bluez/hci0/dev_AA_00_00_00_00_03": _device(
        "AA:00:00:00:00:03", Connected=Variant("b", False)
    ),
    "/org/bluez/hci1/dev_AA_00_00_00_00_04": _device("AA:00:00:00:00:04", RSSI=Variant("n", -50)),
    # a GATT object below a device is not a device
    "/org/bluez/hci0/dev_AA_00_00_00_00_01/service0001": {"org.bluez.GattService1": {}},
}


def test_known_devices_on_the_given_adapters_with_what_bluez_last_learned() -> None:
    found = known_devices(OBJECTS, ["hci0"])
    assert [d.advertisement.address for d in found] == [
        "AA:00:00:00:00:01",
        "AA:00:00:00:00:02",
        "AA:00:00:00:00:03",
    ]
    first = found[0]
    assert first == KnownDevice(
        path="/org/bluez/hci0/dev_AA_00_00_00_00_01",
        connected=False,
        advertisement=Advertisement("AA:00:00:00:00:01", "PHG-BP", (BPS,), -60, "hci0"),
    )
    assert first.advertisement.manufacturer_data == {0x0059: b"\x01\x02"}
    assert first.properties["Address"] == "AA:00:00:00:00:01"  # unpacked, as bleak keeps them
    everywhere = known_devices(OBJECTS, ["hci0", "hci1"])
    assert [d.advertisement.adapter for d in everywhere][-1] == "hci1"


def test_recently_seen_means_connected_or_heard_in_the_running_discovery() -> None:
    found = known_devices(OBJECTS, ["hci0", "hci1"])
    assert {d.advertisement.address[-2:]: d.recently_seen for d in found} == {
        "01": True,  # an RSSI: heard since discovery started
        "02": True,  # connected (bluetoothd may have reconnected it itself)
        "03": False,  # known (a bond, an old sighting), not heard now
        "04": True,
    }
