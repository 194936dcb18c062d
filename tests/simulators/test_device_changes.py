"""Which BlueZ signals wake a simulator's central watcher (simulators/device_changes.py)."""

from __future__ import annotations

from dbus_fast import Message, MessageType
from dbus_fast.signature import Variant

from simulators.device_changes import DeviceChanges, is_device_change, match_rules

ADAPTER = "/org/bluez/hci1"
DEVICE_PATH = f"{ADAPTER}/dev_00_11_22_33_44_00"


def signal(path: str, interface: str, member: str, signature: str, body: list[object]) -> Message:
    return Message.new_signal(path, interface, member, signature, body)


def properties_changed(path: str, interface: str, changed: dict[str, bool]) -> Message:
    values = {name: Variant("b", value) for name, value in changed.items()}
    return signal(
        path,
        "org.freedesktop.DBus.Properties",
        "PropertiesChanged",
        "sa{sv}as",
        [interface, values, []],
    )


def test_a_device_connecting_bonding_or_going_is_a_change() -> None:
    device = "org.bluez.Device1"
    assert is_device_change(properties_changed(DEVICE_PATH, device, {"Connected": True}), ADAPTER)
    assert is_device_change(properties_changed(DEVICE_PATH, device, {"Bonded": True}), ADAPTER)
    assert is_device_change(properties_changed(DEVICE_PATH, device, {"Paired": False}), ADAPTER)
    manager = "org.freedesktop.DBus.ObjectManager"
    added = signal(
        DEVICE_PATH, manager, "InterfacesAdded", "oa{sa{sv}}", [DEVICE_PATH, {device: {}}]
    )
    removed = signal(DEVICE_PATH, manager, "InterfacesRemoved", "oas", [DEVICE_PATH, [device]])
    assert is_device_change(added, ADAPTER)
    assert is_device_change(removed, ADAPTER)


def test_other_signals_are_not() -> None:
    device = "org.bluez.Device1"
    # RSSI and advertising data change all the time during a scan
    assert not is_device_change(properties_changed(DEVICE_PATH, device, {"RSSI": True}), ADAPTER)
    # another adapter's device, another interface, a GATT object appearing under the device
    other = "/org/bluez/hci10/dev_00_11_22_33_44_00"
    assert not is_device_change(properties_changed(other, device, {"Connected": True}), ADAPTER)
    gatt = "org.bluez.GattCharacteristic1"
    assert not is_device_change(properties_changed(DEVICE_PATH, gatt, {"Notifying": True}), ADAPTER)
    manager = "org.freedesktop.DBus.ObjectManager"
    char = f"{DEVICE_PATH}/service0001/char0002"
    added = signal(char, manager, "InterfacesAdded", "oa{sa{sv}}", [char, {gatt: {}}])
    assert not is_device_change(added, ADAPTER)
    call = Message(path=DEVICE_PATH, interface=device, member="Connect")
    assert call.message_type == MessageType.METHOD_CALL
    assert not is_device_change(call, ADAPTER)


def test_the_match_rules_select_the_adapters_devices_only() -> None:
    rules = match_rules(ADAPTER)
    assert all("sender='org.bluez'" in rule for rule in rules)
    assert f"path_namespace='{ADAPTER}'" in rules[0]
    assert all(f"arg0path='{ADAPTER}/'" in rule for rule in rules[1:])


def test_a_central_that_disconnected_between_two_reads_is_taken_as_dropped() -> None:
    """Disconnected and connected again before the simulator read the tree: both reads show it
    connected; the dropped set is what tells the second connection from the first."""
    device = "org.bluez.Device1"
    changes = DeviceChanges(None, ADAPTER)  # type: ignore[arg-type]  # no bus needed here
    changes._on_message(properties_changed(DEVICE_PATH, device, {"Connected": True}))
    assert changes.take_dropped() == set()
    changes._on_message(properties_changed(DEVICE_PATH, device, {"Connected": False}))
    changes._on_message(properties_changed(DEVICE_PATH, device, {"Connected": True}))
    assert changes.take_dropped() == {DEVICE_PATH}
    assert changes.take_dropped() == set()
    manager = "org.freedesktop.DBus.ObjectManager"
    removed = signal(DEVICE_PATH, manager, "InterfacesRemoved", "oas", [DEVICE_PATH, [device]])
    changes._on_message(removed)
    assert changes.take_dropped() == {DEVICE_PATH}
    changes._on_message(properties_changed(DEVICE_PATH, device, {"Bonded": True}))
    assert changes.take_dropped() == set()
