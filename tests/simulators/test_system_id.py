"""Each simulated device has its own System ID (G7): derived from its model, seed and name, so
a FHIR server shows one Device per simulated device, and never a placeholder."""

from __future__ import annotations

import importlib

from gateway.demo.stack import DEVICES, GENERIC_HEALTH_SENSOR
from gateway.fhir.device_facts import PLACEHOLDER_SYSTEM_IDS
from simulators import common
from simulators.base import DeviceSimulator, SimulatorOptions
from simulators.glucose import GlucoseMeterOptions, GlucoseMeterSimulator

SHARED_BEFORE = bytes.fromhex("0102030405060708")


def simulator(module: str, seed: int) -> DeviceSimulator:
    classes = [
        value
        for value in vars(importlib.import_module(module)).values()
        if isinstance(value, type)
        and issubclass(value, DeviceSimulator)
        and value is not DeviceSimulator
    ]
    (cls,) = classes
    return cls(SimulatorOptions(seed=seed), emit=lambda _e: None)


def test_the_demo_devices_have_distinct_system_ids() -> None:
    devices = (*DEVICES, GENERIC_HEALTH_SENSOR)  # with ``phg demo --ghs``
    ids = [simulator(d.module, 1 + i).info.system_id for i, d in enumerate(devices, start=1)]
    assert len(set(ids)) == len(devices)
    for system_id in ids:
        assert system_id is not None
        assert len(system_id) == 8
        assert system_id not in PLACEHOLDER_SYSTEM_IDS
        assert system_id != SHARED_BEFORE
        assert system_id[::-1][:3] == common.SIMULATOR_OUI  # OUI first in the EUI-64


def test_same_type_other_seed_is_another_device_same_seed_the_same() -> None:
    first = simulator("simulators.blood_pressure", 1).info.system_id
    assert simulator("simulators.blood_pressure", 2).info.system_id != first
    assert simulator("simulators.blood_pressure", 1).info.system_id == first


def test_contour_quirk_keeps_its_own_system_id() -> None:
    plain = GlucoseMeterSimulator(SimulatorOptions(seed=5), emit=lambda _e: None)
    contour = GlucoseMeterSimulator(
        SimulatorOptions(seed=5, device=GlucoseMeterOptions(contour=True)), emit=lambda _e: None
    )
    assert contour.info.model == "Contour Next One"
    assert contour.info.system_id == plain.info.system_id != SHARED_BEFORE
