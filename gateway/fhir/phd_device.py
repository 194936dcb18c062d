"""The PhdDevice resource of a Bluetooth PHD (PHD IG 2.0.0 PhdDevice profile).

Identifiers: the System ID (EUI-64, canonical byte order, see :mod:`gateway.fhir.identifiers`)
and the Bluetooth address (EUI-48); both when known, the System ID first. Conditional create and
the Observation identifiers use the System ID when there is one, otherwise the address.

The profile requires ``manufacturer``, ``modelNumber``, one ``version`` and one
``specialization``. PHG never invents values: for a PHD without Device Information strings
(:func:`missing_elements`) the primitive carries FHIR's data-absent-reason extension instead of a
value (``"_manufacturer": {"extension": [{"url": ".../data-absent-reason", "valueCode":
"unknown"}]}``), and a device that reports no version at all gets one ``version`` entry typed
MDC_ID_PROD_SPEC_FW (531976, the revision every BLE device has firmware for) whose ``value`` is
absent the same way. The resource then validates against PhdDevice and says plainly that the
device did not tell.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from gateway.fhir import codes
from gateway.fhir.device_info import PhdDeviceInfo
from gateway.fhir.elements import JsonDict, concept, mdc, yes_no
from gateway.fhir.identifiers import dashed, eui64_from_dis_system_id, undashed

SPECIALIZATION_VERSION: Final = "1"
"""Specialization version for classic Bluetooth profiles transcoded "as if" from a PHD (the IG's
examples use "1" for them)."""

BLE_DATE_TIME_RESOLUTION_US: Final = 1_000_000


def identifier(system: str, type_code: str, value: str) -> JsonDict:
    return {
        "type": {"coding": [{"system": codes.CONTINUA_DEVICE_IDENTIFIERS, "code": type_code}]},
        "system": system,
        "value": value,
    }


def search_identifier(info: PhdDeviceInfo) -> tuple[str, str]:
    """The (system, value) PHG uses for conditional create: SYSID, else BTMAC."""
    if info.system_id is not None:
        return codes.SYSID_SYSTEM, dashed(eui64_from_dis_system_id(info.system_id))
    assert info.bluetooth_address is not None  # PhdDeviceInfo guarantees one of them
    return codes.BTMAC_SYSTEM, dashed(info.bluetooth_address)


def observation_device_key(info: PhdDeviceInfo) -> str:
    """The device part of an Observation identifier: upper-case hex without dashes."""
    if info.system_id is not None:
        return undashed(eui64_from_dis_system_id(info.system_id))
    assert info.bluetooth_address is not None
    return undashed(info.bluetooth_address)


def missing_elements(info: PhdDeviceInfo) -> list[str]:
    """PhdDevice elements this PHD cannot fill (the resource will not validate)."""
    missing = []
    if not info.manufacturer:
        missing.append("manufacturer")
    if not info.model:
        missing.append("modelNumber")
    if not (
        info.hardware_version
        or info.software_version
        or info.firmware_version
        or info.continua_version
    ):
        missing.append("version")
    return missing


def absent_primitive(reason: str = "unknown") -> JsonDict:
    """The ``_element`` of a required primitive whose value the device did not report."""
    return {"extension": [{"url": codes.DATA_ABSENT_REASON_EXTENSION, "valueCode": reason}]}


def _property(type_coding: JsonDict, value: JsonDict) -> JsonDict:
    return {"type": concept(type_coding), "valueCode": [value]}


def _asn1(code: str) -> JsonDict:
    return {"system": codes.ASN1_TO_HL7, "code": code}


def phd_device(info: PhdDeviceInfo, specializations: Iterable[str] = ()) -> JsonDict:
    """The PhdDevice resource; ``specializations`` are the MDC_DEV_SPEC_PROFILE_* codes of the
    profiles seen on the device (GENERIC when none)."""
    idents = []
    if info.system_id is not None:
        sysid = dashed(eui64_from_dis_system_id(info.system_id))
        idents.append(identifier(codes.SYSID_SYSTEM, "SYSID", sysid))
    if info.bluetooth_address is not None:
        btmac = dashed(info.bluetooth_address)
        idents.append(identifier(codes.BTMAC_SYSTEM, "BTMAC", btmac))
    resource: JsonDict = {
        "resourceType": "Device",
        "meta": {"profile": [codes.PROFILE_PHD_DEVICE]},
        "identifier": idents,
    }
    if info.manufacturer:
        resource["manufacturer"] = info.manufacturer
    else:
        resource["_manufacturer"] = absent_primitive()
    if info.serial:
        resource["serialNumber"] = info.serial
    if info.model:
        resource["modelNumber"] = info.model
    else:
        resource["_modelNumber"] = absent_primitive()
    resource["type"] = concept(mdc(codes.MDC_MOC_VMS_MDS_SIMP))
    specs = sorted(set(specializations) | set(info.specializations), key=int) or [
        codes.MDC_DEV_SPEC_PROFILE_GENERIC
    ]
    resource["specialization"] = [
        {"systemType": concept(mdc(code)), "version": SPECIALIZATION_VERSION} for code in specs
    ]
    versions = [
        (codes.MDC_ID_PROD_SPEC_FW, info.firmware_version),
        (codes.MDC_ID_PROD_SPEC_SW, info.software_version),
        (codes.MDC_ID_PROD_SPEC_HW, info.hardware_version),
        (codes.MDC_REG_CERT_DATA_CONTINUA_VERSION, info.continua_version),
    ]
    version_list = [
        {"type": concept(mdc(code)), "value": value} for code, value in versions if value
    ]
    if not version_list:
        version_list = [
            {"type": concept(mdc(codes.MDC_ID_PROD_SPEC_FW)), "_value": absent_primitive()}
        ]
    resource["version"] = version_list
    properties = [_property(mdc(codes.MDC_TIME_SYNC_PROTOCOL), concept(mdc(info.time_sync)))]
    if info.real_time_clock is not None:
        properties.append(
            _property(_asn1(codes.MDC_TIME_CAPAB + ".0"), yes_no(info.real_time_clock))
        )
    if info.set_clock is not None:
        properties.append(_property(_asn1(codes.MDC_TIME_CAPAB + ".1"), yes_no(info.set_clock)))
    if info.real_time_clock:
        properties.append(
            {
                "type": concept(mdc(codes.MDC_TIME_RES_ABS)),
                "valueQuantity": [
                    {
                        "value": BLE_DATE_TIME_RESOLUTION_US,
                        "unit": codes.UCUM_MICROSECOND,
                        "system": codes.UCUM,
                        "code": codes.UCUM_MICROSECOND,
                    }
                ],
            }
        )
    if info.regulated is not None:
        # The ASN.1 bit is *negated*: "Y" means not regulated.
        properties.append(
            _property(_asn1(codes.NEGATED_REGULATION_STATUS), yes_no(not info.regulated))
        )
    resource["property"] = properties
    return resource
