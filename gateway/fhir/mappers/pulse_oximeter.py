"""PLX Spot-check (0x2A5E) and Continuous (0x2A5F) Measurements → PHD IG Observations.

- SpO2 → PhdNumericObservation 150456 MDC_PULS_OXIM_SAT_O2 + LOINC 2708-6 (vital signs), ``%``;
  pulse rate → 149530 MDC_PULS_OXIM_PULS_RATE + LOINC 8867-4 (vital signs), ``/min``; pulse
  amplitude index → 150448 MDC_PULS_OXIM_PERF_REL ``%``. Each carries the supplemental type
  component 68193: spot-check 150588 MDC_MODALITY_SPOT, continuous fast 150580, slow 150584;
  continuous "normal" values have none. Stamped spot-checks get the conditional-create
  identifier with the supplemental type appended (IG identifier rule); continuous data is
  real time (reception time, no identifier).
- Measurement status → :class:`~gateway.fhir.status.MeasurementStatus` on every value
  Observation: ongoing → dataAbsentReason, early estimate → preliminary, validated, test/demo →
  HTEST, calibration ongoing, unavailable → not-performed, questionable, invalid → error +
  entered-in-error. "Fully qualified" and "from storage" have no FHIR effect.
- Device and sensor status → PhdBitsEnumerationObservation 150604 MDC_PULS_OXIM_DEV_STATUS
  ``derivedFrom`` the SpO2 Observation, set bits only. Bluetooth bit n → ASN.1 bit 15 − n: the
  Bluetooth field is the MDER field read from the other end (checked name by name against the
  IG's ASN1ToHL7 CodeSystem and bits-observation.json: 13 sensor displaced → .2, 8
  questionable pulse → .7, 5 low perfusion → .10, 4 poor → .11, 3 inadequate → .12).
- "Device clock not set" (spot-check flag bit 4) is a time fault: the stamp is still used (it
  is all there is), each Observation gets a ``note`` saying the device clock was not set and
  references a time-fault coincident time stamp (dataAbsentReason instead of the device time).
"""

from __future__ import annotations

from typing import Final

from gateway.fhir import codes
from gateway.fhir.elements import JsonDict, mdc, mdc_concept
from gateway.fhir.entries import BundleEntry
from gateway.fhir.mapper_types import AnyProfileMapper, ProfileMapper
from gateway.fhir.mappers.steps import set_bits_observation
from gateway.fhir.observation import ObservationContext
from gateway.fhir.status import MeasurementStatus, apply_measurement_status
from gateway.fhir.timeline import wall_clock_stamp
from gateway.fhir.values import set_value
from profiles.ieee11073 import MderNumber
from profiles.pulse_oximeter import (
    PlxContinuousMeasurement,
    PlxDeviceAndSensorStatus,
    PlxMeasurementStatus,
    PlxSpotCheckMeasurement,
    SpO2PR,
)

DEVICE_STATUS_BITS: Final = {
    0: "sensor-disconnected",
    1: "sensor-malfunction",
    2: "sensor-displaced",
    3: "sensor-unsupported",
    4: "sensor-off",
    5: "sensor-interference",
    6: "signal-searching",
    7: "signal-pulse-questionable",
    8: "signal-non-pulsatile",
    9: "signal-erratic",
    10: "signal-low-perfusion",
    11: "signal-poor",
    12: "signal-inadequate",
    13: "signal-processing-irregularity",
    14: "device-equipment-malfunction",
    15: "device-extended-update",
}
_STATUS: Final = (
    (PlxMeasurementStatus.MEASUREMENT_ONGOING, MeasurementStatus.MSMT_ONGOING),
    (PlxMeasurementStatus.EARLY_ESTIMATED_DATA, MeasurementStatus.EARLY_INDICATION),
    (PlxMeasurementStatus.VALIDATED_DATA, MeasurementStatus.VALIDATED_DATA),
    (PlxMeasurementStatus.DATA_FOR_DEMONSTRATION, MeasurementStatus.DEMONSTRATION_DATA),
    (PlxMeasurementStatus.DATA_FOR_TESTING, MeasurementStatus.TEST_DATA),
    (PlxMeasurementStatus.CALIBRATION_ONGOING, MeasurementStatus.CALIBRATION_ONGOING),
    (PlxMeasurementStatus.MEASUREMENT_UNAVAILABLE, MeasurementStatus.NOT_AVAILABLE),
    (PlxMeasurementStatus.QUESTIONABLE_MEASUREMENT_DETECTED, MeasurementStatus.QUESTIONABLE),
    (PlxMeasurementStatus.INVALID_MEASUREMENT_DETECTED, MeasurementStatus.INVALID),
)
CLOCK_NOT_SET_NOTE: Final = "the pulse oximeter's clock was not set: its time may be wrong"


def measurement_status(status: PlxMeasurementStatus | None) -> MeasurementStatus:
    result = MeasurementStatus.NONE
    if status is not None:
        for plx, flag in _STATUS:
            if status & plx:
                result |= flag
    return result


