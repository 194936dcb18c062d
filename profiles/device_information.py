"""Device Information Service (0x180A), per the GATT Specification Supplement (GSS), the Device
Information Service specification (DIS 1.1) and, for 0x2A2A, IEEE 11073-20601 and the Continua
(PCHA) Design Guidelines.

- System ID (0x2A23), 8 bytes: Manufacturer Identifier (uint40, least significant octet first),
  then Organizationally Unique Identifier (uint24, least significant octet first). The EUI-64 is
  the same 64 bits written most significant first with the OUI leading: wire bytes
  ``m0 m1 m2 m3 m4 o0 o1 o2`` give ``o2 o1 o0 m4 m3 m2 m1 m0`` (:attr:`SystemId.eui64`).
- Model Number (0x2A24), Serial Number (0x2A25), Firmware Revision (0x2A26), Hardware Revision
  (0x2A27), Software Revision (0x2A28), Manufacturer Name (0x2A29): UTF-8 strings, the whole
  value. Trailing NUL bytes (padding some devices send) are stripped; invalid UTF-8 is an error.
  Each has its own type so the decoded value says which characteristic it came from.
- IEEE 11073-20601 Regulatory Certification Data List (0x2A2A): the MDER encoding of
  RegCertDataList. MDER (IEEE 11073-20601 Annex F) is BIG-endian, unlike the rest of GATT:
  count (uint16), length (uint16, bytes of the entries), then per entry RegCertData:
  auth-body (uint8), auth-body-struc-type (uint8), auth-body-data (an ``Any``: length uint16 +
  bytes). For auth-body Continua (2), struc-type 1 is ContinuaBodyStruct (major-IG-version
  uint8, minor-IG-version uint8, certified-devices: count uint16, length uint16, uint16
  CertifiedDeviceClassEntry values) and struc-type 2 is ContinuaRegStruct
  (regulation-bit-field, a 16-bit BITS-16 whose MDER bit 0 is the most significant bit:
  0x8000 = unregulated-device). Other auth-body data is kept as raw bytes. The layout follows
  the ASN.1 of IEEE 11073-20601 as implemented by Signove's Antidote (``RegCertDataList``,
  ``ContinuaBodyStruct``, a worked example with entry 0x4008) and CSR's PHDC headers
  (``ContinuaRegStruct``, ``UNREGULATED_DEVICE 0x8000``).
- :class:`DeviceInformation`: the facts of one device's service together (the one model the
  gateway's sessions, the mapping and the simulators share), built from the values read
  (:meth:`DeviceInformation.from_values`) and turned back into them
  (:meth:`DeviceInformation.values`).
- PnP ID (0x2A50): vendor ID source (uint8: 1 Bluetooth SIG, 2 USB Implementer's Forum; other
  values reserved and kept as ints), vendor ID, product ID, product version (uint16 each,
  little-endian; the version is 0xJJMN for JJ.M.N).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final, TypeVar

from profiles import _bytes
from profiles._bytes import ByteString, Reader
from profiles._fields import normalise_code
from profiles.errors import DecodeError, EncodeError
from profiles.registry_types import AnyCharacteristic, Characteristic

SERVICE_UUID16: Final = 0x180A
ATT_MAX_VALUE_LENGTH: Final = 512

# --- System ID ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SystemId:
    """System ID (0x2A23): a 40-bit manufacturer-defined identifier and a 24-bit IEEE OUI."""

    manufacturer_identifier: int
    organizationally_unique_identifier: int

    def __post_init__(self) -> None:
        _bytes.check_range(self.manufacturer_identifier, 0, (1 << 40) - 1, "manufacturer id")
        _bytes.check_range(self.organizationally_unique_identifier, 0, 0xFFFFFF, "OUI")

    @property
    def eui64(self) -> str:
        """The EUI-64 as 16 upper-case hex digits, most significant first, OUI first."""
        return f"{self.organizationally_unique_identifier:06X}{self.manufacturer_identifier:010X}"

    @property
    def wire_bytes(self) -> bytes:
        """The 8 bytes of the characteristic value (manufacturer id LSO first, then OUI)."""
        return self.manufacturer_identifier.to_bytes(
            5, "little"
        ) + self.organizationally_unique_identifier.to_bytes(3, "little")

    @classmethod
    def from_eui64(cls, eui64: str) -> SystemId:
        """Parse 16 hex digits (separators ``:`` and ``-`` allowed), OUI first."""
        digits = eui64.replace(":", "").replace("-", "")
        if len(digits) != 16:
            raise EncodeError(f"EUI-64 {eui64!r} does not have 16 hex digits")
        try:
            value = int(digits, 16)
        except ValueError:
            raise EncodeError(f"EUI-64 {eui64!r} is not hexadecimal") from None
        return cls(value & ((1 << 40) - 1), value >> 40)


def decode_system_id(data: ByteString) -> SystemId:
    r = Reader(data, SYSTEM_ID.name)
    raw = r.take(8, "system id")
    r.end()
    return SystemId(int.from_bytes(raw[:5], "little"), int.from_bytes(raw[5:], "little"))


def encode_system_id(value: SystemId) -> bytes:
    return value.wire_bytes


# --- Strings -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DeviceString:
    """One of the six UTF-8 strings; its subclass says which characteristic it is."""

    value: str


@dataclass(frozen=True, slots=True)
class ModelNumber(DeviceString):
    """Model Number String (0x2A24)."""


@dataclass(frozen=True, slots=True)
class SerialNumber(DeviceString):
    """Serial Number String (0x2A25)."""


@dataclass(frozen=True, slots=True)
class FirmwareRevision(DeviceString):
    """Firmware Revision String (0x2A26)."""


@dataclass(frozen=True, slots=True)
class HardwareRevision(DeviceString):
    """Hardware Revision String (0x2A27)."""


@dataclass(frozen=True, slots=True)
class SoftwareRevision(DeviceString):
    """Software Revision String (0x2A28)."""


@dataclass(frozen=True, slots=True)
class ManufacturerName(DeviceString):
    """Manufacturer Name String (0x2A29)."""


S = TypeVar("S", bound=DeviceString)


def _decode_utf8(data: ByteString, name: str) -> str:
    r = Reader(data, name)
    raw = r.rest().rstrip(b"\x00")
    if len(r.data) > ATT_MAX_VALUE_LENGTH:
        raise r.error(f"overlong: {len(r.data)} bytes, more than an attribute value can hold", 0)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise r.error(f"invalid UTF-8: {exc.reason}", exc.start) from None


def _encode_utf8(text: str) -> bytes:
    if text.endswith("\x00"):
        raise EncodeError("a string ending in NUL cannot be sent: trailing NULs are padding")
    try:
        raw = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise EncodeError(f"not encodable as UTF-8: {exc.reason}") from None
    if len(raw) > ATT_MAX_VALUE_LENGTH:
        raise EncodeError(f"{len(raw)} bytes of UTF-8, more than an attribute value can hold")
    return raw


def encode_device_string(value: DeviceString) -> bytes:
    """Encode any of the six strings (the characteristic is implied by the type)."""
    return _encode_utf8(value.value)


def _string_characteristic(uuid16: int, name: str, kind: type[S]) -> Characteristic[S]:
    """One of the six string characteristics, its value a ``kind``."""

    def decode(data: ByteString) -> S:
        return kind(_decode_utf8(data, name))

    return Characteristic(uuid16, name, kind, decode, encode_device_string)


# --- IEEE 11073-20601 Regulatory Certification Data List ----------------------------------------


class AuthBody(enum.IntEnum):
    """auth-body of a RegCertData entry (IEEE 11073-20601); other values are kept as ints."""

    EMPTY = 0
    IEEE_11073 = 1
    CONTINUA = 2
    EXPERIMENTAL = 254
    RESERVED = 255


class ContinuaStrucType(enum.IntEnum):
    """auth-body-struc-type values defined for auth-body Continua."""

    CONTINUA_VERSION_STRUCT = 1
    CONTINUA_REG_STRUCT = 2


@dataclass(frozen=True, slots=True)
class ContinuaBodyStruct:
    """ContinuaBodyStruct (Continua struc-type 1): the Continua Design Guidelines version the
    device was certified against and its certified device classes (CertifiedDeviceClassEntry,
    uint16 each, e.g. 0x4008 in Antidote's example: a thermometer over a wireless PAN)."""

    major_ig_version: int
    minor_ig_version: int
    certified_device_classes: tuple[int, ...]


class ContinuaRegulation(enum.IntFlag):
    """regulation-bit-field of ContinuaRegStruct (BITS-16, MDER bit 0 = most significant)."""

    UNREGULATED_DEVICE = 0x8000


@dataclass(frozen=True, slots=True)
class ContinuaRegStruct:
    """ContinuaRegStruct (Continua struc-type 2). All 16 bits are kept."""

    regulation_bit_field: ContinuaRegulation

    @property
    def unregulated_device(self) -> bool:
        return bool(self.regulation_bit_field & ContinuaRegulation.UNREGULATED_DEVICE)


@dataclass(frozen=True, slots=True)
class RegCertData:
    """One RegCertData entry. ``auth_body_data`` is decoded for the two Continua structures
    (auth-body 2, struc-type 1 or 2) and raw bytes otherwise."""

    auth_body: AuthBody | int
    auth_body_struc_type: int
    auth_body_data: ContinuaBodyStruct | ContinuaRegStruct | bytes

    def __post_init__(self) -> None:
        normalise_code(self, "auth_body", AuthBody)


@dataclass(frozen=True, slots=True)
class RegulatoryCertificationDataList:
    """IEEE 11073-20601 Regulatory Certification Data List (0x2A2A)."""

    entries: tuple[RegCertData, ...]

    @property
    def unregulated_device(self) -> bool | None:
        """The Continua unregulated-device bit, or None when no ContinuaRegStruct is given."""
        for entry in self.entries:
            if isinstance(entry.auth_body_data, ContinuaRegStruct):
                return entry.auth_body_data.unregulated_device
        return None


def _be16(r: Reader, what: str) -> int:
    high, low = r.take(2, what)
    return high << 8 | low


def _read_continua_body(r: Reader) -> ContinuaBodyStruct:
    major = r.u8("major IG version")
    minor = r.u8("minor IG version")
    count_at = r.offset
    count = _be16(r, "certified devices count")
    length = _be16(r, "certified devices length")
    if length != 2 * count:
        raise r.error(f"certified devices: length {length} is not 2 x count {count}", count_at)
    if length > r.remaining():
        raise r.error(f"truncated: {count} certified device classes need {length} byte(s)")
    classes = tuple(_be16(r, "certified device class") for _ in range(count))
    return ContinuaBodyStruct(major, minor, classes)


def decode_regulatory_certification_data_list(
    data: ByteString,
) -> RegulatoryCertificationDataList:
    r = Reader(data, REGULATORY_CERTIFICATION_DATA_LIST.name)
    count = _be16(r, "count")
    length_at = r.offset
    length = _be16(r, "length")
    if length != r.remaining():
        raise r.error(
            f"length {length} does not match the {r.remaining()} byte(s) of entries", length_at
        )
    entries = []
    for _ in range(count):
        auth_body = r.u8("auth-body")
        struc_type = r.u8("auth-body-struc-type")
        data_length = _be16(r, "auth-body-data length")
        end = r.offset + data_length
        if end > len(r.data):
            raise r.error(f"truncated: auth-body-data needs {data_length} byte(s)")
        # A reader that ends with this entry's data, so nothing inside can read past it.
        sub = Reader(r.data[:end], r.characteristic)
        sub.offset = r.offset
        body: ContinuaBodyStruct | ContinuaRegStruct | bytes
        if auth_body == AuthBody.CONTINUA and struc_type == 1:
            body = _read_continua_body(sub)
        elif auth_body == AuthBody.CONTINUA and struc_type == 2:
            body = ContinuaRegStruct(ContinuaRegulation(_be16(sub, "regulation-bit-field")))
        else:
            body = sub.rest()
        sub.end()
        r.offset = end
        entries.append(RegCertData(auth_body, struc_type, body))
    if r.remaining():
        raise r.error(f"count {count} leaves {r.remaining()} byte(s) of entries unread")
    return RegulatoryCertificationDataList(tuple(entries))


def _mder16(value: int, what: str) -> bytes:
    return _bytes.check_range(value, 0, 0xFFFF, what).to_bytes(2, "big")


def _encode_entry(entry: RegCertData) -> bytes:
    auth_body = int(entry.auth_body)
    struc_type = entry.auth_body_struc_type
    body = entry.auth_body_data
    continua = auth_body == AuthBody.CONTINUA
    if isinstance(body, ContinuaBodyStruct):
        if not (continua and struc_type == 1):
            raise EncodeError("a ContinuaBodyStruct needs auth-body 2 and struc-type 1")
        classes = body.certified_device_classes
        raw = (
            _bytes.u8(body.major_ig_version, "major IG version")
            + _bytes.u8(body.minor_ig_version, "minor IG version")
            + _mder16(len(classes), "certified devices count")
            + _mder16(2 * len(classes), "certified devices length")
            + b"".join(_mder16(c, "certified device class") for c in classes)
        )
    elif isinstance(body, ContinuaRegStruct):
        if not (continua and struc_type == 2):
            raise EncodeError("a ContinuaRegStruct needs auth-body 2 and struc-type 2")
        raw = _mder16(int(body.regulation_bit_field), "regulation-bit-field")
    else:
        if continua and struc_type in (1, 2):
            raise EncodeError("Continua struc-types 1 and 2 need their decoded structure")
        raw = bytes(body)
    return (
        _bytes.u8(auth_body, "auth-body")
        + _bytes.u8(struc_type, "auth-body-struc-type")
        + _mder16(len(raw), "auth-body-data length")
        + raw
    )


def encode_regulatory_certification_data_list(value: RegulatoryCertificationDataList) -> bytes:
    entries = b"".join(_encode_entry(entry) for entry in value.entries)
    return _mder16(len(value.entries), "count") + _mder16(len(entries), "length") + entries


# --- PnP ID ------------------------------------------------------------------------------------


class VendorIdSource(enum.IntEnum):
    BLUETOOTH_SIG = 1
    USB_IMPLEMENTERS_FORUM = 2


@dataclass(frozen=True, slots=True)
class PnpId:
    """PnP ID (0x2A50). ``product_version`` is 0xJJMN (major JJ, minor M, sub-minor N)."""

    vendor_id_source: VendorIdSource | int
    vendor_id: int
    product_id: int
    product_version: int

    def __post_init__(self) -> None:
        normalise_code(self, "vendor_id_source", VendorIdSource)

    @property
    def version_text(self) -> str:
        v = self.product_version
        return f"{v >> 8}.{(v >> 4) & 0x0F}.{v & 0x0F}"


def decode_pnp_id(data: ByteString) -> PnpId:
    r = Reader(data, PNP_ID.name)
    value = PnpId(
        r.u8("vendor id source"), r.u16("vendor id"), r.u16("product id"), r.u16("version")
    )
    r.end()
    return value


def encode_pnp_id(value: PnpId) -> bytes:
    return (
        _bytes.u8(int(value.vendor_id_source), "vendor id source")
        + _bytes.u16(value.vendor_id, "vendor id")
        + _bytes.u16(value.product_id, "product id")
        + _bytes.u16(value.product_version, "product version")
    )


SYSTEM_ID = Characteristic(0x2A23, "system-id", SystemId, decode_system_id, encode_system_id)
MODEL_NUMBER = _string_characteristic(0x2A24, "model-number-string", ModelNumber)
SERIAL_NUMBER = _string_characteristic(0x2A25, "serial-number-string", SerialNumber)
FIRMWARE_REVISION = _string_characteristic(0x2A26, "firmware-revision-string", FirmwareRevision)
HARDWARE_REVISION = _string_characteristic(0x2A27, "hardware-revision-string", HardwareRevision)
SOFTWARE_REVISION = _string_characteristic(0x2A28, "software-revision-string", SoftwareRevision)
MANUFACTURER_NAME = _string_characteristic(0x2A29, "manufacturer-name-string", ManufacturerName)
REGULATORY_CERTIFICATION_DATA_LIST = Characteristic(
    0x2A2A,
    "ieee-11073-20601-regulatory-certification-data-list",
    RegulatoryCertificationDataList,
    decode_regulatory_certification_data_list,
    encode_regulatory_certification_data_list,
)
PNP_ID = Characteristic(0x2A50, "pnp-id", PnpId, decode_pnp_id, encode_pnp_id)
# The string decoders under the names they had as functions.
decode_model_number = MODEL_NUMBER.decode
decode_serial_number = SERIAL_NUMBER.decode
decode_firmware_revision = FIRMWARE_REVISION.decode
decode_hardware_revision = HARDWARE_REVISION.decode
decode_software_revision = SOFTWARE_REVISION.decode
decode_manufacturer_name = MANUFACTURER_NAME.decode
CHARACTERISTICS: Final = (
    SYSTEM_ID,
    MODEL_NUMBER,
    SERIAL_NUMBER,
    FIRMWARE_REVISION,
    HARDWARE_REVISION,
    SOFTWARE_REVISION,
    MANUFACTURER_NAME,
    REGULATORY_CERTIFICATION_DATA_LIST,
    PNP_ID,
)

_T = TypeVar("_T")
SYSTEM_ID_SIZE: Final = 8

DIS_STRINGS: Final = (
    ("manufacturer", MANUFACTURER_NAME),
    ("model", MODEL_NUMBER),
    ("serial_number", SERIAL_NUMBER),
    ("hardware_revision", HARDWARE_REVISION),
    ("firmware_revision", FIRMWARE_REVISION),
    ("software_revision", SOFTWARE_REVISION),
)
""":class:`DeviceInformation` field -> the string characteristic it comes from."""

_STRING_TYPES: Final[dict[str, Callable[[str], DeviceString]]] = {
    "manufacturer": ManufacturerName,
    "model": ModelNumber,
    "serial_number": SerialNumber,
    "hardware_revision": HardwareRevision,
    "firmware_revision": FirmwareRevision,
    "software_revision": SoftwareRevision,
}


def dis_string(raw: bytes) -> str | None:
    """A DIS string as a gateway takes it from any device: invalid UTF-8 replaced, trailing NULs
    and blanks (common padding) removed; None if empty."""
    text = raw.decode("utf-8", errors="replace").rstrip("\x00").strip()
    return text or None


@dataclass(frozen=True, slots=True)
class UndecodedFact:
    """A Device Information value that did not decode (the fact is left unknown)."""

    characteristic: AnyCharacteristic
    raw: bytes
    error: str


@dataclass(frozen=True, slots=True)
class DeviceInformation:
    """Device Information Service strings, System ID (the value as sent, little-endian air
    order), IEEE 11073-20601 Regulatory Certification Data List (0x2A2A) and PnP ID (0x2A50),
    each None when not exposed or (for the last two) not decodable."""

    manufacturer: str | None = None
    model: str | None = None
    serial_number: str | None = None
    hardware_revision: str | None = None
    firmware_revision: str | None = None
    software_revision: str | None = None
    system_id: bytes | None = None
    regulatory_certification: RegulatoryCertificationDataList | None = None
    pnp_id: PnpId | None = None

    @property
    def system_id_eui64(self) -> str | None:
        """The System ID as an EUI-64 (OUI first), hex without separators, as IEEE 11073-20601
        and the PHD IG use it: the characteristic is little-endian (40-bit manufacturer
        identifier, then 24-bit OUI), so the EUI-64 is its bytes reversed."""
        if self.system_id is None or len(self.system_id) != SYSTEM_ID_SIZE:
            return None
        return self.system_id[::-1].hex().upper()

    @classmethod
    def from_values(
        cls, values: Mapping[int, bytes]
    ) -> tuple[DeviceInformation, tuple[UndecodedFact, ...]]:
        """The facts in the values read (16-bit UUID -> value; absent ones are unknown), and
        the values that did not decode. Strings are taken leniently (:func:`dis_string`); a
        System ID of the wrong size is unknown."""
        failures: list[UndecodedFact] = []

        def decoded(characteristic: Characteristic[_T]) -> _T | None:
            raw = values.get(characteristic.uuid16)
            if raw is None:
                return None
            try:
                return characteristic.decode(raw)
            except DecodeError as exc:
                failures.append(UndecodedFact(characteristic, raw, str(exc)))
                return None

        strings = {
            field: dis_string(values[c.uuid16]) if c.uuid16 in values else None
            for field, c in DIS_STRINGS
        }
        system_id = values.get(SYSTEM_ID.uuid16)
        info = cls(
            **strings,
            system_id=system_id if system_id and len(system_id) == SYSTEM_ID_SIZE else None,
            regulatory_certification=decoded(REGULATORY_CERTIFICATION_DATA_LIST),
            pnp_id=decoded(PNP_ID),
        )
        return info, tuple(failures)

    def values(self) -> dict[int, bytes]:
        """The characteristic values (16-bit UUID -> value) of the facts known, as a device
        sends them: what a simulated device serves."""
        found: dict[int, bytes] = {}
        for field, characteristic in DIS_STRINGS:
            text = getattr(self, field)
            if text is not None:
                found[characteristic.uuid16] = encode_device_string(_STRING_TYPES[field](text))
        if self.system_id is not None:
            found[SYSTEM_ID.uuid16] = self.system_id
        if self.regulatory_certification is not None:
            found[REGULATORY_CERTIFICATION_DATA_LIST.uuid16] = (
                encode_regulatory_certification_data_list(self.regulatory_certification)
            )
        if self.pnp_id is not None:
            found[PNP_ID.uuid16] = encode_pnp_id(self.pnp_id)
        return found
