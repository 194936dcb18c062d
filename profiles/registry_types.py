"""The descriptors profile modules publish: a :class:`Characteristic` for each characteristic
a module decodes, and, at the end of a health service's module, one :class:`DeviceType`
declaring the service (what the gateway subscribes to, reads and fetches), like the
``r_device`` that ends an rtl_433 decoder."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from profiles._bytes import ByteString

if TYPE_CHECKING:
    from profiles.racp import RacpLayout

T = TypeVar("T")

BLUETOOTH_BASE_UUID_SUFFIX = "-0000-1000-8000-00805f9b34fb"


def uuid16_to_uuid(uuid16: int) -> str:
    """The full 128-bit UUID string of a 16-bit Bluetooth SIG UUID."""
    return f"0000{uuid16:04x}{BLUETOOTH_BASE_UUID_SUFFIX}"


@dataclass(frozen=True, slots=True)
class Characteristic(Generic[T]):
    """One GATT characteristic: its 16-bit UUID, registry name, value type and codec.

    ``decode`` turns a characteristic value into an immutable ``measurement_type`` object or
    raises :class:`profiles.DecodeError`; ``encode`` is its inverse
    (``decode(encode(m)) == m`` for every valid ``m``). ``label``: what a person reads for its
    values (the status page, the demo): the measured quantity in a few words (``Blood
    pressure``); every characteristic whose values the gateway delivers has one
    (``tests/contract``).
    """

    uuid16: int
    name: str
    measurement_type: type[T]
    decode: Callable[[ByteString], T]
    encode: Callable[[T], bytes]
    label: str = ""

    @property
    def uuid(self) -> str:
        return uuid16_to_uuid(self.uuid16)

    @property
    def title(self) -> str:
        return self.name.replace("-", " ").title()


AnyCharacteristic = Characteristic[Any]


Decoder = Callable[[ByteString], object]


def plain_decoder(characteristic: AnyCharacteristic, _features: Mapping[str, object]) -> Decoder:
    """The characteristic's own decoder, whatever the features read."""
    return characteristic.decode


def _no_key(_value: object) -> int | None:
    return None


def _device_scope(_features: Mapping[str, object]) -> str | None:
    return ""


def _awaits_nothing(_value: object) -> bool:
    return False


def _no_raw_key(_raw: bytes) -> int | None:
    return None


def _one_record(_value: object) -> int:
    return 1


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
    racp: RacpLayout | None = None
    """The layout of the service's RACP values; None: :mod:`profiles.racp`'s (glucose, CGM,
    pulse oximeter)."""
    record_count: Callable[[object], int] = _one_record
    """How many of the records the device counts (RACP "number of stored records") a decoded
    record value carries: 1 by default, 0 for a value that belongs to another's record (a
    glucose context), several for a CGM Measurement value packing several. A value that did
    not decode counts as one."""

    def mark_key(self, device_key: str, features: Mapping[str, object]) -> str | None:
        """The high-water store key for this connection, or None to fetch all records."""
        if not self.incremental:
            return None
        scope = self.scope(features)
        if scope is None:
            return None
        return f"{device_key}#{scope}" if scope else device_key


@dataclass(frozen=True, slots=True)
class LiveControl:
    """A control point through which a client starts the device's live values once it has
    subscribed to them, and stops them before it ends the connection itself: ``start`` and
    ``stop`` are the values written (with response), answers come as indications."""

    characteristic: AnyCharacteristic
    start: bytes
    stop: bytes


@dataclass(frozen=True, slots=True)
class DeviceType:
    """One health service as the gateway serves it, declared once at the end of its profile
    module (``DEVICE_TYPE``) and registered by listing the module in
    :data:`profiles.registry.PROFILE_MODULES`.

    ``service_uuid16``: the service the device advertises and exposes. ``name``: the device
    type's one name (the Bluetooth service name in lower-case words: ``blood-pressure``), used by
    ``phg scan``, ``phg simulate``, logs and docs; ``aliases``: the short names users type
    (``bp``), accepted wherever a name is; ``title``: what the device is called in prose
    (``blood pressure monitor``).

    ``subscribe``: measurement characteristics (notify/indicate), in subscription order;
    ``read``: read once after connecting, in order (feature characteristics first), their
    decoded values are the connection's ``features``; ``deliver``: read characteristics whose
    value is also delivered as a measurement (data a mapping joins with later records);
    ``decoder`` picks a characteristic's decoder given the features read so far (the weight
    scale's resolution, the CGM E2E-CRC); ``stored``: how stored records are fetched through
    RACP (None: not fetched); ``reassembled``: values may come in several packets, which the
    gateway reassembles (its assembler is registered under ``name``); ``live_control``: the
    control point that starts and stops live values, where the device has it.

    The gateway's mapper and the simulator are registered under ``name`` on their side
    (:mod:`gateway.fhir.registry`, :mod:`simulators.registry`); ``tests/contract`` checks that
    every device type has both, and that every subscribed or delivered value maps to valid PHD IG
    resources.
    """

    service_uuid16: int
    name: str
    title: str
    subscribe: tuple[AnyCharacteristic, ...]
    read: tuple[AnyCharacteristic, ...] = ()
    aliases: tuple[str, ...] = ()
    deliver: tuple[AnyCharacteristic, ...] = ()
    decoder: Callable[[AnyCharacteristic, Mapping[str, object]], Decoder] = plain_decoder
    stored: StoredRecords | None = None
    reassembled: bool = False
    live_control: LiveControl | None = None

    @property
    def uuid(self) -> str:
        return uuid16_to_uuid(self.service_uuid16)

    @property
    def names(self) -> tuple[str, ...]:
        """The name first, then the aliases."""
        return (self.name, *self.aliases)

    @property
    def mapped(self) -> tuple[AnyCharacteristic, ...]:
        """The characteristics whose values reach the FHIR mapping."""
        return self.subscribe + self.deliver
