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
DATA_ABSENT_REASON_EXTENSION: Final = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
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
PROFILE_RTSA: Final = _SD + "PhdRtsaObservation"
PROFILE_STRING: Final = _SD + "PhdStringObservation"
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
MDC_TIME_SYNC_EBWW: Final = "532225"
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

# === Weight scale, body composition, thermometer (gateway.fhir.mappers.weight_scale,
# body_composition, health_thermometer). MDC partition 2 (SCADA): 131072 + term code. ========
MDC_MASS_BODY_ACTUAL: Final = "188736"
MDC_LEN_BODY_ACTUAL: Final = "188740"
MDC_BODY_FAT: Final = "188748"
MDC_RATIO_MASS_BODY_LEN_SQ: Final = "188752"
MDC_MASS_BODY_FAT_FREE: Final = "188756"
MDC_MASS_BODY_SOFT_LEAN: Final = "188760"
MDC_BODY_WATER: Final = "188764"
# Listed in published 11073 nomenclature tables as "not in 20601"; not verified against RTMMS
# (see gateway.fhir.mappers.body_composition).
MDC_BASAL_METABOLISM: Final = "188768"
MDC_BODY_MUSCLE: Final = "188772"
MDC_MASS_BODY_MUSCLE: Final = "188776"
MDC_BODY_ELECTRICAL_IMPEDANCE: Final = "188780"
# Body temperature by site (Bluetooth Temperature Type).
MDC_TEMP_BODY: Final = "150364"
MDC_TEMP_TYMP: Final = "150392"
MDC_TEMP_RECT: Final = "188420"
MDC_TEMP_ORAL: Final = "188424"
MDC_TEMP_EAR: Final = "188428"
MDC_TEMP_FINGER: Final = "188432"
MDC_TEMP_TOE: Final = "188448"
MDC_TEMP_AXILLA: Final = "188452"
MDC_TEMP_GIT: Final = "188456"


LOINC_BODY_WEIGHT: Final = "29463-7"
LOINC_BODY_HEIGHT: Final = "8302-2"
LOINC_BMI: Final = "39156-5"
LOINC_BODY_TEMPERATURE: Final = "8310-5"

UCUM_KG: Final = "kg"
UCUM_LB: Final = "[lb_av]"
UCUM_CM: Final = "cm"
UCUM_INCH: Final = "[in_i]"
UCUM_KG_PER_M2: Final = "kg/m2"
UCUM_KJ: Final = "kJ"
UCUM_OHM: Final = "Ohm"
UCUM_CELSIUS: Final = "Cel"
UCUM_FAHRENHEIT: Final = "[degF]"
# === end weight scale, body composition, thermometer ==========================================

# === Glucose, CGM, pulse oximeter, heart rate (gateway.fhir.mappers.glucose/cgm/...) ======
# MDC codes from IEEE 11073-10101 (the decimal 32-bit form); ASN.1 BITS codes are checked
# against the IG's ASN1ToHL7 CodeSystem (gateway/validation/definitions).
MDC_DEV_SPEC_PROFILE_ECG: Final = "528390"  # the notes give 528390 for heart rate sensors
MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD: Final = "160184"
MDC_CONC_GLU_CAPILLARY_PLASMA: Final = "160188"
MDC_CONC_GLU_VENOUS_WHOLEBLOOD: Final = "160192"
MDC_CONC_GLU_VENOUS_PLASMA: Final = "160196"
MDC_CONC_GLU_ARTERIAL_WHOLEBLOOD: Final = "160200"
MDC_CONC_GLU_ARTERIAL_PLASMA: Final = "160204"
MDC_CONC_GLU_CONTROL: Final = "160208"
MDC_CONC_GLU_ISF: Final = "160212"
MDC_CONC_GLU_UNDETERMINED_WHOLEBLOOD: Final = "160364"
MDC_CONC_GLU_UNDETERMINED_PLASMA: Final = "160368"
MDC_CONC_HBA1C: Final = "160220"
MDC_GLU_METER_DEV_STATUS: Final = "8417752"
MDC_CTXT_GLU_EXERCISE: Final = "8417760"
MDC_CTXT_GLU_CARB: Final = "8417764"
MDC_CTXT_MEDICATION: Final = "8417796"
MDC_CTXT_GLU_HEALTH: Final = "8417820"
MDC_CTXT_GLU_SAMPLELOCATION: Final = "8417844"
MDC_CTXT_GLU_MEAL: Final = "8417864"
MDC_CTXT_GLU_TESTER: Final = "8417884"
MDC_CONC_GLU_TREND: Final = "8418008"
MDC_CGM_DEV_STAT: Final = "8418060"
MDC_PULS_OXIM_SAT_O2: Final = "150456"
MDC_PULS_OXIM_PULS_RATE: Final = "149530"
MDC_PULS_OXIM_PERF_REL: Final = "150448"
MDC_PULS_OXIM_DEV_STATUS: Final = "150604"
MDC_MODALITY_FAST: Final = "150580"
MDC_MODALITY_SLOW: Final = "150584"
MDC_MODALITY_SPOT: Final = "150588"
MDC_ECG_HEART_RATE: Final = "147842"
MDC_ECG_TIME_PD_RR_GL: Final = "147240"
MDC_ECG_ELEC_POTL: Final = "131328"  # ECG waveforms (GHS sample arrays)
MDC_ECG_ELEC_POTL_I: Final = "131329"
MDC_ECG_ELEC_POTL_II: Final = "131330"
MDC_ATTR_TIME_PD_MSMT_ACTIVE: Final = "68185"
LOINC_SPO2: Final = "2708-6"
UCUM_MG_PER_DL: Final = "mg/dL"
UCUM_MMOL_PER_L: Final = "mmol/L"
UCUM_MG_PER_DL_PER_MIN: Final = "mg/dL/min"
UCUM_GRAM: Final = "g"
UCUM_MILLIGRAM: Final = "mg"
UCUM_MILLILITRE: Final = "mL"
UCUM_SECOND: Final = "s"
UCUM_MILLISECOND: Final = "ms"

# === end glucose, CGM, pulse oximeter, heart rate ===========================================


_NO_DISPLAY: Final = frozenset({MDC_TIME_CAPAB})
"""Not displayed: MDC_TIME_CAPAB is only the stem of ASN.1 bit codes (68219.0), not a coding."""
DISPLAY: Final[dict[str, str]] = {
    code: name
    for name, code in list(globals().items())
    if name.startswith("MDC_") and code not in _NO_DISPLAY
}
"""The display of an MDC code: its reference id, the name of its constant here."""
