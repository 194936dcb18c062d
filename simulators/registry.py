"""Device simulators by name (``phg simulate NAME``): each registered device type
(:func:`profiles.registry.device_types`) is played by a module with a ``run(argv) -> int``
command-line entry, named by the device type's name or any of its aliases. Modules are
imported only when asked for, so a missing one gives a clear
:class:`SimulatorUnavailableError` (and an unknown name an :class:`UnknownSimulatorError`)
instead of breaking the others."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from profiles.registry import device_types, normalize_name
from profiles.registry_types import DeviceType

Runner = Callable[[Sequence[str] | None], int]


class UnknownSimulatorError(LookupError):
    """No simulator has that name."""


class SimulatorUnavailableError(RuntimeError):
    """The simulator's module cannot be imported or has no ``run`` entry."""


@dataclass(frozen=True, slots=True)
class SimulatorEntry:
    """One simulator: ``name`` is the first device type it plays, ``aliases`` the other names
    it answers to (its device types' aliases, the other device types it plays)."""

    name: str
    module: str
    description: str
    aliases: tuple[str, ...] = ()


MODULES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "blood-pressure": "simulators.blood_pressure",
        "glucose": "simulators.glucose",
        "weight-scale": "simulators.weight_scale",
        "body-composition": "simulators.weight_scale",
        "health-thermometer": "simulators.thermometer",
        "pulse-oximeter": "simulators.pulse_oximeter",
        "heart-rate": "simulators.heart_rate",
        "continuous-glucose-monitoring": "simulators.cgm",
        "generic-health-sensor": "simulators.ghs",
    }
)
"""Device type name (:func:`profiles.registry.device_types`) -> the simulator that plays it
(one simulator may play several: the weight scale is also the body composition analyzer)."""

NOTES: Final[Mapping[str, str]] = MappingProxyType(
    {
        "simulators.glucose": "with RACP",
        "simulators.weight_scale": "with users",
        "simulators.ghs": "spot-check or waveform, with RACP and the Elapsed Time Service",
    }
)


def _entries() -> tuple[SimulatorEntry, ...]:
    played: dict[str, list[DeviceType]] = {}
    for device_type in device_types():
        if device_type.name in MODULES:
            played.setdefault(MODULES[device_type.name], []).append(device_type)
    entries = []
    for module, types in played.items():
        names = [name for t in types for name in t.names]
        what = ", ".join(f"{t.title} (0x{t.service_uuid16:04X})" for t in types)
        note = f" {NOTES[module]}" if module in NOTES else ""
        entries.append(SimulatorEntry(names[0], module, what + note, tuple(names[1:])))
    return tuple(entries)


SIMULATORS: Final = _entries()
BY_NAME: Final = {s.name: s for s in SIMULATORS}


def entry(name: str) -> SimulatorEntry:
    key = normalize_name(name)
    for found in BY_NAME.values():
        if key == found.name or key in found.aliases:
            return found
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
