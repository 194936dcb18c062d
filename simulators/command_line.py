"""A simulator's command line: the flags every simulated device has (the defaults of
:class:`~simulators.base.SimulatorOptions`), the fault flags of those that support them, and
the device's own (:mod:`simulators.options`)."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
from typing import Any, Final

from simulators import options
from simulators.agent import MODES
from simulators.base import SECURITY_LEVELS, UNSET_CLOCK_START, DeviceSimulator, SimulatorOptions

COMMON_DEFAULTS: Final = SimulatorOptions()
"""The defaults of the common flags are those of :class:`SimulatorOptions`."""


def _defaulted(
    parser: argparse.ArgumentParser | argparse._ArgumentGroup,
    flag: str,
    default: object,
    help: str,
    **kwargs: Any,
) -> None:
    """A flag whose default (shown in its help) is the common options' own."""
    parser.add_argument(flag, default=default, help=options.with_default(help, default), **kwargs)


def argument_parser(cls: type[DeviceSimulator]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=f"Simulated {cls.default_name} on the BlueZ D-Bus API (BlueZoo or bluetoothd)"
    )
    defaults = COMMON_DEFAULTS
    _defaulted(parser, "--adapter", defaults.adapter, "adapter to register on")
    parser.add_argument("--name", help=f"advertised local name ({cls.default_name})")
    _defaulted(parser, "--seed", defaults.seed, "random seed for the records", type=int)
    _defaulted(parser, "--records", defaults.records, "stored records to send", type=int)
    _defaulted(
        parser,
        "--clock-offset",
        defaults.clock_offset.total_seconds(),
        "device clock minus real time, seconds",
        type=float,
    )
    parser.add_argument(
        "--disconnect-after",
        type=float,
        default=defaults.disconnect_after,
        metavar="SECONDS",
        help="disconnect from the device side this long after the transfer",
    )
    parser.add_argument(
        "--keep-records",
        action="store_true",
        help="send the stored records on every connection (default: once)",
    )
    _defaulted(parser, "--battery", defaults.battery_percent, "battery level, percent", type=int)
    parser.add_argument(
        "--readvertise",
        type=float,
        metavar="SECONDS",
        help="switch advertising off and on this often while no central is connected, for "
        "emulated controllers (btvirt) that report an advertiser only then (default: off)",
    )
    parser.add_argument("--serial", help="serial number (default: from the seed)")
    security = parser.add_argument_group("security (real BlueZ; BlueZoo cannot pair)")
    _defaulted(
        security,
        "--security",
        defaults.security,
        "measurements, RACP and Current Time need an encrypted (and authenticated) link",
        choices=SECURITY_LEVELS,
    )
    security.add_argument(
        "--pairing", choices=MODES, help="register the device's pairing agent with this method"
    )
    security.add_argument("--passkey", type=int, help="the fixed passkey (--pairing passkey)")
    security.add_argument(
        "--disconnect-after-bonding",
        action="store_true",
        help="quirk: drop the link as soon as the central is bonded",
    )
    security.add_argument(
        "--clock-write-once",
        action="store_true",
        help="quirk: Current Time is writable only during the first connection",
    )
    return parser


def add_fault_arguments(parser: argparse.ArgumentParser) -> None:
    """``--clock-unset`` and ``--malformed N``, for simulators that support them (their
    :class:`DeviceSimulator` calls :meth:`DeviceSimulator.send_malformed`)."""
    parser.add_argument(
        "--clock-unset",
        action="store_true",
        help=f"device clock never set: it started at {UNSET_CLOCK_START.isoformat()} when "
        "the simulator started (overrides --clock-offset)",
    )
    _defaulted(
        parser,
        "--malformed",
        COMMON_DEFAULTS.malformed,
        "send N undecodable (truncated) measurement values before the records",
        type=int,
        metavar="N",
    )


def options_from_args(args: argparse.Namespace) -> SimulatorOptions:
    offset = dt.timedelta(seconds=args.clock_offset)
    if getattr(args, "clock_unset", False):
        offset = UNSET_CLOCK_START - dt.datetime.now().replace(microsecond=0)
    malformed = getattr(args, "malformed", COMMON_DEFAULTS.malformed)  # with the fault flags
    if args.records < 0 or malformed < 0:
        raise SystemExit("--records and --malformed must not be negative")
    if args.readvertise is not None and not args.readvertise > 0:
        raise SystemExit("--readvertise must be a positive number of seconds")
    given = vars(args)
    named = {f: given[f] for f in _FLAG_NAMED}  # flag --x-y sets field x_y
    return SimulatorOptions(
        **named, clock_offset=offset, battery_percent=args.battery, malformed=malformed
    )


_FLAG_NAMED: Final = tuple(
    f.name
    for f in dataclasses.fields(SimulatorOptions)
    if f.name not in ("clock_offset", "battery_percent", "malformed", "device")
)
"""The common options a flag of the same name sets as given; the others are converted
(``--clock-offset`` seconds, ``--clock-unset``), renamed (``--battery``), optional
(``--malformed``, a fault flag) or the device's own (``device``)."""


def command_parser(cls: type[DeviceSimulator]) -> argparse.ArgumentParser:
    """All of a simulator's flags: the common ones, the faults if it has them, its own."""
    parser = argument_parser(cls)
    if cls.fault_flags:
        add_fault_arguments(parser)
    options.add_arguments(parser, cls.options_type)
    return parser
