"""Per health profile: which characteristics a session subscribes to, which it reads once per
connection, how it decodes them (given the features read), whether values come in several
packets to reassemble, and how it fetches stored records through RACP.

Stored records (:class:`StoredRecords`):

- Glucose: incremental by sequence number (RACP filter type 1, ">= N"); a live record advances
  the high-water mark when it is the next number expected.
- Continuous glucose monitoring: incremental by time offset (minutes since the sensor session
  start; filter type 1 too), the time offset playing the sequence number's role. Offsets restart
  with every sensor session, so the mark is kept per session (its key names the CGM Session
  Start Time); without a readable session start every record is fetched and no mark kept. Time
  offsets are not consecutive, so live records never advance the mark (the next connection
  fetches them again, the FHIR side de-duplicates).
- Pulse oximeter: spot-check records have no sequence number and PLXS RACP has no filter (only
  "all records", and "delete"): every connection fetches all records and keeps no mark;
  duplicates are removed downstream by the FHIR conditional-create identifier. The gateway never
  deletes records from the device.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from gateway.ble.reassembly import BodyCompositionAssembler, PacketAssembler
from profiles import (
    blood_pressure,
    body_composition,
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


def _cgm_time_offset(value: object) -> int | None:
    if isinstance(value, cgm.CgmMeasurement) and value.records:
        return max(record.time_offset_minutes for record in value.records)
    return None


def _device_scope(_features: Mapping[str, object]) -> str | None:
    return ""


def _cgm_session_scope(features: Mapping[str, object]) -> str | None:
    start = features.get(cgm.CGM_SESSION_START_TIME.name)
    if not isinstance(start, cgm.CgmSessionStartTime):
        return None
    local = start.start_time.to_datetime()
    if local is None:
        return None
    return f"cgm-session={local.isoformat()};tz={start.time_zone};dst={int(start.dst_offset)}"


def _no_key(_value: object) -> int | None:
    return None


def _awaits_nothing(_value: object) -> bool:
    return False


def _glucose_raw_sequence(raw: bytes) -> int | None:
    """The sequence number of a Glucose Measurement or Context that did not decode: both start
    with a flags byte and the uint16 sequence number."""
    return int.from_bytes(raw[1:3], "little") if len(raw) >= 3 else None


def _no_raw_key(_raw: bytes) -> int | None:
    return None


def _glucose_context_follows(value: object) -> bool:
    return isinstance(value, glucose.GlucoseMeasurement) and value.context_information_follows


@dataclass(frozen=True, slots=True)
class StoredRecords:
    """How a profile's stored records are fetched through RACP.

    ``records``: the characteristics that carry records during a transfer (other
    notifications arriving meanwhile stay live). ``key_of``: a record's key, the uint16 of an
    incremental ">= N" request (sequence number, time offset); None when records have none
    (then every record is fetched at every connection, no mark kept). ``scope``: given the
    features read, the suffix naming the current numbering in the high-water key ("" = the
    device key itself), or None when it is unknown (fetch all, keep no mark).
    ``live_advances_mark``: whether keys are consecutive, so a live record with the next key
    may advance the mark.
    """

    records: tuple[AnyCharacteristic, ...]
    key_of: Callable[[object], int | None] = _no_key
    scope: Callable[[Mapping[str, object]], str | None] = _device_scope
    live_advances_mark: bool = True
    incremental: bool = True
    awaits_more: Callable[[object], bool] = _awaits_nothing
    """True for a record value that announces another value with the same key (a glucose
    measurement whose context follows): the mark does not pass it until that value is
    acknowledged too."""
    raw_key: Callable[[bytes], int | None] = _no_raw_key
    """The key read straight from the bytes of a record value that did not decode, when its
    format allows (the glucose sequence number): once the consumer has kept those bytes, the
    record counts as acknowledged, so a corrupt record never holds the mark back for ever."""

    def mark_key(self, device_key: str, features: Mapping[str, object]) -> str | None:
        """The high-water store key for this connection, or None to fetch all records."""
        if not self.incremental:
            return None
        scope = self.scope(features)
        if scope is None:
            return None
        return f"{device_key}#{scope}" if scope else device_key


def _weight_decoder(characteristic: AnyCharacteristic, features: Mapping[str, object]) -> Decoder:
    feature = features.get(weight_scale.WEIGHT_SCALE_FEATURE.name)
    if characteristic is weight_scale.WEIGHT_MEASUREMENT and isinstance(
        feature, weight_scale.WeightScaleFeature
    ):
        return functools.partial(weight_scale.decode_weight_measurement, feature=feature)
    return characteristic.decode


def _cgm_decoder(characteristic: AnyCharacteristic, features: Mapping[str, object]) -> Decoder:
    """CGM values with the E2E-CRC expectation of the CGM Feature (read first)."""
    feature = features.get(cgm.CGM_FEATURE.name)
    if not isinstance(feature, cgm.CgmFeature):
        return characteristic.decode
    crc = bool(feature.features & cgm.CgmFeatureBits.E2E_CRC)
    if characteristic is cgm.CGM_MEASUREMENT:
        return functools.partial(cgm.decode_cgm_measurement, e2e_crc=crc)
    if characteristic is cgm.CGM_SESSION_START_TIME:
        return functools.partial(cgm.decode_cgm_session_start_time, e2e_crc=crc)
    return characteristic.decode


def _plain_decoder(characteristic: AnyCharacteristic, _features: Mapping[str, object]) -> Decoder:
    return characteristic.decode


@dataclass(frozen=True, slots=True)
class ProfileSpec:
    """``subscribe``: measurement characteristics (notify/indicate), in subscription order;
    ``read``: read once after connecting, in order (feature characteristics first), their
    decoded values are the connection's ``features``; ``decoder`` picks a characteristic's
    decoder given the features read so far (the weight scale's resolution, the CGM E2E-CRC),
    for reads and subscriptions alike; ``deliver``: read characteristics whose value is also
    delivered as a MeasurementEvent (data a mapping joins with later records);
    ``assembler``: builds, per connection, the reassembler of values sent in several packets;
    ``stored``: how stored records are fetched through RACP (None: not fetched).
    ``sequence_of`` is the older spelling of ``StoredRecords(subscribe, key_of=...)``."""

    service: int
    name: str
    subscribe: tuple[AnyCharacteristic, ...]
    read: tuple[AnyCharacteristic, ...] = ()
    sequence_of: Callable[[object], int | None] | None = None
    decoder: Callable[[AnyCharacteristic, Mapping[str, object]], Decoder] = _plain_decoder
    stored: StoredRecords | None = None
    assembler: Callable[[Mapping[str, object]], PacketAssembler] | None = None
    deliver: tuple[AnyCharacteristic, ...] = ()

    def __post_init__(self) -> None:
        if self.stored is None and self.sequence_of is not None:
            object.__setattr__(self, "stored", StoredRecords(self.subscribe, self.sequence_of))

    @property
    def uses_racp(self) -> bool:
        return self.stored is not None


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
        stored=StoredRecords(
            (glucose.GLUCOSE_MEASUREMENT, glucose.GLUCOSE_MEASUREMENT_CONTEXT),
            _glucose_sequence,
            awaits_more=_glucose_context_follows,
            raw_key=_glucose_raw_sequence,
        ),
    ),
    ProfileSpec(
        weight_scale.SERVICE_UUID16,
        "weight-scale",
        (weight_scale.WEIGHT_MEASUREMENT,),
        (weight_scale.WEIGHT_SCALE_FEATURE,),
        decoder=_weight_decoder,
    ),
    ProfileSpec(
        body_composition.SERVICE_UUID16,
        "body-composition",
        (body_composition.BODY_COMPOSITION_MEASUREMENT,),
        (body_composition.BODY_COMPOSITION_FEATURE,),
        assembler=BodyCompositionAssembler.for_features,
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
        stored=StoredRecords((pulse_oximeter.PLX_SPOT_CHECK_MEASUREMENT,), incremental=False),
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
        (cgm.CGM_FEATURE, cgm.CGM_SESSION_START_TIME),
        decoder=_cgm_decoder,
        stored=StoredRecords(
            (cgm.CGM_MEASUREMENT,),
            _cgm_time_offset,
            scope=_cgm_session_scope,
            live_advances_mark=False,
        ),
        deliver=(cgm.CGM_SESSION_START_TIME,),
    ),
)
"""A device exposing two services with stored records (glucose and CGM) is served for the
first one only: both use the same RACP characteristic UUID, which the link addresses by UUID."""

BY_SERVICE: Final = {p.service: p for p in PROFILES}
