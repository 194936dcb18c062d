"""The PhdDevice facts of a Generic Health Sensor: its specializations
(PhdDevice.specialization), from the MDC types of its observations and from the device
specializations its Health Sensor Features declare. None known: the PhdDevice says GENERIC
(:func:`gateway.fhir.phd_device.phd_device`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

from gateway.fhir import codes
from profiles.ghs.observations import Observation
from profiles.ghs.service import HealthSensorFeatures

SPECIALIZATIONS: Final = {
    **dict.fromkeys(
        (
            codes.MDC_PRESS_BLD_NONINV,
            codes.MDC_PRESS_BLD_NONINV_SYS,
            codes.MDC_PRESS_BLD_NONINV_DIA,
            codes.MDC_PRESS_BLD_NONINV_MEAN,
            codes.MDC_PULS_RATE_NON_INV,
            codes.MDC_BLOOD_PRESSURE_MEASUREMENT_STATUS,
        ),
        codes.MDC_DEV_SPEC_PROFILE_BP,
    ),
    **dict.fromkeys(
        (codes.MDC_PULS_OXIM_SAT_O2, codes.MDC_PULS_OXIM_PULS_RATE),
        codes.MDC_DEV_SPEC_PROFILE_PULS_OXIM,
    ),
    **dict.fromkeys(
        (
            codes.MDC_TEMP_BODY,
            codes.MDC_TEMP_TYMP,
            codes.MDC_TEMP_RECT,
            codes.MDC_TEMP_ORAL,
            codes.MDC_TEMP_EAR,
            codes.MDC_TEMP_FINGER,
            codes.MDC_TEMP_TOE,
            codes.MDC_TEMP_AXILLA,
            codes.MDC_TEMP_GIT,
        ),
        codes.MDC_DEV_SPEC_PROFILE_TEMP,
    ),
    **dict.fromkeys(
        (codes.MDC_MASS_BODY_ACTUAL, codes.MDC_LEN_BODY_ACTUAL, codes.MDC_RATIO_MASS_BODY_LEN_SQ),
        codes.MDC_DEV_SPEC_PROFILE_SCALE,
    ),
    **dict.fromkeys(
        (
            codes.MDC_CONC_GLU_CAPILLARY_WHOLEBLOOD,
            codes.MDC_CONC_GLU_CAPILLARY_PLASMA,
            codes.MDC_CONC_GLU_VENOUS_PLASMA,
            codes.MDC_CONC_GLU_UNDETERMINED_PLASMA,
        ),
        codes.MDC_DEV_SPEC_PROFILE_GLUCOSE,
    ),
    **dict.fromkeys(
        (
            codes.MDC_ECG_HEART_RATE,
            codes.MDC_ECG_ELEC_POTL,
            codes.MDC_ECG_ELEC_POTL_I,
            codes.MDC_ECG_ELEC_POTL_II,
        ),
        codes.MDC_DEV_SPEC_PROFILE_ECG,
    ),
}
"""Observation type → the device specialization it belongs to (PhdDevice.specialization)."""


def specializations(observations: Iterable[Observation]) -> set[str]:
    """The specializations of the observation types among ``observations``."""
    return {SPECIALIZATIONS[str(o.type)] for o in observations if str(o.type) in SPECIALIZATIONS}


def feature_specializations(features: HealthSensorFeatures) -> tuple[str, ...]:
    """The PhdDevice specializations a GHS device declares in its Health Sensor Features (for
    :class:`gateway.fhir.device_info.PhdDeviceInfo`), with those of its observation types."""
    declared = {str(s.mdc_code) for s in features.device_specializations or ()}
    types = {
        SPECIALIZATIONS[str(t)]
        for t in features.supported_observation_types
        if str(t) in SPECIALIZATIONS
    }
    return tuple(sorted(declared | types, key=int))
