"""``--readvertise``: a simulator switches its advertising off and on while no central is
connected, for emulated controllers (btvirt) that report an advertiser only on that edge
(docs/real-bluez.md, finding 16)."""

from __future__ import annotations

import asyncio

import pytest

from simulators.base import SimulatorOptions
from simulators.command_line import command_parser, options_from_args
from simulators.glucose import GlucoseMeterSimulator


class CountingPeripheral:
    """Stands in for the simulator's BlueZ peripheral: counts the re-registrations."""

    def __init__(self) -> None:
        self.advertised = 0

    async def advertise_again(self) -> None:
        self.advertised += 1


def test_readvertises_while_no_central_is_connected_and_stops_while_one_is() -> None:
    async def scenario() -> tuple[int, int, int]:
        simulator = GlucoseMeterSimulator(SimulatorOptions(readvertise=0.01), emit=print)
        peripheral = CountingPeripheral()
        simulator.peripheral = peripheral  # type: ignore[assignment]
        task = asyncio.create_task(simulator._readvertise(0.01))
        await asyncio.sleep(0.2)
        alone = peripheral.advertised
        simulator._connected = {"/org/bluez/hci1/dev_00_AA_01_00_00_00"}
        await asyncio.sleep(0.02)  # a re-registration under way when the central came
        connected_from = peripheral.advertised
        await asyncio.sleep(0.2)
        connected = peripheral.advertised - connected_from
        simulator._connected = set()
        await asyncio.sleep(0.2)
        task.cancel()
        return alone, connected, peripheral.advertised - connected_from

    alone, while_connected, after = asyncio.run(scenario())
    assert alone >= 3
    assert while_connected == 0
    assert after >= 3


def test_the_flag_sets_the_option() -> None:
    parser = command_parser(GlucoseMeterSimulator)
    assert options_from_args(parser.parse_args(["--readvertise", "2.5"])).readvertise == 2.5
    assert options_from_args(parser.parse_args([])).readvertise is None


@pytest.mark.parametrize("bad", ["0", "-1", "nan"])
def test_a_period_that_is_not_positive_is_a_usage_error(bad: str) -> None:
    args = command_parser(GlucoseMeterSimulator).parse_args(["--readvertise", bad])
    with pytest.raises(SystemExit, match="--readvertise must be a positive number of seconds"):
        options_from_args(args)
    with pytest.raises(ValueError, match="readvertise must be a positive number"):
        SimulatorOptions(readvertise=float(bad))
