"""Device Information Service vectors, built by hand from the GSS / DIS 1.1 layouts and, for the
regulatory certification data list, the MDER encoding of IEEE 11073-20601 (big-endian)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from profiles import device_information as dis
from profiles.errors import DecodeError, EncodeError
from profiles.registry import lookup
from tests.profiles.assertions import assert_decode_error

# --- System ID ---------------------------------------------------------------------------------


def test_system_id_byte_order() -> None:
    # Manufacturer identifier 0x0504030201 (LSO first), then OUI 0x080706 (LSO first).
    data = bytes.fromhex("0102030405060708")
    value = dis.decode_system_id(data)
    assert value == dis.SystemId(0x0504030201, 0x080706)
    assert value.eui64 == "0807060504030201"
    assert value.wire_bytes == data
    assert dis.encode_system_id(value) == data
    assert dis.SystemId.from_eui64("08:07:06:05:04:03:02:01") == value


def test_system_id_from_mac_style_oui() -> None:
    # A device with OUI 00-1A-7D (cyber-blue) and manufacturer id 0xFFFE123456.
    value = dis.SystemId.from_eui64("001A7DFFFE123456")
    assert value.organizationally_unique_identifier == 0x001A7D
    assert value.manufacturer_identifier == 0xFFFE123456
    assert value.wire_bytes == bytes.fromhex("563412feff7d1a00")


@pytest.mark.parametrize(("hex_value", "offset"), [("", 0), ("01020304050607", 0), ("00" * 9, 8)])
def test_system_id_malformed(hex_value: str, offset: int) -> None:
    assert_decode_error(dis.decode_system_id, hex_value, "system-id", offset)


def test_system_id_invalid_values() -> None:
    with pytest.raises(EncodeError):
        dis.SystemId(1 << 40, 0)
    with pytest.raises(EncodeError):
        dis.SystemId.from_eui64("0011")
    with pytest.raises(EncodeError):
        dis.SystemId.from_eui64("00112233445566zz")


# --- Strings -----------------------------------------------------------------------------------

STRING_DECODERS = [
    (dis.decode_model_number, dis.ModelNumber, "model-number-string"),
    (dis.decode_serial_number, dis.SerialNumber, "serial-number-string"),
    (dis.decode_firmware_revision, dis.FirmwareRevision, "firmware-revision-string"),
    (dis.decode_hardware_revision, dis.HardwareRevision, "hardware-revision-string"),
    (dis.decode_software_revision, dis.SoftwareRevision, "software-revision-string"),
    (dis.decode_manufacturer_name, dis.ManufacturerName, "manufacturer-name-string"),
]


@pytest.mark.parametrize(("decode", "kind", "name"), STRING_DECODERS)
def test_strings(decode: Callable[[bytes], Any], kind: type, name: str) -> None:
    value = decode(b"Acme BP-100")
    assert value.value == "Acme BP-100"
    assert dis.encode_device_string(value) == b"Acme BP-100"
    assert type(value) is kind
    assert lookup(name).measurement_type is kind
    assert decode("Grüße".encode()).value == "Grüße"
    assert decode(b"").value == ""
    # Trailing NUL padding is stripped; NULs inside are kept.
    assert decode(b"1.2.3\x00\x00\x00").value == "1.2.3"
    assert decode(b"a\x00b\x00").value == "a\x00b"
    with pytest.raises(DecodeError) as caught:
        decode(b"ab\xffcd")
    assert caught.value.characteristic == name
    assert caught.value.offset == 2
    with pytest.raises(DecodeError) as caught:
        decode(b"abc\xc3")  # multi-byte sequence cut short
    assert caught.value.offset == 3
    with pytest.raises(DecodeError) as caught:
        decode(b"x" * 513)
    assert caught.value.offset == 0


def test_string_types_are_distinct() -> None:
    kinds = {kind for _, kind, _ in STRING_DECODERS}
    assert len(kinds) == 6


def test_string_encode_errors() -> None:
    with pytest.raises(EncodeError):
        dis.encode_device_string(dis.ModelNumber("pad\x00"))
    with pytest.raises(EncodeError):
        dis.encode_device_string(dis.SerialNumber("\ud800"))
    with pytest.raises(EncodeError):
        dis.encode_device_string(dis.ManufacturerName("é" * 257))


# --- Regulatory certification data list --------------------------------------------------------

# Antidote's example entry: auth-body Continua (2), struc-type 1, 8 bytes of ContinuaBodyStruct:
# IG version 1.5, one certified device class 0x4008.
CONTINUA_BODY_ENTRY = bytes.fromhex("02 01 000801 05 0001 0002 4008")
# ContinuaRegStruct: regulation-bit-field 0x8000 = unregulated-device (MDER bit 0 is the MSB).
CONTINUA_REG_ENTRY = bytes.fromhex("02 02 00028000")
RAW_ENTRY = bytes.fromhex("01 07 0003abcdef")


def test_reg_cert_data_list_continua() -> None:
    data = bytes.fromhex("0002 0012") + CONTINUA_BODY_ENTRY + CONTINUA_REG_ENTRY
    value = dis.decode_regulatory_certification_data_list(data)
    assert value == dis.RegulatoryCertificationDataList(
        (
            dis.RegCertData(dis.AuthBody.CONTINUA, 1, dis.ContinuaBodyStruct(1, 5, (0x4008,))),
            dis.RegCertData(
                dis.AuthBody.CONTINUA,
                2,
                dis.ContinuaRegStruct(dis.ContinuaRegulation.UNREGULATED_DEVICE),
            ),
        )
    )
    assert value.unregulated_device is True
    assert dis.encode_regulatory_certification_data_list(value) == data


def test_reg_cert_data_list_regulated_and_raw() -> None:
    data = bytes.fromhex("0002 000d") + RAW_ENTRY + bytes.fromhex("02 02 0002 0000")
    value = dis.decode_regulatory_certification_data_list(data)
    raw, reg = value.entries
    assert raw == dis.RegCertData(dis.AuthBody.IEEE_11073, 7, bytes.fromhex("abcdef"))
    assert reg.auth_body_data == dis.ContinuaRegStruct(dis.ContinuaRegulation(0))
    assert value.unregulated_device is False
    assert dis.encode_regulatory_certification_data_list(value) == data


def test_reg_cert_data_list_empty_and_unknown_bodies() -> None:
    assert dis.decode_regulatory_certification_data_list(
        bytes.fromhex("00000000")
    ) == dis.RegulatoryCertificationDataList(())
    value = dis.decode_regulatory_certification_data_list(bytes.fromhex("0001 0004 07 01 0000"))
    entry = value.entries[0]
    assert entry.auth_body == 7
    assert type(entry.auth_body) is int
    assert entry.auth_body_data == b""
    assert value.unregulated_device is None
    # Continua struc-type 3 is not decoded: kept as bytes.
    value = dis.decode_regulatory_certification_data_list(
        bytes.fromhex("0001 0006 02 03 0002 1234")
    )
    assert value.entries[0].auth_body_data == bytes.fromhex("1234")


@pytest.mark.parametrize(
    ("hex_value", "offset"),
    [
        ("", 0),
        ("0001", 2),
        ("0001000c", 2),  # length 12 but no entries
        ("0001000d" + CONTINUA_BODY_ENTRY.hex(), 2),  # length one more than the entries
        ("0002000c" + CONTINUA_BODY_ENTRY.hex(), 16),  # count 2, one entry
        ("00010012" + CONTINUA_BODY_ENTRY.hex() + CONTINUA_REG_ENTRY.hex(), 16),  # count 1, two
        ("00010004 0201 0009", 8),  # auth-body-data longer than the value
        ("00010008 0201 0004 0105 0001", 12),  # ContinuaBodyStruct: list length missing
        ("0001000c 0201 0008 0105 0002 0002 4008", 10),  # certified count 2, length 2
        ("0001000c 0201 0008 0105 0002 0004 4008", 14),  # 2 classes, 1 in the entry
        ("00010005 0202 0001 80", 8),  # ContinuaRegStruct cut short
        ("00010007 0202 0003 800000", 10),  # ContinuaRegStruct with a byte too many
    ],
)
def test_reg_cert_data_list_malformed(hex_value: str, offset: int) -> None:
    assert_decode_error(
        dis.decode_regulatory_certification_data_list,
        hex_value,
        "ieee-11073-20601-regulatory-certification-data-list",
        offset,
    )


def test_reg_cert_data_list_encode_errors() -> None:
    wrong = dis.RegCertData(dis.AuthBody.IEEE_11073, 1, dis.ContinuaBodyStruct(1, 0, ()))
    with pytest.raises(EncodeError):
        dis.encode_regulatory_certification_data_list(dis.RegulatoryCertificationDataList((wrong,)))
    raw_continua = dis.RegCertData(dis.AuthBody.CONTINUA, 2, b"\x80\x00")
    with pytest.raises(EncodeError):
        dis.encode_regulatory_certification_data_list(
            dis.RegulatoryCertificationDataList((raw_continua,))
        )


# --- PnP ID ------------------------------------------------------------------------------------


def test_pnp_id() -> None:
    data = bytes.fromhex("01 5900 3412 1001")  # Bluetooth SIG, Nordic (0x0059), 0x1234, 1.1.0
    value = dis.decode_pnp_id(data)
    assert value == dis.PnpId(dis.VendorIdSource.BLUETOOTH_SIG, 0x0059, 0x1234, 0x0110)
    assert value.version_text == "1.1.0"
    assert dis.encode_pnp_id(value) == data
    usb = dis.decode_pnp_id(bytes.fromhex("02 6b1d 0100 0002"))
    assert usb.vendor_id_source is dis.VendorIdSource.USB_IMPLEMENTERS_FORUM
    reserved = dis.decode_pnp_id(bytes.fromhex("00 0000 0000 0000"))
    assert reserved.vendor_id_source == 0
    assert type(reserved.vendor_id_source) is int
    assert dis.PnpId(1, 0, 0, 0) == dis.PnpId(dis.VendorIdSource.BLUETOOTH_SIG, 0, 0, 0)


@pytest.mark.parametrize(
    ("hex_value", "offset"),
    [
        ("", 0),
        ("01", 1),
        ("015900", 3),
        ("0159003412", 5),
        ("015900341210", 5),
        ("0159003412100100", 7),
    ],
)
def test_pnp_id_malformed(hex_value: str, offset: int) -> None:
    assert_decode_error(dis.decode_pnp_id, hex_value, "pnp-id", offset)