def device_status_bits(status: PlxDeviceAndSensorStatus) -> list[int]:
    """ASN.1 bits of MDC_PULS_OXIM_DEV_STATUS: Bluetooth bit n → 15 − n (ascending)."""
    return sorted(15 - n for n in range(16) if status & (1 << n))


def _supplemental(modality: str) -> JsonDict:
    return {
        "code": mdc_concept(codes.MDC_ATTR_SUPPLEMENTAL_TYPES),
        "valueCodeableConcept": {"coding": [mdc(modality)]},
    }


class _Values:
    """Builds the value Observations of one measurement with its shared status and modality."""

    def __init__(
        self, ctx: ObservationContext, status: MeasurementStatus, clock_not_set: bool
    ) -> None:
        self.ctx, self.status, self.clock_not_set = ctx, status, clock_not_set
        self.entries: list[BundleEntry] = []

    def add(
        self,
        code: str,
        loinc_code: str | None,
        value: MderNumber,
        ucum: str,
        modality: str | None,
    ) -> BundleEntry:
        supplemental = [modality] if modality is not None else []
        ident = self.ctx.identifier(code, supplemental)
        obs = self.ctx.observation(
            (codes.PROFILE_NUMERIC,),
            mdc_concept(code, loinc_code),
            ident,
            vital_signs=loinc_code is not None,
        )
        set_value(obs, value, ucum)
        if modality is not None:
            obs["component"] = [_supplemental(modality)]
        apply_measurement_status(obs, self.status)
        if self.clock_not_set:
            obs["note"] = [*obs.get("note", []), {"text": CLOCK_NOT_SET_NOTE}]
        entry = self.ctx.entry(obs, "-".join([code, *supplemental]), ident)
        self.entries.append(entry)
        return entry

    def pair(self, spo2: MderNumber, pulse_rate: MderNumber, modality: str | None) -> BundleEntry:
        entry = self.add(
            codes.MDC_PULS_OXIM_SAT_O2, codes.LOINC_SPO2, spo2, codes.UCUM_PERCENT, modality
        )
        self.add(
            codes.MDC_PULS_OXIM_PULS_RATE,
            codes.LOINC_HEART_RATE,
            pulse_rate,
            codes.UCUM_PER_MIN,
            modality,
        )
        return entry

    def device_status(
        self, status: PlxDeviceAndSensorStatus | None, spo2: BundleEntry, key: str
    ) -> None:
        bits = device_status_bits(status) if status is not None else []
        code = codes.MDC_PULS_OXIM_DEV_STATUS
        self.entries += set_bits_observation(self.ctx, code, bits, DEVICE_STATUS_BITS, spo2, key)


def map_spot_check(m: PlxSpotCheckMeasurement, ctx: ObservationContext) -> list[BundleEntry]:
    values = _Values(ctx, measurement_status(m.measurement_status), m.device_clock_not_set)
    spot = codes.MDC_MODALITY_SPOT
    spo2 = values.pair(m.spo2, m.pulse_rate, spot)
    if m.pulse_amplitude_index is not None:
        values.add(
            codes.MDC_PULS_OXIM_PERF_REL, None, m.pulse_amplitude_index, codes.UCUM_PERCENT, spot
        )
    values.device_status(m.device_and_sensor_status, spo2, spot)
    return values.entries


def map_continuous(m: PlxContinuousMeasurement, ctx: ObservationContext) -> list[BundleEntry]:
    values = _Values(ctx, measurement_status(m.measurement_status), False)
    spo2 = values.pair(m.normal.spo2, m.normal.pulse_rate, None)
    extra: tuple[tuple[SpO2PR | None, str], ...] = (
        (m.fast, codes.MDC_MODALITY_FAST),
        (m.slow, codes.MDC_MODALITY_SLOW),
    )
    for pair, modality in extra:
        if pair is not None:
            values.pair(pair.spo2, pair.pulse_rate, modality)
    if m.pulse_amplitude_index is not None:
        values.add(
            codes.MDC_PULS_OXIM_PERF_REL, None, m.pulse_amplitude_index, codes.UCUM_PERCENT, None
        )
    values.device_status(m.device_and_sensor_status, spo2, "")
    return values.entries


MAPPERS: Final[tuple[AnyProfileMapper, ...]] = (
    ProfileMapper(
        PlxSpotCheckMeasurement,
        codes.MDC_DEV_SPEC_PROFILE_PULS_OXIM,
        map_spot_check,
        lambda m: wall_clock_stamp(m.timestamp),
        lambda _m: None,
        time_fault=lambda m: "device clock not set" if m.device_clock_not_set else None,
    ),
    ProfileMapper(
        PlxContinuousMeasurement,
        codes.MDC_DEV_SPEC_PROFILE_PULS_OXIM,
        map_continuous,
        lambda _m: None,
        lambda _m: None,
    ),
)
