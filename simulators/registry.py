"""Device simulators by name (``phg simulate NAME``): each name maps to a module with a
``run(argv) -> int`` command-line entry. Modules are imported only when asked for, so a
missing one gives a clear :class:`SimulatorUnavailableError` (and an unknown name an
:class:`UnknownSimulatorError`) instead of breaking the others."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

Runner = Callable[[Sequence[str] | None], int]


class UnknownSimulatorError(LookupError):
    """No simulator has that name."""


class SimulatorUnavailableError(RuntimeError):
    """The simulator's module cannot be imported or has no ``run`` entry."""


@dataclass(frozen=True, slots=True)
class SimulatorEntry:
    name: str
    module: str
    description: str


SIMULATORS: Final = (
    SimulatorEntry("bp", "simulators.blood_pressure", "blood pressure monitor (0x1810)"),
    SimulatorEntry("glucose", "simulators.glucose", "glucose meter with RACP (0x1808)"),
    SimulatorEntry(
        "weight", "simulators.weight_scale", "weight scale with body composition and users"
    ),
    SimulatorEntry("thermometer", "simulators.thermometer", "health thermometer (0x1809)"),
    SimulatorEntry("pulse-oximeter", "simulators.pulse_oximeter", "pulse oximeter (0x1822)"),
    SimulatorEntry("heart-rate", "simulators.heart_rate", "heart rate sensor (0x180D)"),
    SimulatorEntry("cgm", "simulators.cgm", "continuous glucose monitor (0x181F)"),
    SimulatorEntry("ghs", "simulators.ghs", "generic health sensor: spot-check or waveform"),
)
BY_NAME: Final = {s.name: s for s in SIMULATORS}
ALIASES: Final = {
    "blood-pressure": "bp",
    "weight-scale": "weight",
    "scale": "weight",
    "health-thermometer": "thermometer",
    "pulse-oximetry": "pulse-oximeter",
    "spo2": "pulse-oximeter",
    "hr": "heart-rate",
}


def entry(name: str) -> SimulatorEntry:
    key = name.strip().lower().replace("_", "-")
    key = ALIASES.get(key, key)
    try:
        return BY_NAME[key]
    except KeyError:
        known = ", ".join(s.name for s in SIMULATORS)
        raise UnknownSimulatorError(f"no simulator called {name!r} (known: {known})") from None


def load(name: str) -> Runner:
    """The ``run`` entry of simulator ``name``."""
    found = entry(name)
    try:
        module = importlib.import_module(found.module)
    except ModuleNotFoundError as e:
        if e.name != found.module:
            raise  # the module exists but one of its imports is missing: show the real error
        raise SimulatorUnavailableError(
            f"simulator {found.name!r} is not available: module {found.module} is missing"
        ) from e
    runner = getattr(module, "run", None)
    if not callable(runner):
        raise SimulatorUnavailableError(f"{found.module} has no run(argv) entry")
    result: Runner = runner
    return result


def available(name: str) -> bool:
    """Whether simulator ``name``'s module is present (without importing it)."""
    return importlib.util.find_spec(entry(name).module) is not None
