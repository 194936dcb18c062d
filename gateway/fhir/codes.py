"""Code systems, codes and profile URLs of the PHD IG 2.0.0 mapping (FHIR R4 4.0.1).

MDC codes are the decimal 32-bit form (partition × 65536 + term code) the IG uses, kept as
strings because FHIR codes are strings. Names are the IEEE 11073-10101 reference ids, which the
IG recommends as ``display``.
"""

from __future__ import annotations

from typing import Final

# --- code systems -------------------------------------------------------------------------
MDC: Final = "urn:iso:std:iso:11073:10101"
LOINC: Final = "http://loinc.org"
UCUM: Final = "http://unitsofmeasure.org"
ASN1_TO_HL7: Final = "http://terminology.hl7.org/CodeSystem/ASN1ToHL7"
OBSERVATION_CATEGORY: Final = "http://terminology.hl7.org/CodeSystem/observation-category"
PHD_CATEGORY: Final = "http://hl7.org/fhir/uv/phd/CodeSystem/PhdObservationCategories"
DATA_ABSENT_REASON: Final = "http://terminology.hl7.org/CodeSystem/data-absent-reason"
YES_NO: Final = "http://terminology.hl7.org/CodeSystem/v2-0136"
IDENTIFIER_TYPE_V2: Final = "http://terminology.hl7.org/CodeSystem/v2-0203"
ACT_REASON: Final = "http://terminology.hl7.org/CodeSystem/v3-ActReason"
MEASUREMENT_STATUS: Final = "http://hl7.org/fhir/uv/pocd/CodeSystem/measurement-status"
CONTINUA_DEVICE_IDENTIFIERS: Final = (
    "http://terminology.hl7.org/CodeSystem/ContinuaDeviceIdentifiers"
)

# --- identifier systems -------------------------------------------------------------------
SYSID_SYSTEM: Final = "urn:oid:1.2.840.10004.1.1.1.0.0.1.0.0.1.2680"
BTMAC_SYSTEM: Final = "http://hl7.org/fhir/sid/eui-48/bluetooth"
OBSERVATION_IDENTIFIER_SYSTEM: Final = (
    "http://hl7.org/fhir/uv/phd/StructureDefinition/PhdBaseObservation"
)

# --- profiles and extensions --------------------------------------------------------------
_SD: Final = "http://hl7.org/fhir/uv/phd/StructureDefinition/"
PROFILE_NUMERIC: Final = _SD + "PhdNumericObservation"
PROFILE_COMPOUND_NUMERIC: Final = _SD + "PhdCompoundNumericObservation"
PROFILE_COMPOUND: Final = _SD + "PhdCompoundObservation"
PROFILE_BITS: Final = _SD + "PhdBitsEnumerationObservation"
PROFILE_CODED: Final = _SD + "PhdCodedEnumerationObservation"
PROFILE_COINCIDENT: Final = _SD + "PhdCoincidentTimeStampObservation"
PROFILE_PHD_DEVICE: Final = _SD + "PhdDevice"
PROFILE_PHG_DEVICE: Final = _SD + "PhgDevice"
PROFILE_PATIENT: Final = _SD + "PhdPatient"
EXT_GATEWAY_DEVICE: Final = "http://hl7.org/fhir/StructureDefinition/observation-gatewayDevice"
EXT_COINCIDENT_TIME_STAMP: Final = _SD + "CoincidentTimeStampReference"

# --- MDC: device types, specializations, versions, properties ------------------------------
MDC_MOC_VMS_MDS_SIMP: Final = "65573"
MDC_MOC_VMS_MDS_AHD: Final = "531981"
MDC_DEV_SPEC_PROFILE_PULS_OXIM: Final = "528388"
MDC_DEV_SPEC_PROFILE_BP: Final = "528391"
MDC_DEV_SPEC_PROFILE_TEMP: Final = "528392"
MDC_DEV_SPEC_PROFILE_SCALE: Final = "528399"
MDC_DEV_SPEC_PROFILE_GLUCOSE: Final = "528401"
MDC_DEV_SPEC_PROFILE_BCA: Final = "528404"
MDC_DEV_SPEC_PROFILE_CGM: Final = "528409"
MDC_DEV_SPEC_PROFILE_GENERIC: Final = "528457"
MDC_ID_PROD_SPEC_HW: Final = "531974"
MDC_ID_PROD_SPEC_SW: Final = "531975"
MDC_ID_PROD_SPEC_FW: Final = "531976"
MDC_REG_CERT_DATA_CONTINUA_VERSION: Final = "532352"
MDC_TIME_SYNC_PROTOCOL: Final = "68220"
MDC_TIME_CAPAB: Final = "68219"  # ASN1 bits: .0 real-time clock, .1 set clock, ...
MDC_TIME_RES_ABS: Final = "68222"
NEGATED_REGULATION_STATUS: Final = "532354.0"

# Time synchronisation methods (MDCTimeSyncMethods).
MDC_TIME_SYNC_NONE: Final = "532224"
MDC_TIME_SYNC_NTPV4: Final = "532226"
MDC_TIME_SYNC_SNTPV4: Final = "532227"
MDC_TIME_SYNC_BTV1: Final = "532229"

