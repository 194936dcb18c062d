"""CGM Measurement (0x2AA7) and CGM Session Start Time (0x2AAA) → PHD IG Observations.

- Each record → PhdNumericObservation 160212 MDC_CONC_GLU_ISF in ``mg/dL`` (as sent, exact).
- Time: the CGM Session Start Time (a connection fact: the ConnectionMapper's join memory keeps
  the latest one mapped on the connection) + the record's time offset in minutes, as a local
  stamp with the session's time zone + DST offset when known. Records are stored data: they get
  the conditional-create identifier (built from that raw local time and offset). Records that
  arrive before any session start time are held back (``HeldBack``); so are records of a
  session whose start date is unknown.
- Trend → a component 8418008 MDC_CONC_GLU_TREND ``mg/dL/min`` and quality → a component in
  ``%`` on the record's Observation: both qualify that one value (11073-10425 has the trend as
  its own metric, but the record is the unit the sensor sends). The nomenclature has no term
  for the CGM quality (neither 11073-10101 nor 11073-10425; the LNI table the IG author keeps
  has none either), so PHG codes it with a *private* MDC term, as 11073-10101 provides for
  terms a standard lacks: :data:`CGM_QUALITY_CODE` 8450048 = partition 128 (MDC_PART_PHD_DM,
  where the CGM terms are) × 65536 + 0xF000 (the first private term code), display
  ``MDC_PHG_PRIV_CGM_QUALITY``, with the text "CGM quality" kept so a reader that does not
  know PHG's private term still understands it. It is a documented choice, to be replaced by
  a standard term when one is assigned.
- Sensor status annunciation → PhdBitsEnumerationObservation 8418060 MDC_CGM_DEV_STAT
  ``derivedFrom`` the record's Observation, set bits only. Bluetooth bit → ASN.1 bit, by
  meaning against the IG's ASN1ToHL7 CodeSystem: 0 session stopped → .0, 2 sensor type
  incorrect → .2, 3 malfunction → .3, 4 device-specific alert → .4, 9-13 (calibration not
  allowed/recommended/required, temperature too high/low) → .7-.11, 16-23 (patient low/high,
  hypo/hyper, rate of decrease/increase exceeded, lower/higher than the device can process) →
  .12-.19. Battery low (1), general device fault (5), time synchronization required (8) and
  calibration pending (14) have no ASN.1 bit in the IG: they are not reported (battery level
  comes from the Battery service).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from gateway.fhir import codes
from gateway.fhir.elements import mdc_concept
from gateway.fhir.entries import BundleEntry
from gateway.fhir.mapper_types import AnyProfileMapper, JoinMemory, ProfileMapper, Wait
from gateway.fhir.mappers.steps import mapped_by_join, set_bits_observation
from gateway.fhir.observation import ObservationContext
from gateway.fhir.timeline import WallClockStamp
from gateway.fhir.values import component, set_value
from profiles.cgm import (
    CgmMeasurement,
    CgmMeasurementRecord,
    CgmSensorStatus,
    CgmSessionStartTime,
)

SESSION_START: Final = "cgm-session-start"
STATUS_BITS: Final[dict[int, tuple[int, str]]] = {
    # Bluetooth bit: (ASN.1 bit, ASN1ToHL7 display)
    0: (0, "sensor-session-stopped"),
    2: (2, "sensor-type-incorrect"),
    3: (3, "sensor-malfunction"),
    4: (4, "device-specific-alert"),
    9: (7, "sensor-calibration-not-allowed"),
    10: (8, "sensor-calibration-recommended"),
    11: (9, "sensor-calibration-required"),
    12: (10, "sensor-temp-too-high"),
    13: (11, "sensor-temp-too-low"),
    16: (12, "sensor-result-below-patient-low"),
    17: (13, "sensor-result-above-patient-high"),
    18: (14, "sensor-low-hypo"),
    19: (15, "sensor-high-hyper"),
    20: (16, "sensor-rate-decrease-exceeded"),
    21: (17, "sensor-rate-increase-exceeded"),
    22: (18, "sensor-result-too-low"),
    23: (19, "sensor-result-too-high"),
}
_NAMES: Final = dict(STATUS_BITS.values())
QUALITY_TEXT: Final = "CGM quality"
CGM_QUALITY_CODE: Final = str(128 * 65536 + 0xF000)
"""PHG's private MDC term for the CGM quality (see the module docstring)."""
CGM_QUALITY_DISPLAY: Final = "MDC_PHG_PRIV_CGM_QUALITY"


