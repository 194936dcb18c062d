"""Generic Health Sensor vectors shared by the GHS tests, and where they come from.

ST = ST's STM32WBA-BLE-GenericHealthSensor example (github.com/stm32-hotspot/
STM32WBA-BLE-GenericHealthSensor, commit cedc31b, Projects/NUCLEO-WBA55CG/Applications/BLE/
BLE_GenericHealthSensor/STM32_WPAN/App/ghs_app.c), copied byte for byte from its arrays.
ST-PO = the pulse oximeter of STM32CubeWBA (commit 92e834c, Projects/NUCLEO-WBA25CE/
Applications/BLE/BLE_GenericHealth_PulseOximeter/STM32_WPAN/App/ghs_app.c).
Philips = Philips' BLE-GHS-Client-Example (commit 4850963, GhsRacpHandler.kt,
GhsControlPointHandler.kt) and BLE-GHS-Server-Simulator (commit 271f2aa, ByteExtensions.kt).
Vectors marked "layout" are ours, built by hand from the layouts in the module docstrings.
"""

from __future__ import annotations

from decimal import Decimal

from profiles._bytes import Reader
from profiles.elapsed_time import ElapsedTime, TimeResolution, TimeSyncSource
from profiles.ghs.observation_codec import observation_bytes, read_observation
from profiles.ghs.observations import (
    NumericValue,
    Observation,
)


def h(*parts: str) -> bytes:
    """Hex pieces (kept apart for reading) as bytes."""
    return bytes.fromhex("".join(parts))


MDC_PULS_OXIM_SAT_O2 = 0x00024BB8
MDC_PULS_OXIM_PULS_RATE = 0x0002481A
MDC_MODALITY_SPOT = 0x00024C3C
MDC_DIM_PER_CENT = 0x0220
MDC_DIM_BEAT_PER_MIN = 0x0AA0
MDC_DIM_MMHG = 0x0F20
MDC_DIM_MILLI_VOLT = 0x10B2
ST_TIME = "22729d2b2900000600"  # UTC, current timeline, seconds, 690724210 s, cellular
ST_TIME_STAMP = ElapsedTime(
    690724210,
    TimeResolution.ONE_SECOND,
    utc=True,
    current_timeline=True,
    sync_source=TimeSyncSource.CELLULAR_NETWORK,
)

# ST NumericOxygenSaturation: SpO2 98 %, patient 1, supplemental information spot check.
ST_NUMERIC = h(
    "01", "1b00", "6300", "b84b0200", ST_TIME, "01", "01", "3c4c0200", "2002", "62000000"
)
ST_NUMERIC_OBSERVATION = Observation(
    NumericValue(Decimal(98), MDC_DIM_PER_CENT),
    type=MDC_PULS_OXIM_SAT_O2,
    time_stamp=ST_TIME_STAMP,
    patient_id=1,
    supplemental_information=(MDC_MODALITY_SPOT,),
)

# ST CompoundObservationBloodPressure: 100/60/80 mmHg, object id 123456.
ST_BLOOD_PRESSURE = h(
    "07", "3500", "1300", "044a0200", ST_TIME, "40e20100", "03",
    "054a0200", "01", "200f", "64000000",
    "064a0200", "01", "200f", "3c000000",
    "074a0200", "01", "200f", "50000000",
)  # fmt: skip


def decode(data: bytes) -> Observation:
    r = Reader(data, "live-health-observations")
    observation = read_observation(r)
    r.end()
    assert observation_bytes(observation) == data
    return observation


ST_PO_BUNDLE = h(
    "ff", "2f00", "4200", ST_TIME, "01", "3c4c0200", "02",
    "01", "0c00", "0100", "b84b0200", "2002", "62000000",
    "01", "0c00", "0100", "1a480200", "a00a", "62000000",
)  # fmt: skip
