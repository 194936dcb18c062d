"""Per health profile: which characteristics a session subscribes to, which it reads once per
connection, and whether it fetches stored records through RACP (with the record's sequence
number, the filter-type-1 value of an incremental ">= N" request)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from profiles import (
    blood_pressure,
    cgm,
    glucose,
    health_thermometer,
    heart_rate,
    pulse_oximeter,
    weight_scale,
)
from profiles._bytes import ByteString
from profiles.registry_types import AnyCharacteristic

Decoder = Callable[[ByteString], object]


def _glucose_sequence(value: object) -> int | None:
    if isinstance(value, glucose.GlucoseMeasurement | glucose.GlucoseMeasurementContext):
        return value.sequence_number
    return None


def _weight_decoder(characteristic: AnyCharacteristic, features: Mapping[str, object]) -> Decoder:
    feature = features.get(weight_scale.WEIGHT_SCALE_FEATURE.name)
    if characteristic is weight_scale.WEIGHT_MEASUREMENT and isinstance(
        feature, weight_scale.WeightScaleFeature
    ):
        return functools.partial(weight_scale.decode_weight_measurement, feature=feature)
    return characteristic.decode


def _cgm_decoder(characteristic: AnyCharacteristic, features: Mapping[str, object]) -> Decoder:
    feature = features.get(cgm.CGM_FEATURE.name)
    if characteristic is cgm.CGM_MEASUREMENT and isinstance(feature, cgm.CgmFeature):
        crc = bool(feature.features & cgm.CgmFeatureBits.E2E_CRC)
        return functools.partial(cgm.decode_cgm_measurement, e2e_crc=crc)
    return characteristic.decode


def _plain_decoder(characteristic: AnyCharacteristic, _features: Mapping[str, object]) -> Decoder:
    return characteristic.decode


@dataclass(frozen=True, slots=True)
class ProfileSpec:
    """``subscribe``: measurement characteristics (notify/indicate), in subscription order;
    ``read``: read once after connecting (feature characteristics), their decoded values are
    the connection's ``features``; ``sequence_of`` (profiles with incremental RACP only)
    extracts a record's sequence number; ``decoder`` picks a characteristic's decoder given
    the features read (for example the weight scale's resolution)."""

    service: int
    name: str
    subscribe: tuple[AnyCharacteristic, ...]
    read: tuple[AnyCharacteristic, ...] = ()
    sequence_of: Callable[[object], int | None] | None = None
    decoder: Callable[[AnyCharacteristic, Mapping[str, object]], Decoder] = _plain_decoder

    @property
    def uses_racp(self) -> bool:
        return self.sequence_of is not None


PROFILES: Final = (
    ProfileSpec(
        blood_pressure.SERVICE_UUID16,
        "blood-pressure",
        (blood_pressure.BLOOD_PRESSURE_MEASUREMENT, blood_pressure.INTERMEDIATE_CUFF_PRESSURE),
        (blood_pressure.BLOOD_PRESSURE_FEATURE,),
    ),
    ProfileSpec(
        glucose.SERVICE_UUID16,
        "glucose",
        (glucose.GLUCOSE_MEASUREMENT, glucose.GLUCOSE_MEASUREMENT_CONTEXT),
        (glucose.GLUCOSE_FEATURE,),
        sequence_of=_glucose_sequence,
    ),
    ProfileSpec(
        weight_scale.SERVICE_UUID16,
        "weight-scale",
        (weight_scale.WEIGHT_MEASUREMENT,),
        (weight_scale.WEIGHT_SCALE_FEATURE,),
        decoder=_weight_decoder,
    ),
    ProfileSpec(
        health_thermometer.SERVICE_UUID16,
        "health-thermometer",
        (
            health_thermometer.TEMPERATURE_MEASUREMENT,
            health_thermometer.INTERMEDIATE_TEMPERATURE,
        ),
        (health_thermometer.TEMPERATURE_TYPE,),
    ),
    ProfileSpec(
        pulse_oximeter.SERVICE_UUID16,
        "pulse-oximeter",
        (pulse_oximeter.PLX_SPOT_CHECK_MEASUREMENT, pulse_oximeter.PLX_CONTINUOUS_MEASUREMENT),
        (pulse_oximeter.PLX_FEATURES,),
    ),
    ProfileSpec(
        heart_rate.SERVICE_UUID16,
        "heart-rate",
        (heart_rate.HEART_RATE_MEASUREMENT,),
        (heart_rate.BODY_SENSOR_LOCATION,),
    ),
    ProfileSpec(
        cgm.SERVICE_UUID16,
        "continuous-glucose-monitoring",
        (cgm.CGM_MEASUREMENT,),
        (cgm.CGM_FEATURE,),
        decoder=_cgm_decoder,
    ),
)
"""Body composition (0x181B) joins when ``profiles.body_composition`` exists. Pulse oximeter
and CGM stored records (RACP without sequence numbers / with time offsets and SOCP) are not
fetched yet: their live measurements are."""

BY_SERVICE: Final = {p.service: p for p in PROFILES}
