"""IEEE 11073-10206 (ACOM) observations as the Generic Health Sensor Service carries them: the
observation classes, their values and the optional header fields, as immutable objects.

Their bytes (and where the layout comes from) are :mod:`profiles.ghs.observation_codec`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Final, TypeAlias

from profiles.elapsed_time import ElapsedTime
from profiles.ieee11073 import MderNumber


class ObservationClass(enum.IntEnum):
    """Observation class type (first byte of an observation)."""

    NUMERIC = 0x01
    SIMPLE_DISCRETE = 0x02
    STRING = 0x03
    SAMPLE_ARRAY = 0x04
    COMPOUND_DISCRETE_EVENT = 0x05
    COMPOUND_STATE_EVENT = 0x06
    COMPOUND = 0x07
    TLV_ENCODED = 0x08
    BUNDLE = 0xFF


class MeasurementStatus(enum.IntFlag):
    """Measurement status (uint16); bits 8-13 are reserved and ignored."""

    INVALID = 1 << 0
    QUESTIONABLE = 1 << 1
    NOT_AVAILABLE = 1 << 2
    CALIBRATING = 1 << 3
    TEST_DATA = 1 << 4
    EARLY_ESTIMATE = 1 << 5
    MANUALLY_ENTERED = 1 << 6
    SETTING = 1 << 7
    THRESHOLD_ERROR = 1 << 14
    THRESHOLDING_DISABLED = 1 << 15


MEASUREMENT_STATUS_MASK: Final = 0xC0FF


@dataclass(frozen=True, slots=True)
class Tlv:
    """One type-length-value attribute: an MDC ``type``, a GSS ``format`` type and raw bytes."""

    type: int
    format: int
    value: bytes


@dataclass(frozen=True, slots=True)
class NumericValue:
    """Numeric: a FLOAT in the MDC unit ``unit`` (partition 4 term code, e.g. 0x0220 = %)."""

    value: MderNumber
    unit: int


@dataclass(frozen=True, slots=True)
class SimpleDiscreteValue:
    """Simple discrete: one MDC code (uint32)."""

    code: int


@dataclass(frozen=True, slots=True)
class StringValue:
    text: str


@dataclass(frozen=True, slots=True)
class SampleArrayValue:
    """Sample array: raw unsigned ``samples``, each ``bytes_per_sample`` wide; the measured value
    of a sample is ``sample * scale_factor + scale_offset`` in ``unit``; ``sample_period``
    seconds hold ``samples_per_period`` samples."""

    unit: int
    scale_factor: MderNumber
    scale_offset: MderNumber
    sample_period: MderNumber
    samples_per_period: int
    bytes_per_sample: int
    samples: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CompoundDiscreteEventValue:
    """Compound discrete event: the MDC codes of the events or states that are present."""

    codes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class CompoundStateEventValue:
    """Compound state/event: three bit strings of equal size (least significant byte first):
    which bits the device supports, which are states (1) or events (0), and their values."""

    supported_mask: bytes
    state_or_event_mask: bytes
    value: bytes


ComponentValue: TypeAlias = (
    NumericValue
    | SimpleDiscreteValue
    | StringValue
    | SampleArrayValue
    | CompoundDiscreteEventValue
    | CompoundStateEventValue
)


@dataclass(frozen=True, slots=True)
class CompoundComponent:
    """One component of a compound observation: its MDC type and its value."""

    type: int
    value: ComponentValue


@dataclass(frozen=True, slots=True)
class CompoundValue:
    components: tuple[CompoundComponent, ...]


@dataclass(frozen=True, slots=True)
class TlvValue:
    """TLV-encoded observation value."""

    tlvs: tuple[Tlv, ...]


@dataclass(frozen=True, slots=True)
class BundleValue:
    """Observation bundle: observations sharing the bundle's header fields."""

    observations: tuple[Observation, ...]


@dataclass(frozen=True, slots=True)
class UnknownValue:
    """The value bytes of an observation of a class type this module does not know."""

    class_type: int
    data: bytes


ObservationValue: TypeAlias = ComponentValue | CompoundValue | TlvValue | BundleValue | UnknownValue

VALUE_CLASSES: Final[dict[type, ObservationClass]] = {
    NumericValue: ObservationClass.NUMERIC,
    SimpleDiscreteValue: ObservationClass.SIMPLE_DISCRETE,
    StringValue: ObservationClass.STRING,
    SampleArrayValue: ObservationClass.SAMPLE_ARRAY,
    CompoundDiscreteEventValue: ObservationClass.COMPOUND_DISCRETE_EVENT,
    CompoundStateEventValue: ObservationClass.COMPOUND_STATE_EVENT,
    CompoundValue: ObservationClass.COMPOUND,
    TlvValue: ObservationClass.TLV_ENCODED,
    BundleValue: ObservationClass.BUNDLE,
}


@dataclass(frozen=True, slots=True)
class Observation:
    """One ACOM observation with its optional header fields (None = absent).

    ``type`` is required for a single observation and optional for a bundle (the Bluetooth
    encoding does not enforce it, so neither does this class). ``measurement_duration`` is in
    seconds. The lists may be empty tuples: the field was sent with a count of 0.
    """

    value: ObservationValue
    type: int | None = None
    time_stamp: ElapsedTime | None = None
    measurement_duration: MderNumber | None = None
    measurement_status: MeasurementStatus | None = None
    object_id: int | None = None
    patient_id: int | None = None
    supplemental_information: tuple[int, ...] | None = None
    derived_from: tuple[int, ...] | None = None
    has_member: tuple[int, ...] | None = None
    tlvs: tuple[Tlv, ...] | None = None

    @property
    def class_type(self) -> ObservationClass | int:
        if isinstance(self.value, UnknownValue):
            return self.value.class_type
        return VALUE_CLASSES[type(self.value)]
