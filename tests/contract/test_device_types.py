"""The contract every registered device type keeps (``DEVICE_TYPE`` at the end of its profile
module, :func:`profiles.registry.device_types`), checked for all of them: what it declares is
registered and consistent, and the gateway and the simulators have everything it needs (a scan
entry, a mapper module, a reassembler when its values come in several packets, a simulator).
Each step of ``docs/adding-a-device.md`` is checked here or in ``test_mapping.py``."""

from __future__ import annotations

import ast
import importlib
import importlib.util
from importlib.resources import files
from pathlib import Path

import pytest

from gateway import corpus
from gateway.ble import uuids
from gateway.ble.profile_table import ASSEMBLERS, BY_SERVICE
from gateway.cli import main as phg
from gateway.fhir.display import characteristic_name
from gateway.fhir.registry import MAPPERS_BY_DEVICE_TYPE
from profiles import registry
from profiles.battery import BATTERY_LEVEL
from profiles.capture_log import read_lines
from profiles.registry_types import DeviceType
from simulators import registry as simulators

TYPES = registry.device_types()
each_type = pytest.mark.parametrize("device_type", TYPES, ids=lambda t: t.name)
NAMES = {t.name for t in TYPES}


def test_every_simulator_plays_a_declared_device_type() -> None:
    """A simulator registered for a name no module declares: its DEVICE_TYPE or its module's
    registration is missing."""
    assert set(simulators.MODULES) - NAMES == set()


def test_every_mapper_module_maps_a_declared_device_type() -> None:
    assert set(MAPPERS_BY_DEVICE_TYPE) - NAMES == set()


def test_every_assembler_reassembles_a_declared_device_type() -> None:
    assert set(ASSEMBLERS) - NAMES == set()


@each_type
def test_names_are_in_registry_form(device_type: DeviceType) -> None:
    for name in device_type.names:
        assert registry.normalize_name(name) == name
        assert registry.device_type(name.upper()) is device_type


@each_type
def test_declared_characteristics_are_registered(device_type: DeviceType) -> None:
    declared = device_type.subscribe + device_type.read + device_type.deliver
    assert device_type.subscribe
    for characteristic in declared:
        assert registry.BY_NAME[characteristic.name] is characteristic
        assert registry.lookup(characteristic.uuid16) is characteristic
    assert set(device_type.deliver) <= set(device_type.read)
    if device_type.stored is not None:
        assert set(device_type.stored.records) <= set(device_type.subscribe)


@each_type
def test_every_value_it_delivers_has_a_label_to_show(device_type: DeviceType) -> None:
    # The status page and the demo name a reading by its characteristic's label.
    for characteristic in (*device_type.mapped, BATTERY_LEVEL):
        assert characteristic.label, characteristic.name
        assert characteristic_name(characteristic.name) == characteristic.label


@each_type
def test_the_gateway_scans_for_it_and_serves_it(device_type: DeviceType) -> None:
    assert uuids.HEALTH_SERVICES[device_type.service_uuid16] == device_type.name
    assert device_type.uuid in uuids.HEALTH_SERVICE_UUIDS
    spec = BY_SERVICE[device_type.service_uuid16]
    assert (spec.name, spec.subscribe, spec.read, spec.stored, spec.deliver) == (
        device_type.name,
        device_type.subscribe,
        device_type.read,
        device_type.stored,
        device_type.deliver,
    )
    assert (spec.assembler is not None) == device_type.reassembled


@each_type
def test_phg_scan_help_names_it(
    device_type: DeviceType, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        phg(["scan", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert f"{device_type.title}: {device_type.name}" in help_text.replace("- ", "-")


def _in_this_tree(module_name: str, package: str) -> bool:
    """Whether the module's file sits in ``package`` as imported here (not in another checkout
    an editable install might fall back to)."""
    spec = importlib.util.find_spec(module_name)
    home = Path(importlib.import_module(package).__file__ or "").parent
    return spec is not None and spec.origin is not None and Path(spec.origin).parent == home


@each_type
def test_it_has_a_mapper_module(device_type: DeviceType) -> None:
    module_name = MAPPERS_BY_DEVICE_TYPE[device_type.name]
    assert _in_this_tree(module_name, "gateway.fhir.mappers")
    assert importlib.import_module(module_name).MAPPERS


@each_type
def test_it_has_a_simulator(device_type: DeviceType) -> None:
    assert device_type.name in simulators.MODULES
    for name in device_type.names:
        assert simulators.entry(name).module == simulators.MODULES[device_type.name]
    assert _in_this_tree(simulators.MODULES[device_type.name], "simulators")
    assert callable(simulators.load(device_type.name))


def test_profiles_import_neither_the_gateway_nor_the_simulators() -> None:
    """Profiles stay pure codecs and declarations: hooks are registered from the other side."""
    root = Path(registry.__file__).parent
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                imported = [node.module or ""]
            else:
                continue
            for name in imported:
                assert name.partition(".")[0] not in {"gateway", "simulators"}, path


def _profile_module(device_type: DeviceType) -> str:
    """The short name of the profile module that declares ``device_type`` (of its package when
    the profile is a package: ``profiles.ghs.service`` -> ``ghs``)."""
    for module_name in registry.PROFILE_MODULES:
        if getattr(importlib.import_module(module_name), "DEVICE_TYPE", None) is device_type:
            return module_name.split(".")[1]
    raise AssertionError(f"no module of PROFILE_MODULES declares {device_type.name}")


@each_type
def test_its_corpus_folder_has_a_value_of_every_characteristic_it_subscribes_to(
    device_type: DeviceType,
) -> None:
    """``gateway/corpus/<module>/`` (step 3 of docs/adding-a-device.md): the values
    ``phg decode -``, the demo and tests/profiles/test_corpus.py check against expected JSON."""
    folder = files(corpus).joinpath(_profile_module(device_type))
    logs = [log for name, log in corpus.log_files(folder)]
    assert logs, f"gateway/corpus/{_profile_module(device_type)}/ has no capture log"
    found = {
        registry.lookup(line.characteristic).name
        for log in logs
        for line in read_lines(log.read_text().splitlines())
    }
    assert {c.name for c in device_type.subscribe} - found == set()
