"""What the demo runs besides the gateway: a private BLE test bus (dbus-daemon + BlueZoo),
three simulated devices (blood pressure monitor, glucose meter, weight scale), each on its own
virtual adapter, and a local FHIR server (SEKMET, or Medplum's FHIR engine); plus the gateway
configuration that binds the devices to demo patients so their readings upload.

:meth:`DemoStack.stop` stops exactly the processes :meth:`DemoStack.start` started, by PID
(also after a failed start), and removes the scratch directory.
"""

from __future__ import annotations

import shutil
import socket
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from gateway.demo.server_process import ServerProcess
from gateway.demo.servers import make_fhir_server
from simulators.runner import SimulatorProcess
from simulators.testbus import TestBus

GATEWAY_ADAPTER: Final = "hci0"
PATIENT_SYSTEM: Final = "urn:oid:2.999.1.2.3.4"
BOUND_USERS: Final = range(8)


@dataclass(frozen=True, slots=True)
class DemoDevice:
    label: str
    module: str
    args: tuple[str, ...]


DEVICES: Final = (
    DemoDevice("blood pressure monitor", "simulators.blood_pressure", ("--records", "3")),
    DemoDevice("glucose meter", "simulators.glucose", ("--records", "3")),
    DemoDevice("weight scale", "simulators.weight_scale", ("--records", "2", "--users", "1")),
)
"""The demo's devices."""
GENERIC_HEALTH_SENSOR: Final = DemoDevice(
    "generic health sensor",
    "simulators.ghs",
    ("--personality", "spot-check", "--records", "2", "--interval", "20"),
)
"""Added with ``phg demo --ghs``: a GHS blood pressure monitor (stored observations, and a live
one every 20 seconds)."""


def port_or_free(preferred: int) -> int:
    """``preferred`` if it can be bound on 127.0.0.1 now, else a free port. Probed with
    SO_REUSEADDR, as the servers bind, so a port the previous demo left in TIME_WAIT counts
    as free and a rerun keeps its ports."""
    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            chosen: int = sock.getsockname()[1]
            return chosen
    raise OSError("no free TCP port on 127.0.0.1")


def _patient(value: str) -> str:
    return f'{{ system = "{PATIENT_SYSTEM}", value = "{value}" }}'


class DemoStack:
    def __init__(
        self,
        fhir_port: int = 8090,
        seed: int = 1,
        fhir_server: str = "sekmet",
        devices: tuple[DemoDevice, ...] = DEVICES,
    ) -> None:
        self.devices = devices
        self.workdir = Path(tempfile.mkdtemp(prefix="phg-demo-"))
        self.fhir_port = fhir_port
        self.fhir_kind = fhir_server
        self.seed = seed
        self.bus: TestBus | None = None
        self.fhir: ServerProcess | None = None
        self.simulators: list[tuple[DemoDevice, SimulatorProcess]] = []

    def start(self, say: Callable[[str], None]) -> None:
        say("starting the Bluetooth test bus (private D-Bus + BlueZoo)")
        self.bus = TestBus(adapters=1 + len(self.devices), workdir=self.workdir / "testbus")
        self.bus.start()
        port = port_or_free(self.fhir_port)
        if self.fhir_port and port != self.fhir_port:
            say(f"port {self.fhir_port} is busy: the FHIR server uses port {port}")
        self.fhir = make_fhir_server(self.fhir_kind, self.workdir / self.fhir_kind, port)
        say(f"starting {self.fhir.name} (FHIR server)")
        self.fhir.start()
        for i, device in enumerate(self.devices, start=1):
            sim = SimulatorProcess(
                device.module,
                ["--adapter", f"hci{i}", "--seed", str(self.seed + i), *device.args],
                env=self.bus.env(),
                ready_timeout=30.0,
            )
            self.simulators.append((device, sim))
            ready = sim.start()
            say(f"simulated {device.label} {ready.get('name', '')} at {ready['address']}")

    def bus_env(self) -> dict[str, str]:
        assert self.bus is not None
        return self.bus.env()

    def config_text(self, status_port: int, token: str | None = None) -> str:
        """The gateway configuration: the devices bound to demo patients (readings without a
        user index to ``demo-patient``, user index N to ``demo-user-N``)."""
        assert self.fhir is not None
        devices = ""
        for _, sim in self.simulators:
            users = "".join(f"{u} = {_patient(f'demo-user-{u}')}\n" for u in BOUND_USERS)
            devices += (
                f'\n[[devices]]\naddress = "{sim.ready["address"]}"\n'
                f"patient = {_patient('demo-patient')}\n[devices.users]\n{users}"
            )
        token_line = "" if token is None else f'token = "{token}"\n'
        return (
            f'[gateway]\nstate_dir = "{self.workdir / "state"}"\n'
            f'[fhir]\nbase_url = "{self.fhir.base_url}"\n'
            f'[ble]\nadapters = ["{GATEWAY_ADAPTER}"]\n'
            f"[status]\nenabled = true\nport = {status_port}\n{token_line}"
            f'[logging]\nformat = "console"\nlevel = "warning"\n{devices}'
        )

    def stop(self) -> None:
        """Stop the simulators, the FHIR server and the bus (only those started here)."""
        try:
            for _, sim in reversed(self.simulators):
                sim.stop()
            self.simulators.clear()
            if self.fhir is not None:
                self.fhir.stop()
        finally:
            if self.bus is not None:
                self.bus.stop()
            shutil.rmtree(self.workdir, ignore_errors=True)
