"""Simulator options: one frozen dataclass per simulator, its flags built from it
(simulators.options), so the command line and the dataclass agree on names and defaults."""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib

import pytest

from profiles import heart_rate as hrs
from simulators import registry
from simulators.base import DeviceSimulator, SimulatorOptions
from simulators.command_line import command_parser, options_from_args
from simulators.glucose import GlucoseMeterOptions, GlucoseMeterSimulator
from simulators.heart_rate import HeartRateOptions, HeartRateSimulator
from simulators.options import from_args
from simulators.weight_scale import WeightScaleOptions, WeightScaleSimulator


def simulator_class(module: str) -> type[DeviceSimulator]:
    (cls,) = [
        value
        for value in vars(importlib.import_module(module)).values()
        if isinstance(value, type)
        and issubclass(value, DeviceSimulator)
        and value is not DeviceSimulator
    ]
    return cls


@pytest.mark.parametrize("entry", registry.SIMULATORS, ids=lambda e: e.name)
def test_no_flags_give_the_dataclass_defaults(entry: registry.SimulatorEntry) -> None:
    cls = simulator_class(entry.module)
    args = command_parser(cls).parse_args([])
    assert from_args(cls.options_type, args) == cls.options_type()


@pytest.mark.parametrize("entry", registry.SIMULATORS, ids=lambda e: e.name)
def test_every_option_is_a_flag(entry: registry.SimulatorEntry) -> None:
    cls = simulator_class(entry.module)
    assert dataclasses.is_dataclass(cls.options_type)
    assert cls.options_type.__dataclass_params__.frozen  # type: ignore[attr-defined]
    dests = {action.dest for action in command_parser(cls)._actions}
    for field in dataclasses.fields(cls.options_type):
        assert field.name in dests, field.name


def test_flags_of_each_kind_reach_the_options() -> None:
    parser = command_parser(GlucoseMeterSimulator)
    args = parser.parse_args(
        ["--first-sequence", "7", "--drop-after", "2", "--pace", "0.5", "--indicate"]
    )
    assert from_args(GlucoseMeterOptions, args) == GlucoseMeterOptions(
        first_sequence=7, drop_after=2, pace=0.5, indicate=True
    )


def test_a_true_default_is_turned_off_by_no_flag() -> None:
    args = command_parser(WeightScaleSimulator).parse_args(["--no-body-composition"])
    assert from_args(WeightScaleOptions, args).body_composition is False


def test_choices_take_names() -> None:
    args = command_parser(HeartRateSimulator).parse_args(["--location", "ear-lobe"])
    assert from_args(HeartRateOptions, args).location is hrs.BodySensorLocation.EAR_LOBE
    with pytest.raises(SystemExit):
        command_parser(HeartRateSimulator).parse_args(["--location", "elbow"])


def test_a_failed_check_is_a_usage_error() -> None:
    args = command_parser(WeightScaleSimulator).parse_args(["--users", "99"])
    with pytest.raises(SystemExit, match=r"--users must be 0\.\.8"):
        from_args(WeightScaleOptions, args)


def test_a_simulator_refuses_another_simulators_options() -> None:
    with pytest.raises(TypeError, match="GlucoseMeterOptions"):
        GlucoseMeterSimulator(SimulatorOptions(device=WeightScaleOptions()), emit=lambda _e: None)


@pytest.mark.parametrize("entry", registry.SIMULATORS, ids=lambda e: e.name)
def test_no_common_flags_give_the_common_defaults(entry: registry.SimulatorEntry) -> None:
    args = command_parser(simulator_class(entry.module)).parse_args([])
    assert options_from_args(args) == SimulatorOptions()


@pytest.mark.parametrize("entry", registry.SIMULATORS, ids=lambda e: e.name)
def test_every_common_flag_sets_its_option(entry: registry.SimulatorEntry) -> None:
    argv = [
        *("--adapter", "hci7", "--name", "PHG-X", "--seed", "5", "--records", "2"),
        *("--clock-offset", "-90", "--disconnect-after", "1.5", "--keep-records"),
        *("--battery", "40", "--serial", "SN-1", "--security", "encrypt"),
        *("--pairing", "passkey", "--passkey", "123456", "--disconnect-after-bonding"),
        *("--clock-write-once", "--readvertise", "2.5"),
    ]
    args = command_parser(simulator_class(entry.module)).parse_args(argv)
    assert options_from_args(args) == SimulatorOptions(
        adapter="hci7",
        name="PHG-X",
        seed=5,
        records=2,
        clock_offset=dt.timedelta(seconds=-90),
        disconnect_after=1.5,
        keep_records=True,
        battery_percent=40,
        serial="SN-1",
        security="encrypt",
        pairing="passkey",
        passkey=123456,
        disconnect_after_bonding=True,
        clock_write_once=True,
        readvertise=2.5,
    )