# Clock types (MDCClockTypes).
MDC_ATTR_TIME_ABS: Final = "67975"

# --- MDC: observation types ---------------------------------------------------------------
MDC_PRESS_BLD_NONINV: Final = "150020"
MDC_PRESS_BLD_NONINV_SYS: Final = "150021"
MDC_PRESS_BLD_NONINV_DIA: Final = "150022"
MDC_PRESS_BLD_NONINV_MEAN: Final = "150023"
MDC_PULS_RATE_NON_INV: Final = "149546"
MDC_BLOOD_PRESSURE_MEASUREMENT_STATUS: Final = "8410608"
MDC_ATTR_VAL_BATT_CHARGE: Final = "67996"
MDC_ATTR_SUPPLEMENTAL_TYPES: Final = "68193"

DISPLAY: Final[dict[str, str]] = {
    MDC_MOC_VMS_MDS_SIMP: "MDC_MOC_VMS_MDS_SIMP",
    MDC_MOC_VMS_MDS_AHD: "MDC_MOC_VMS_MDS_AHD",
    MDC_DEV_SPEC_PROFILE_PULS_OXIM: "MDC_DEV_SPEC_PROFILE_PULS_OXIM",
    MDC_DEV_SPEC_PROFILE_BP: "MDC_DEV_SPEC_PROFILE_BP",
    MDC_DEV_SPEC_PROFILE_TEMP: "MDC_DEV_SPEC_PROFILE_TEMP",
    MDC_DEV_SPEC_PROFILE_SCALE: "MDC_DEV_SPEC_PROFILE_SCALE",
    MDC_DEV_SPEC_PROFILE_GLUCOSE: "MDC_DEV_SPEC_PROFILE_GLUCOSE",
    MDC_DEV_SPEC_PROFILE_BCA: "MDC_DEV_SPEC_PROFILE_BCA",
    MDC_DEV_SPEC_PROFILE_CGM: "MDC_DEV_SPEC_PROFILE_CGM",
    MDC_DEV_SPEC_PROFILE_GENERIC: "MDC_DEV_SPEC_PROFILE_GENERIC",
    MDC_ID_PROD_SPEC_HW: "MDC_ID_PROD_SPEC_HW",
    MDC_ID_PROD_SPEC_SW: "MDC_ID_PROD_SPEC_SW",
    MDC_ID_PROD_SPEC_FW: "MDC_ID_PROD_SPEC_FW",
    MDC_REG_CERT_DATA_CONTINUA_VERSION: "MDC_REG_CERT_DATA_CONTINUA_VERSION",
    MDC_TIME_SYNC_PROTOCOL: "MDC_TIME_SYNC_PROTOCOL",
    MDC_TIME_RES_ABS: "MDC_TIME_RES_ABS",
    MDC_TIME_SYNC_NONE: "MDC_TIME_SYNC_NONE",
    "532225": "MDC_TIME_SYNC_EBWW",
    MDC_TIME_SYNC_NTPV4: "MDC_TIME_SYNC_NTPV4",
    MDC_TIME_SYNC_SNTPV4: "MDC_TIME_SYNC_SNTPV4",
    MDC_TIME_SYNC_BTV1: "MDC_TIME_SYNC_BTV1",
    MDC_ATTR_TIME_ABS: "MDC_ATTR_TIME_ABS",
    MDC_PRESS_BLD_NONINV: "MDC_PRESS_BLD_NONINV",
    MDC_PRESS_BLD_NONINV_SYS: "MDC_PRESS_BLD_NONINV_SYS",
    MDC_PRESS_BLD_NONINV_DIA: "MDC_PRESS_BLD_NONINV_DIA",
    MDC_PRESS_BLD_NONINV_MEAN: "MDC_PRESS_BLD_NONINV_MEAN",
    MDC_PULS_RATE_NON_INV: "MDC_PULS_RATE_NON_INV",
    MDC_BLOOD_PRESSURE_MEASUREMENT_STATUS: "MDC_BLOOD_PRESSURE_MEASUREMENT_STATUS",
    MDC_ATTR_VAL_BATT_CHARGE: "MDC_ATTR_VAL_BATT_CHARGE",
    MDC_ATTR_SUPPLEMENTAL_TYPES: "MDC_ATTR_SUPPLEMENTAL_TYPES",
}

# --- LOINC (R4 vital signs) ---------------------------------------------------------------
LOINC_BP_PANEL: Final = "85354-9"
LOINC_SYSTOLIC: Final = "8480-6"
LOINC_DIASTOLIC: Final = "8462-4"
LOINC_HEART_RATE: Final = "8867-4"

# --- UCUM units ---------------------------------------------------------------------------
UCUM_MMHG: Final = "mm[Hg]"
UCUM_KPA: Final = "kPa"
UCUM_PER_MIN: Final = "/min"
UCUM_PERCENT: Final = "%"
UCUM_MICROSECOND: Final = "us"

# --- categories (codings; gateway.fhir.elements builds fresh CodeableConcepts from them) ---
PHD_CATEGORY_CODE: Final = "phd"
VITAL_SIGNS_CATEGORY_CODE: Final = "vital-signs"
