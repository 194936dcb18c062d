"""The PhgDevice resource: the gateway itself (PHD IG 2.0.0 PhgDevice profile).

Its identity must be stable across restarts because servers match it by identifier. It is the
configured EUI-64 when there is one; otherwise :meth:`PhgConfig.from_host` derives it from the
host: the EUI-48 hardware address with FF-FE inserted after the OUI (as the IG's examples do),
or, when Python only has a random node id, a hash of ``/etc/machine-id`` (locally administered
bit set).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from gateway import __version__
from gateway.fhir import codes
from gateway.fhir.elements import JsonDict, concept, mdc
from gateway.fhir.identifiers import IdentifierError, dashed, eui64_from_eui48
from gateway.fhir.phd_device import identifier

PHG_SPECIALIZATION_VERSION: Final = "2"
_MULTICAST_BIT: Final = 1 << 40
_MACHINE_ID: Final = Path("/etc/machine-id")


@dataclass(frozen=True, slots=True)
class PhgConfig:
    """The gateway's identity and clock: ``system_id`` is the EUI-64, big-endian (OUI first)."""

    system_id: bytes
    time_sync: str = codes.MDC_TIME_SYNC_NTPV4
    software_version: str = __version__
    manufacturer: str = "PHG developers"
    model: str = "PHG"

    def __post_init__(self) -> None:
        if len(self.system_id) != 8:
            raise IdentifierError(f"PHG System ID: {len(self.system_id)} bytes, expected 8")

    @classmethod
    def from_host(cls, time_sync: str = codes.MDC_TIME_SYNC_NTPV4) -> PhgConfig:
        node = uuid.getnode()
        if not node & _MULTICAST_BIT:
            return cls(eui64_from_eui48(node.to_bytes(6, "big")), time_sync)
        seed = _MACHINE_ID.read_bytes() if _MACHINE_ID.exists() else str(node).encode()
        digest = bytearray(hashlib.sha256(b"phg-system-id:" + seed).digest()[:8])
        digest[0] = (digest[0] | 0x02) & 0xFE  # locally administered, unicast
        return cls(bytes(digest), time_sync)

    @property
    def search_identifier(self) -> tuple[str, str]:
        return codes.SYSID_SYSTEM, dashed(self.system_id)


def phg_device(config: PhgConfig) -> JsonDict:
    return {
        "resourceType": "Device",
        "meta": {"profile": [codes.PROFILE_PHG_DEVICE]},
        "identifier": [identifier(codes.SYSID_SYSTEM, "SYSID", dashed(config.system_id))],
        "manufacturer": config.manufacturer,
        "modelNumber": config.model,
        "type": concept(mdc(codes.MDC_MOC_VMS_MDS_AHD)),
        "specialization": [
            {
                "systemType": concept(mdc(codes.MDC_DEV_SPEC_PROFILE_GENERIC)),
                "version": PHG_SPECIALIZATION_VERSION,
            }
        ],
        "version": [
            {"type": concept(mdc(codes.MDC_ID_PROD_SPEC_SW)), "value": config.software_version}
        ],
        "property": [
            {
                "type": concept(mdc(codes.MDC_TIME_SYNC_PROTOCOL)),
                "valueCode": [concept(mdc(config.time_sync))],
            }
        ],
    }
