"""``phg simulate DEVICE [OPTIONS]``: run a simulated Bluetooth LE health device.

Every option after DEVICE goes to the simulator (``phg simulate bp --help`` lists them):
``--adapter hciN`` (hci1, the test bus's second adapter; ``hci0`` on a machine with one real
adapter), ``--records N``, ``--seed N``, ``--clock-offset SECONDS``, ``--clock-unset``,
``--disconnect-after SECONDS``, ``--keep-records``, ``--battery PERCENT``, ``--malformed N``
and the device's own. It registers on the BlueZ D-Bus API of ``DBUS_SYSTEM_BUS_ADDRESS`` (the
test bus of ``python -m simulators.testbus``, or the real system bus with bluetoothd), prints
one JSON event per line and runs until Ctrl-C.
"""

from __future__ import annotations

import argparse
import sys
from typing import Final

from gateway.cli.command import Command, arg
from simulators import registry


def _list() -> int:
    for entry in registry.SIMULATORS:
        state = "" if registry.available(entry.name) else "  (not available)"
        aliases = f" (also: {', '.join(entry.aliases)})" if entry.aliases else ""
        print(f"{entry.name:29} {entry.description}{aliases}{state}")
    return 0


def run(args: argparse.Namespace) -> int:
    if args.list:
        return _list()
    if args.device is None:
        print("phg simulate: give a DEVICE (phg simulate --list shows them)", file=sys.stderr)
        return 2
    try:
        simulator = registry.load(args.device)
    except (registry.UnknownSimulatorError, registry.SimulatorUnavailableError) as exc:
        print(f"phg simulate: {exc.args[0]}", file=sys.stderr)
        return 2
    program = sys.argv[:1]
    sys.argv[:1] = [f"phg simulate {args.device}"]  # argparse names the simulator after it
    try:
        return simulator(list(args.options))
    except SystemExit as exc:  # the simulator's own argument errors and --help
        if isinstance(exc.code, str):
            print(f"phg simulate {args.device}: {exc.code}", file=sys.stderr)
            return 2
        return 0 if exc.code is None else int(exc.code)
    finally:
        sys.argv[:1] = program


COMMAND: Final = Command(
    "simulate",
    help="run a simulated Bluetooth LE health device",
    description=(
        "Run a simulated health device on a BlueZ adapter (the test bus or a real one). "
        "Options after DEVICE go to the simulator: `phg simulate DEVICE --help` lists them."
    ),
    run=run,
    args=(
        arg("--list", action="store_true", help="list the simulated devices"),
        arg("device", nargs="?", metavar="DEVICE", help="which device (see --list)"),
        arg("options", nargs=argparse.REMAINDER, metavar="...", help="the simulator's options"),
    ),
    parser_keywords={"epilog": "devices: " + ", ".join(s.name for s in registry.SIMULATORS)},
)
