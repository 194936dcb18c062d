"""Allowlist / scan filter, adapter choice, backoff, clock policy, device facts helpers."""

import datetime as dt
import random

import pytest

from gateway.backoff import Backoff
from gateway.ble.adapter_choice import AdapterChooser
from gateway.ble.adapters import adapters_in
from gateway.ble.allowlist import Advertisement, Allowlist, Decision, classify
from gateway.ble.clock import ClockPolicy, ClockSync, current_time_value, device_offset, should_set
from gateway.ble.link import Sighting
from gateway.ble.uuids import full, short
from profiles.date_time import DateTime, decode_current_time, encode_current_time
from profiles.device_information import DeviceInformation, dis_string

BPS = full(0x1810)


def _adv(
    address: str = "aa:bb:cc:dd:ee:01", name: str | None = "BP", uuids: tuple[str, ...] = (BPS,)
) -> Advertisement:
    return Advertisement(address, name, tuple(uuids), -60, "hci0")


def test_uuid_helpers() -> None:
    assert short(full(0x1808)) == 0x1808
    assert short("1808") == 0x1808
    assert short("12345678-0000-1000-8000-00805f9b34fb") is None


def test_unknown_health_device_is_reported_not_allowed() -> None:
    assert classify(_adv(), Allowlist()) is Decision.UNKNOWN


def test_non_health_device_is_ignored() -> None:
    assert classify(_adv(uuids=(full(0x180F),)), Allowlist()) is Decision.IGNORE


def test_allowed_by_address_in_any_spelling() -> None:
    allow = Allowlist.of(addresses=["AA-BB-CC-DD-EE-01"])
    assert classify(_adv(), allow) is Decision.ALLOWED
    assert classify(_adv("AA:BB:CC:DD:EE:02"), allow) is Decision.UNKNOWN


def test_allowed_by_name_even_without_service_uuids() -> None:
    allow = Allowlist.of(names=["BP-Sim"])
    assert classify(_adv(name="BP-Sim", uuids=()), allow) is Decision.ALLOWED
    assert classify(_adv(name="bp-sim"), allow) is Decision.UNKNOWN  # exact names only


def test_health_services_filter_lists_every_health_service() -> None:
    adv = _adv(uuids=(full(0x180A), full(0x1808), full(0x181F), "custom"))
    assert adv.health_services == (0x1808, 0x181F)


def _s(adapter: str, rssi: int | None, seen: float) -> Sighting:
    return Sighting("AA:BB:CC:DD:EE:01", "d", adapter, rssi, seen)


def test_adapter_choice_best_rssi_with_hysteresis() -> None:
    chooser = AdapterChooser()
    chooser.add(_s("hci0", -70, 1.0))
    chooser.add(_s("hci1", -60, 1.0))
    assert chooser.best("aa:bb:cc:dd:ee:01", 2.0).adapter == "hci1"  # type: ignore[union-attr]
    chooser.add(_s("hci0", -57, 3.0))  # better, but not by the hysteresis
    assert chooser.best("AA:BB:CC:DD:EE:01", 3.0).adapter == "hci1"  # type: ignore[union-attr]
    chooser.add(_s("hci0", -50, 4.0))
    assert chooser.best("AA:BB:CC:DD:EE:01", 4.0).adapter == "hci0"  # type: ignore[union-attr]


def test_adapter_choice_ignores_stale_and_honours_pins() -> None:
    chooser = AdapterChooser(window=10)
    chooser.add(_s("hci0", -40, 0.0))
    chooser.add(_s("hci1", -90, 20.0))
    assert chooser.best("AA:BB:CC:DD:EE:01", 25.0).adapter == "hci1"  # type: ignore[union-attr]
    pinned = AdapterChooser(pinned={"aa:bb:cc:dd:ee:01": "hci2"})
    pinned.add(_s("hci0", -40, 0.0))
    assert pinned.best("AA:BB:CC:DD:EE:01", 0.0) is None
    pinned.add(_s("hci2", -90, 0.0))
    assert pinned.best("AA:BB:CC:DD:EE:01", 0.0).adapter == "hci2"  # type: ignore[union-attr]


def test_backoff_grows_caps_and_resets() -> None:
    b = Backoff(initial=1, factor=2, maximum=5, jitter=0)
    assert [b.next_delay() for _ in range(5)] == [1, 2, 4, 5, 5]
    b.reset()
    assert b.next_delay() == 1


def test_backoff_jitter_stays_within_bounds() -> None:
    b = Backoff(initial=1, factor=2, maximum=8, jitter=0.5, random=random.Random(1).random)
    for expected in (1, 2, 4, 8, 8):
        assert expected * 0.5 <= b.next_delay() <= expected


def test_backoff_validates() -> None:
    with pytest.raises(ValueError, match="initial"):
        Backoff(initial=0)


def test_clock_policy() -> None:
    minute = dt.timedelta(minutes=1)
    assert not should_set(ClockPolicy(), dt.timedelta(hours=1), None)
    when_off = ClockPolicy(ClockSync.WHEN_OFF, minute)
    assert not should_set(when_off, dt.timedelta(seconds=30), None)
    assert should_set(when_off, -dt.timedelta(minutes=2), None)
    assert should_set(when_off, None, None)  # unknown device time
    # Omron: not within 10 minutes even though the policy threshold is 1 minute.
    assert not should_set(when_off, dt.timedelta(minutes=5), dt.timedelta(minutes=10))
    assert should_set(when_off, dt.timedelta(minutes=11), dt.timedelta(minutes=10))
    assert should_set(ClockPolicy(ClockSync.ALWAYS), dt.timedelta(0, 1), None)


def test_current_time_value_and_offset() -> None:
    local = dt.datetime(2026, 1, 5, 10, 0, 0, 500000, tzinfo=dt.UTC)  # a Monday
    value = decode_current_time(encode_current_time(current_time_value(local)))
    assert value.date_time == DateTime(2026, 1, 5, 10, 0, 0)
    assert value.day_of_week == 1
    assert value.fractions256 == 128
    assert device_offset(value, local) == dt.timedelta(0)
    assert device_offset(value, local - dt.timedelta(minutes=3)) == dt.timedelta(minutes=3)


def test_dis_strings_and_system_id() -> None:
    assert dis_string(b"ACME\x00\x00") == "ACME"
    assert dis_string(b"  \x00") is None
    info = DeviceInformation(system_id=bytes.fromhex("0102030405060708"))
    assert info.system_id_eui64 == "0807060504030201"
    assert DeviceInformation(system_id=b"\x01").system_id_eui64 is None


def test_adapters_in_bluez_object_tree() -> None:
    class Variant:
        def __init__(self, value: object) -> None:
            self.value = value

    objects: dict[str, dict[str, dict[str, Variant]]] = {
        "/org/bluez/hci1": {"org.bluez.Adapter1": {"Powered": Variant(False)}},
        "/org/bluez/hci0": {"org.bluez.Adapter1": {}},
        "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_01": {"org.bluez.Device1": {}},
        "/org/bluez/hci2": {"org.bluez.Adapter1": {"Powered": Variant(True)}},
    }
    assert adapters_in(objects) == [("hci0", None), ("hci1", False), ("hci2", True)]
