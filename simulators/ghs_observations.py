"""What the simulated Generic Health Sensor devices measure: the ACOM observations
(:mod:`profiles.ghs.observations`) of one measurement, for each personality.

- spot-check: a blood pressure monitor; a measurement is the blood pressure (compound: systolic,
  diastolic and mean arterial pressure in mmHg) and the pulse rate (numeric, beats per minute);
- waveform: an ECG patch; a measurement is a strip of lead II (sample array, 250 samples per
  second, 2 bytes each, 5 uV per step around a baseline of 2048) and the heart rate over the
  strip (numeric, with the strip's length as measurement duration).

The codes are MDC codes (IEEE 11073-10101): observation types from partition 2, units from
partition 4, device specializations from partition 8.
"""

from __future__ import annotations

import enum
import math
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Final

from profiles.elapsed_time import ElapsedTime
from profiles.ghs.observations import (
    CompoundComponent,
    CompoundValue,
    NumericValue,
    Observation,
    SampleArrayValue,
)
from profiles.ghs.service import DeviceSpecialization, HealthSensorFeatures

MDC_PRESS_BLD_NONINV: Final = 150020
MDC_PRESS_BLD_NONINV_SYS: Final = 150021
MDC_PRESS_BLD_NONINV_DIA: Final = 150022
MDC_PRESS_BLD_NONINV_MEAN: Final = 150023
MDC_PULS_RATE_NON_INV: Final = 149546
MDC_ECG_ELEC_POTL_II: Final = 131330
MDC_ECG_HEART_RATE: Final = 147842
MDC_DIM_MMHG: Final = 0x0F20
MDC_DIM_BEAT_PER_MIN: Final = 0x0AA0
MDC_DIM_MILLI_VOLT: Final = 0x10B2
MDC_DEV_SPEC_PROFILE_ECG: Final = DeviceSpecialization(0x1006, 1)
MDC_DEV_SPEC_PROFILE_BPM: Final = DeviceSpecialization(0x1007, 1)

SAMPLE_RATE: Final = 250
BASELINE: Final = 2048
MILLIVOLT_PER_STEP: Final = Decimal("0.005")


class Personality(enum.Enum):
    SPOT_CHECK = "spot-check"
    WAVEFORM = "waveform"


FEATURES: Final = {
    Personality.SPOT_CHECK: HealthSensorFeatures(
        (MDC_PRESS_BLD_NONINV, MDC_PULS_RATE_NON_INV), (MDC_DEV_SPEC_PROFILE_BPM,)
    ),
    Personality.WAVEFORM: HealthSensorFeatures(
        (MDC_ECG_ELEC_POTL_II, MDC_ECG_HEART_RATE), (MDC_DEV_SPEC_PROFILE_ECG,)
    ),
}


@dataclass(frozen=True)
class Measurer:
    """Makes the observations of one measurement of a ``personality`` device."""

    personality: Personality
    rng: random.Random
    strip_seconds: int = 1

    def measure(self, stamp: ElapsedTime) -> tuple[Observation, ...]:
        if self.personality is Personality.SPOT_CHECK:
            return self._spot_check(stamp)
        return self._strip(stamp)

    def _spot_check(self, stamp: ElapsedTime) -> tuple[Observation, ...]:
        systolic = self.rng.randint(100, 160)
        diastolic = self.rng.randint(60, min(100, systolic - 20))
        mean = diastolic + (systolic - diastolic) // 3

        def pressure(code: int, mmhg: int) -> CompoundComponent:
            return CompoundComponent(code, NumericValue(Decimal(mmhg), MDC_DIM_MMHG))

        blood_pressure = CompoundValue(
            (
                pressure(MDC_PRESS_BLD_NONINV_SYS, systolic),
                pressure(MDC_PRESS_BLD_NONINV_DIA, diastolic),
                pressure(MDC_PRESS_BLD_NONINV_MEAN, mean),
            )
        )
        pulse = NumericValue(Decimal(self.rng.randint(50, 110)), MDC_DIM_BEAT_PER_MIN)
        return (
            Observation(blood_pressure, MDC_PRESS_BLD_NONINV, stamp),
            Observation(pulse, MDC_PULS_RATE_NON_INV, stamp),
        )

    def _strip(self, stamp: ElapsedTime) -> tuple[Observation, ...]:
        rate = self.rng.randint(55, 100)
        samples = ecg_samples(self.rng, rate, self.strip_seconds * SAMPLE_RATE)
        strip = SampleArrayValue(
            unit=MDC_DIM_MILLI_VOLT,
            scale_factor=MILLIVOLT_PER_STEP,
            scale_offset=-BASELINE * MILLIVOLT_PER_STEP,
            sample_period=Decimal(1),
            samples_per_period=SAMPLE_RATE,
            bytes_per_sample=2,
            samples=samples,
        )
        duration = Decimal(self.strip_seconds)
        heart_rate = NumericValue(Decimal(rate), MDC_DIM_BEAT_PER_MIN)
        return (
            Observation(strip, MDC_ECG_ELEC_POTL_II, stamp, measurement_duration=duration),
            Observation(heart_rate, MDC_ECG_HEART_RATE, stamp, measurement_duration=duration),
        )


# P wave, Q, R, S, T wave: (seconds after the beat starts, width in seconds, millivolts).
_WAVES: Final = ((0.1, 0.025, 0.15), (0.2, 0.01, -0.1), (0.22, 0.01, 1.2), (0.24, 0.01, -0.25),
                 (0.45, 0.04, 0.3))  # fmt: skip


def ecg_samples(rng: random.Random, beats_per_minute: int, count: int) -> tuple[int, ...]:
    """``count`` samples of a synthetic lead II ECG (a sum of Gaussian waves per beat, with a
    little noise) as unsigned 2-byte steps around :data:`BASELINE`."""
    beat = 60 / beats_per_minute
    out = []
    for i in range(count):
        t = (i / SAMPLE_RATE) % beat
        millivolts = sum(a * math.exp(-(((t - at) / width) ** 2)) for at, width, a in _WAVES)
        millivolts += rng.gauss(0, 0.01)
        out.append(BASELINE + round(millivolts / float(MILLIVOLT_PER_STEP)))
    return tuple(out)
