"""From what the BLE layer learnt about a connection (:class:`gateway.ble.events.ConnectionFacts`)
to the PHD facts the mapping needs (:class:`gateway.fhir.device_info.PhdDeviceInfo`). Pure.

- Device Information strings → manufacturer, model, serial, hardware/software/firmware version.
- System ID → ``system_id`` as received (air order; the PhdDevice writes it as the canonical
  EUI-64, OUI first, like ``profiles.device_information.SystemId.eui64`` and
  ``DeviceInformation.system_id_eui64``). An all-zero or all-FF System ID is a placeholder
  some devices send, not an identity (conditional create would merge every such device into
  one Device), so it is ignored and the Bluetooth address identifies the device.
- The connection address → ``bluetooth_address`` when it is a 48-bit address (BlueZ
  ``AA:BB:CC:DD:EE:FF``; the session is expected to connect by identity address); other forms
  (macOS CoreBluetooth UUIDs) give none. A device with neither identifier is an error.
- IEEE 11073-20601 Regulatory Certification Data List (DIS 0x2A2A, decoded by
  ``profiles.device_information``) → ``regulated`` (ContinuaRegStruct: bit 0x8000 set =
  unregulated) and ``continua_version`` (ContinuaBodyStruct ``major.minor``); unknown when the
  list or the structure is absent.
- Clock: a Current Time or Current Elapsed Time read → ``real_time_clock`` True (an Elapsed
  Time Service tick counter: False) (as does a Weight Scale / Body
  Composition Feature declaring time stamps); a clock the gateway set during the connection →
  ``set_clock`` True; otherwise unknown. Time synchronisation: MDC_TIME_SYNC_NONE (a Bluetooth
  PHD has no synchronisation protocol of its own), except for an Elapsed Time Service clock,
  whose time sync source says (:data:`gateway.fhir.mappers.ghs_time.SYNC_METHODS`).
- Specializations: those of the profiles the device exposes, from its GATT services and from
  the feature characteristics read, each profile's code being the one its FHIR mapper
  declares (:mod:`gateway.fhir.registry`), so the two never disagree; a Generic Health
  Sensor's from its Health Sensor Features (declared device specializations and observation
  types: :func:`gateway.fhir.mappers.ghs_device.feature_specializations`).

The GATT services (``ConnectionFacts.services``) and the Regulatory Certification Data List
(``DeviceInformation.regulatory_certification``) come from the facts unless passed explicitly.

This is the one converter: the daemon's pipeline and ``phg heldback remap`` both use it.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from gateway.ble.events import ConnectionFacts
from gateway.fhir import codes
from gateway.fhir.device_info import PhdDeviceInfo
from gateway.fhir.identifiers import IdentifierError, parse_hex_bytes
from gateway.fhir.mappers import ghs_time
from gateway.fhir.mappers.ghs_device import feature_specializations
from gateway.fhir.registry import BY_TYPE
from gateway.lazylog import get_logger
from profiles.body_composition import BodyCompositionFeature, BodyCompositionFeatureFlag
from profiles.device_information import (
    ContinuaBodyStruct,
    RegulatoryCertificationDataList,
)
from profiles.ghs.service import HealthSensorFeatures
from profiles.registry import PROFILE_MODULES
from profiles.weight_scale import WeightScaleFeature, WeightScaleFeatureFlag

_log = get_logger("gateway.fhir.device_facts")

PLACEHOLDER_SYSTEM_IDS = frozenset({bytes(8), b"\xff" * 8})


@functools.cache
def _profile_tables() -> tuple[Mapping[int, frozenset[str]], Mapping[str, int]]:
    """(service → specializations of its mapped characteristics, characteristic name →
    service), from the profile modules and the FHIR mapper registry."""
    specs: dict[int, set[str]] = {}
    services: dict[str, int] = {}
    for module_name in PROFILE_MODULES:
        module = importlib.import_module(module_name)
        service = getattr(module, "SERVICE_UUID16", None)
        if not isinstance(service, int):
            continue
        for characteristic in module.CHARACTERISTICS:
            services[characteristic.name] = service
            mapper = BY_TYPE.get(characteristic.measurement_type)
            if mapper is not None and mapper.specialization is not None:
                specs.setdefault(service, set()).add(mapper.specialization)
    frozen = {service: frozenset(found) for service, found in specs.items()}
    return MappingProxyType(frozen), MappingProxyType(services)


def specializations_for(
    services: Iterable[int], feature_names: Iterable[str] = ()
) -> tuple[str, ...]:
    """The MDC_DEV_SPEC_PROFILE_* codes of the given GATT services (16-bit UUIDs) and of the
    services the named characteristics belong to, in code order."""
    by_service, service_of = _profile_tables()
    present = set(services)
    present.update(service_of[name] for name in feature_names if name in service_of)
    found = {code for service in present for code in by_service.get(service, ())}
    return tuple(sorted(found, key=int))


def bluetooth_address(address: str) -> bytes | None:
    """The 6 bytes of a written Bluetooth address, or None when it is not one."""
    try:
        return parse_hex_bytes(address, 6, "Bluetooth address")
    except IdentifierError:
        return None


def _timestamps_declared(features: Mapping[str, object]) -> bool:
    for value in features.values():
        if isinstance(value, WeightScaleFeature) and (
            value.supported & WeightScaleFeatureFlag.TIME_STAMP
        ):
            return True
        if isinstance(value, BodyCompositionFeature) and (
            value.supported & BodyCompositionFeatureFlag.TIME_STAMP
        ):
            return True
    return False


def _continua_version(regulatory: RegulatoryCertificationDataList | None) -> str | None:
    if regulatory is None:
        return None
    for entry in regulatory.entries:
        body = entry.auth_body_data
        if isinstance(body, ContinuaBodyStruct):
            return f"{body.major_ig_version}.{body.minor_ig_version}"
    return None


def phd_device_info(
    facts: ConnectionFacts,
    *,
    services: Iterable[int] | None = None,
    regulatory: RegulatoryCertificationDataList | None = None,
) -> PhdDeviceInfo:
    """The PhdDeviceInfo of a connection (see the module docstring). Raises
    :class:`~gateway.fhir.identifiers.IdentifierError` when the device has neither a usable
    System ID nor a Bluetooth address."""
    dis = facts.device_information
    if services is None:
        services = facts.services
    if regulatory is None:
        regulatory = dis.regulatory_certification
    system_id = dis.system_id
    if system_id is not None and (len(system_id) != 8 or system_id in PLACEHOLDER_SYSTEM_IDS):
        _log.debug("system_id_ignored", reason="placeholder or wrong size")
        system_id = None
    address = bluetooth_address(facts.address)
    if system_id is None and address is None:
        raise IdentifierError(
            f"device {facts.address!r}: no usable System ID and the connection address is not "
            "a Bluetooth address, so the PHD cannot be identified"
        )
    clock = facts.clock
    elapsed = clock.elapsed if clock is not None else None
    real_time_clock = True if clock is not None or _timestamps_declared(facts.features) else None
    if elapsed is not None and elapsed.time.tick_counter:
        real_time_clock = False  # an Elapsed Time Service tick counter has no time of day
    unregulated = regulatory.unregulated_device if regulatory is not None else None
    return PhdDeviceInfo(
        manufacturer=dis.manufacturer,
        model=dis.model,
        serial=dis.serial_number,
        hardware_version=dis.hardware_revision,
        software_version=dis.software_revision,
        firmware_version=dis.firmware_revision,
        system_id=system_id,
        bluetooth_address=address,
        regulated=None if unregulated is None else not unregulated,
        continua_version=_continua_version(regulatory),
        time_sync=codes.MDC_TIME_SYNC_NONE
        if elapsed is None
        else ghs_time.SYNC_METHODS.get(elapsed.time.sync_source, codes.MDC_TIME_SYNC_NONE),
        real_time_clock=real_time_clock,
        set_clock=True if clock is not None and clock.set_to is not None else None,
        specializations=tuple(
            sorted(
                set(specializations_for(services, facts.features))
                | {
                    code
                    for value in facts.features.values()
                    if isinstance(value, HealthSensorFeatures)
                    for code in feature_specializations(value)
                },
                key=int,
            )
        ),
    )
