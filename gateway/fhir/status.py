"""IEEE 11073 measurement status → Observation status, dataAbsentReason, interpretation and
security label, as the PHD IG's PhdBaseObservation notes say.

===================  ==========================================================
flag                 effect
===================  ==========================================================
invalid              dataAbsentReason ``error``, status ``entered-in-error``
not-available        dataAbsentReason ``not-performed``
msmt-ongoing         dataAbsentReason ``temp-unknown`` (the IG names no code) [1]
questionable         interpretation ``questionable``
calibration-ongoing  interpretation ``calibration-ongoing``
validated-data       interpretation ``validated-data``
early-indication     interpretation ``early-indication``, status ``preliminary``
threshold-error      interpretation ``in-alarm``
thresholding-off     interpretation ``alarm-inhibited``
test/demo data       ``meta.security`` HTEST
manually entered     ``note`` "manually entered"
===================  ==========================================================

A status dataAbsentReason replaces the value (and wins over a special-value one). [1] is PHG's
choice. Classic Bluetooth blood pressure has no such status; profiles that do (pulse oximeter
measurement status, glucose sensor status) translate their bits to :class:`MeasurementStatus`.
"""

from __future__ import annotations

import enum
from typing import Final

from gateway.fhir import codes
from gateway.fhir.elements import DAR_DISPLAY, JsonDict


class MeasurementStatus(enum.Flag):
    NONE = 0
    INVALID = enum.auto()
    QUESTIONABLE = enum.auto()
    NOT_AVAILABLE = enum.auto()
    CALIBRATION_ONGOING = enum.auto()
    TEST_DATA = enum.auto()
    DEMONSTRATION_DATA = enum.auto()
    VALIDATED_DATA = enum.auto()
    EARLY_INDICATION = enum.auto()
    MSMT_ONGOING = enum.auto()
    THRESHOLD_ERROR = enum.auto()
    THRESHOLDING_DISABLED = enum.auto()
    MANUALLY_ENTERED = enum.auto()


_INTERPRETATION: Final = (
    (MeasurementStatus.QUESTIONABLE, "questionable"),
    (MeasurementStatus.CALIBRATION_ONGOING, "calibration-ongoing"),
    (MeasurementStatus.VALIDATED_DATA, "validated-data"),
    (MeasurementStatus.EARLY_INDICATION, "early-indication"),
    (MeasurementStatus.THRESHOLD_ERROR, "in-alarm"),
    (MeasurementStatus.THRESHOLDING_DISABLED, "alarm-inhibited"),
)
_DAR: Final = (
    (MeasurementStatus.INVALID, "error"),
    (MeasurementStatus.NOT_AVAILABLE, "not-performed"),
    (MeasurementStatus.MSMT_ONGOING, "temp-unknown"),
)
_VALUE_KEYS: Final = (
    "valueQuantity",
    "valueCodeableConcept",
    "valueString",
    "valueSampledData",
    "valueBoolean",
)


def apply_measurement_status(resource: JsonDict, status: MeasurementStatus) -> JsonDict:
    """Apply ``status`` to a mapped Observation (in place; also returned)."""
    if not status:
        return resource
    for flag, code in _DAR:
        if flag in status:
            for key in _VALUE_KEYS:
                resource.pop(key, None)
            display = DAR_DISPLAY.get(code, "Temporarily Unknown")
            resource["dataAbsentReason"] = {
                "coding": [{"system": codes.DATA_ABSENT_REASON, "code": code, "display": display}]
            }
            break
    if MeasurementStatus.INVALID in status:
        resource["status"] = "entered-in-error"
    elif MeasurementStatus.EARLY_INDICATION in status:
        resource["status"] = "preliminary"
    interpretation = [
        {"coding": [{"system": codes.MEASUREMENT_STATUS, "code": code}]}
        for flag, code in _INTERPRETATION
        if flag in status
    ]
    if interpretation:
        resource["interpretation"] = interpretation
    if status & (MeasurementStatus.TEST_DATA | MeasurementStatus.DEMONSTRATION_DATA):
        resource.setdefault("meta", {})["security"] = [
            {"system": codes.ACT_REASON, "code": "HTEST"}
        ]
    if MeasurementStatus.MANUALLY_ENTERED in status:
        resource["note"] = [{"text": "manually entered"}]
    return resource
