"""The PHD facts the PhdDevice resource states (:mod:`gateway.fhir.phd_device`), as plain data.

A connection's facts (:class:`profiles.device_information.DeviceInformation`, the address, the
clock) become these through the one converter, :func:`gateway.fhir.device_facts.phd_device_info`;
``phg map --device-info FILE`` reads them in JSON form (:meth:`PhdDeviceInfo.from_json`; the
``#`` comments are explanation, not JSON), every key optional but at least one of ``system_id``
/ ``bluetooth_address`` is needed; hex may use ``:``, ``-`` or spaces::

    {
      "manufacturer": "OMRONHEALTHCARE",         # DIS 0x2A29
      "model": "HEM-9200T",                       # DIS 0x2A24
      "serial": "20150200002A",                   # DIS 0x2A25
      "hardware_version": "1.0",                  # DIS 0x2A27
      "software_version": "1.1",                  # DIS 0x2A28
      "firmware_version": "C.00.7AJ-02",          # DIS 0x2A26
      "system_id": "711000FEFF5F49B0",           # DIS 0x2A23 value AS RECEIVED (air order)
      "bluetooth_address": "B0:49:5F:00:10:71",   # the bonded identity address
      "regulated": true,                          # Reg-Cert data list; omit when unknown
      "continua_version": "6.0",                  # Reg-Cert data list, optional
      "time_sync": "532224",                      # MDC time sync method (default NONE)
      "real_time_clock": true,                    # the PHD sends time stamps
      "set_clock": false,                         # the gateway may set its clock (CTS write)
      "specializations": ["528391"]               # extra MDC_DEV_SPEC_PROFILE_* codes
    }
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from gateway.fhir import codes
from gateway.fhir.identifiers import IdentifierError, parse_hex_bytes


@dataclass(frozen=True, slots=True)
class PhdDeviceInfo:
    """Facts about one PHD. ``system_id`` is the DIS System ID value as received (8 bytes,
    little-endian air order); ``bluetooth_address`` the 6-byte address, most significant byte
    first (as written ``00:1C:05:FF:E8:74``)."""

    manufacturer: str | None = None
    model: str | None = None
    serial: str | None = None
    hardware_version: str | None = None
    software_version: str | None = None
    firmware_version: str | None = None
    system_id: bytes | None = None
    bluetooth_address: bytes | None = None
    regulated: bool | None = None
    continua_version: str | None = None
    time_sync: str = codes.MDC_TIME_SYNC_NONE
    real_time_clock: bool | None = None
    set_clock: bool | None = None
    specializations: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.system_id is not None and len(self.system_id) != 8:
            raise IdentifierError(f"System ID: {len(self.system_id)} bytes, expected 8")
        if self.bluetooth_address is not None and len(self.bluetooth_address) != 6:
            raise IdentifierError(
                f"Bluetooth address: {len(self.bluetooth_address)} bytes, expected 6"
            )
        if self.system_id is None and self.bluetooth_address is None:
            raise IdentifierError("a PHD needs a System ID or a Bluetooth address")

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PhdDeviceInfo:
        """Build from the JSON form in the module docstring; unknown keys are an error."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown device-info keys: {', '.join(unknown)}")
        values = dict(data)
        if values.get("system_id") is not None:
            values["system_id"] = parse_hex_bytes(str(values["system_id"]), 8, "system_id")
        if values.get("bluetooth_address") is not None:
            values["bluetooth_address"] = parse_hex_bytes(
                str(values["bluetooth_address"]), 6, "bluetooth_address"
            )
        if "specializations" in values:
            values["specializations"] = tuple(str(code) for code in values["specializations"])
        if "time_sync" in values:
            values["time_sync"] = str(values["time_sync"])
        for key in ("regulated", "real_time_clock", "set_clock"):
            if values.get(key) is not None and not isinstance(values[key], bool):
                raise ValueError(f"{key} must be true, false or null")
        return cls(**values)