@dataclass(frozen=True, slots=True)
class CgmRecordReading:
    """One CGM record with the session start time it is relative to: what is mapped."""

    record: CgmMeasurementRecord
    session_start: CgmSessionStartTime


def status_bits(status: CgmSensorStatus) -> list[int]:
    """The ASN.1 bits of MDC_CGM_DEV_STAT set by a Bluetooth sensor status annunciation."""
    return sorted(asn1 for bt, (asn1, _) in STATUS_BITS.items() if status & (1 << bt))


def record_stamp(r: CgmRecordReading) -> WallClockStamp | None:
    """Session start + offset minutes, local, with the session's UTC offset when known."""
    start = r.session_start.start_time.to_datetime()
    if start is None:
        return None
    value = start + dt.timedelta(minutes=r.record.time_offset_minutes)
    return WallClockStamp(value, r.session_start.utc_offset())


def map_cgm_record(r: CgmRecordReading, ctx: ObservationContext) -> list[BundleEntry]:
    record = r.record
    code = codes.MDC_CONC_GLU_ISF
    ident = ctx.identifier(code)
    obs = ctx.observation((codes.PROFILE_NUMERIC,), mdc_concept(code), ident)
    set_value(obs, record.glucose_mg_per_dl, codes.UCUM_MG_PER_DL)
    parts = []
    if record.trend_mg_per_dl_per_min is not None:
        parts.append(
            component(
                mdc_concept(codes.MDC_CONC_GLU_TREND),
                record.trend_mg_per_dl_per_min,
                codes.UCUM_MG_PER_DL_PER_MIN,
            )
        )
    if record.quality_percent is not None:
        quality_code = {
            "coding": [
                {"system": codes.MDC, "code": CGM_QUALITY_CODE, "display": CGM_QUALITY_DISPLAY}
            ],
            "text": QUALITY_TEXT,
        }
        parts.append(component(quality_code, record.quality_percent, codes.UCUM_PERCENT))
    if parts:
        obs["component"] = parts
    entry = ctx.entry(obs, code, ident)
    entries = [entry]
    bits = status_bits(record.sensor_status)
    entries += set_bits_observation(ctx, codes.MDC_CGM_DEV_STAT, bits, _NAMES, entry)
    return entries


def join_session_start(s: CgmSessionStartTime, memory: JoinMemory) -> Sequence[object]:
    """Remember the session start time for the records that follow; nothing to upload."""
    memory[SESSION_START] = s
    return []


def join_measurement(m: CgmMeasurement, memory: JoinMemory) -> Sequence[object] | Wait:
    """Each record with the connection's session start time, or wait for one."""
    start = memory.get(SESSION_START)
    if not isinstance(start, CgmSessionStartTime):
        return Wait("no CGM session start time read on this connection yet")
    if start.start_time.to_datetime() is None:
        return Wait("the CGM session start time has an unknown date")
    return [CgmRecordReading(record, start) for record in m.records]


MAPPERS: Final[tuple[AnyProfileMapper, ...]] = (
    ProfileMapper(
        CgmSessionStartTime,
        codes.MDC_DEV_SPEC_PROFILE_CGM,
        mapped_by_join,
        lambda _m: None,
        lambda _m: None,
        skip_reason="CGM session start time: a connection fact kept for the CGM records",
        join=join_session_start,
    ),
    ProfileMapper(
        CgmMeasurement,
        codes.MDC_DEV_SPEC_PROFILE_CGM,
        mapped_by_join,
        lambda _m: None,
        lambda _m: None,
        join=join_measurement,
    ),
    ProfileMapper(
        CgmRecordReading,
        codes.MDC_DEV_SPEC_PROFILE_CGM,
        map_cgm_record,
        record_stamp,
        lambda _r: None,
    ),
)
