"""The gateway configuration as validated, immutable dataclasses (one class per TOML table).
``docs/daemon.md`` is the reference; ``config/gateway.example.toml`` an annotated example.
Each field declares the kind of its value (:mod:`gateway.config.kinds`); reading a table
(unknown keys, all problems at once) is :mod:`gateway.config.tables`; loading (TOML,
environment overrides, secrets, error messages) is :mod:`gateway.config.load`.

Relative paths are resolved against the configuration file's directory; secret-file paths may
use environment variables such as ``${CREDENTIALS_DIRECTORY}`` (systemd ``LoadCredential=``).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal, get_args
from urllib.parse import urlsplit

from gateway.ble.allowlist import Allowlist, normalize_address
from gateway.ble.clock import ClockPolicy, ClockSync
from gateway.config.kinds import (
    Context,
    Kind,
    boolean,
    checked,
    choice,
    file_path,
    integer,
    many,
    mapping,
    number,
    optional,
    text,
)
from gateway.config.loopback import is_loopback, plain_http_to_remote
from gateway.config.patients import PatientSpec, patient_spec, to_patient
from gateway.config.tables import setting, table, table_of
from gateway.config.zone import host_zone, zone_named
from gateway.fhir.identifiers import IdentifierError, parse_hex_bytes
from gateway.fhir.patient import Patient, PatientBinding
from gateway.fhir.phg_device import PhgConfig
from gateway.upload.secrets import ONE_LINE, Secret, control_character

_ADAPTER: Final = re.compile(r"hci[0-9]+")
UNKNOWN_USER: Final = 0xFF


def secret(source: str) -> Kind[Secret]:
    """The kind of a secret setting's value (from the environment; files are read by
    :mod:`gateway.config.secrets`): one line of printable text, never blank; surrounding
    spaces are removed, as they are from a secret file."""

    def kind(value: object, context: Context) -> Secret:
        if isinstance(value, Secret):
            return value
        value = text(value, context)
        found = control_character(value)
        if found is not None:
            raise ValueError(f"contains {found}; {ONE_LINE}")
        if not value.strip():
            raise ValueError("is blank; set the secret or leave the setting out")
        return Secret(value.strip(), source)

    return kind


def _blank_is_none(kind: Kind[Secret]) -> Kind[Secret | None]:
    def blank_kind(value: object, context: Context) -> Secret | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        return kind(value, context)

    return blank_kind


def _hex_identifier(value: str, size: int, what: str, expected: str) -> None:
    """ValueError ``must be {expected}`` unless ``value`` is ``size`` bytes in hex."""
    try:
        parse_hex_bytes(value, size, what)
    except IdentifierError:
        raise ValueError(f"must be {expected}") from None


def _address(value: str) -> str:
    _hex_identifier(value, 6, "address", "a Bluetooth address such as AA:BB:CC:DD:EE:FF")
    return normalize_address(value)


def _adapter(value: str) -> str:
    if not _ADAPTER.fullmatch(value):
        raise ValueError("must be an adapter name such as hci0")
    return value


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) URL")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not contain credentials (use [fhir.auth])")
    return value


def _system_id(value: str) -> str:
    _hex_identifier(value, 8, "system_id", "an EUI-64: 16 hex digits, e.g. 00-1C-05-FF-FE-FF-E8-74")
    return value


def _time_zone(value: str) -> str:
    zone_named(value)
    return value


def _existing_file(value: Path) -> Path:
    if not value.is_file():
        raise ValueError(f"no such file: {value}")
    return value


def _user_indexes(users: dict[int, PatientSpec]) -> dict[int, PatientSpec]:
    for index in users:
        if not 0 <= index < UNKNOWN_USER:
            raise ValueError(f"user index {index}: must be 0..254 (255 is 'unknown user')")
    return users


def _system_id_or_auto(value: object, context: Context) -> str | None:
    found = text(value, context)
    return None if found.lower() == "auto" else _system_id(found)


ADDRESS: Final = checked(text, _address)
ADAPTER: Final = checked(text, _adapter)
HTTP_URL: Final = checked(text, _http_url)
TIME_ZONE: Final = checked(text, _time_zone)
CA_FILE: Final = checked(file_path, _existing_file)


@dataclass(frozen=True, slots=True, kw_only=True)
class GatewaySection:
    system_id: str | None = setting(optional(_system_id_or_auto), None)
    """The gateway's EUI-64 (16 hex digits, OUI first); None: derived from the host."""
    time_zone: str | None = setting(optional(TIME_ZONE), None)
    """IANA zone name; None: the host's zone."""
    state_dir: Path = setting(file_path, Path("/var/lib/phg"))

    def phg(self) -> PhgConfig:
        if self.system_id is None:
            return PhgConfig.from_host()
        return PhgConfig(parse_hex_bytes(self.system_id, 8, "system_id"))

    def zone(self) -> dt.tzinfo:
        return host_zone() if self.time_zone is None else zone_named(self.time_zone)


AuthKind = Literal["none", "bearer", "client-credentials", "smart-backend"]
Algorithm = Literal["RS384", "ES384"]


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthSection:
    kind: AuthKind = setting(choice(get_args(AuthKind)), "none")
    token: Secret | None = setting(optional(secret("token")), None)
    """Bearer token: only from PHG_FHIR_AUTH_TOKEN or ``token_file``, never the file itself."""
    token_file: Path | None = setting(optional(file_path), None)
    token_url: str | None = setting(optional(HTTP_URL), None)
    client_id: str | None = setting(optional(text), None)
    client_secret: Secret | None = setting(optional(secret("client_secret")), None)
    """Only from PHG_FHIR_AUTH_CLIENT_SECRET or ``client_secret_file``."""
    client_secret_file: Path | None = setting(optional(file_path), None)
    client_secret_in_body: bool = setting(boolean, False)
    """Send the client secret in the form instead of HTTP Basic (some token endpoints)."""
    scope: str | None = setting(optional(text), None)
    private_key_file: Path | None = setting(optional(file_path), None)
    key_id: str | None = setting(optional(text), None)
    algorithm: Algorithm = setting(choice(get_args(Algorithm)), "RS384")

    def __post_init__(self) -> None:
        missing: list[str] = []
        if self.kind == "bearer" and self.token is None and self.token_file is None:
            missing.append("token_file (or PHG_FHIR_AUTH_TOKEN)")
        if self.kind in ("client-credentials", "smart-backend"):
            missing += [name for name in ("token_url", "client_id") if getattr(self, name) is None]
        if (
            self.kind == "client-credentials"
            and self.client_secret is None
            and self.client_secret_file is None
        ):
            missing.append("client_secret_file (or PHG_FHIR_AUTH_CLIENT_SECRET)")
        if self.kind == "smart-backend" and self.private_key_file is None:
            missing.append("private_key_file")
        if missing:
            raise ValueError(f"kind {self.kind!r} needs {', '.join(missing)}")


def _no_final_slash(value: str) -> str:
    return value.rstrip("/")


@dataclass(frozen=True, slots=True, kw_only=True)
class FhirSection:
    base_url: str = setting(checked(HTTP_URL, _no_final_slash))
    timeout: float = setting(number(gt=0), 60.0)
    """Seconds an HTTP request may wait for the server (read/write)."""
    connect_timeout: float = setting(number(gt=0), 10.0)
    verify_tls: bool = setting(boolean, True)
    ca_file: Path | None = setting(optional(CA_FILE), None)
    """A PEM bundle of extra trusted CAs (e.g. a hospital's own CA)."""
    auth: AuthSection = table(AuthSection)

    def __post_init__(self) -> None:
        """A bearer token, client secret or client assertion never crosses the network in
        clear text: ``http://`` is allowed with credentials only to this machine."""
        kind = self.auth.kind
        if kind == "none":
            return
        urls = {"base_url": self.base_url}
        if self.auth.token_url is not None:
            urls["auth.token_url"] = self.auth.token_url
        clear = [name for name, url in urls.items() if plain_http_to_remote(url)]
        if clear:
            raise ValueError(
                f"credentials (auth.kind {kind!r}) would go over plain http:// to "
                f"{' and '.join(clear)}: use https:// (http:// is allowed only to a loopback "
                "address: 127.0.0.1, ::1, localhost)"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxSection:
    path: Path | None = setting(optional(file_path), None)
    """SQLite file; None: ``<state_dir>/outbox.sqlite``."""
    max_size_mb: float = setting(number(gt=0), 256.0)
    batch_size: int = setting(integer(ge=1, le=5000), 200)
    """Most bundle entries per transaction sent to the server."""


ClockSyncName = Literal["never", "when-off", "always"]


@dataclass(frozen=True, slots=True, kw_only=True)
class BleSection:
    adapters: list[str] = setting(many(ADAPTER), factory=list)
    """Adapters to scan and connect on; empty: every powered adapter."""
    allow_addresses: list[str] = setting(many(ADDRESS), factory=list)
    allow_names: list[str] = setting(many(text), factory=list)
    bonded_only: bool = setting(boolean, False)
    pair: bool = setting(boolean, False)
    """Pair before connecting (registers the pairing agent)."""
    pairing_passkey: int | None = setting(optional(integer(ge=0, le=999999)), None)
    clock_sync: ClockSyncName = setting(choice(get_args(ClockSyncName)), "never")
    clock_threshold: float = setting(number(ge=0), 60.0)
    """Seconds the device clock may be off before ``when-off`` sets it."""
    highwater_path: Path | None = setting(optional(file_path), None)
    """JSON file of stored-record marks; None: ``<state_dir>/highwater.json``."""
    concurrent_setups: int = setting(integer(ge=1, le=32), 2)
    """Connections each adapter sets up at once (connect, subscribe, fetch stored records);
    more devices wait their turn instead of slowing every set-up down until steps time out."""

    def clock_policy(self) -> ClockPolicy:
        return ClockPolicy(ClockSync(self.clock_sync), dt.timedelta(seconds=self.clock_threshold))


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceBinding:
    address: str = setting(ADDRESS)
    patient: PatientSpec | None = setting(optional(patient_spec), None)
    """Readings without a Bluetooth user index (and device data) belong to this Patient."""
    users: dict[int, PatientSpec] = setting(
        checked(mapping(integer(), patient_spec), _user_indexes), factory=dict
    )
    """Bluetooth user index -> Patient; readings of other indexes are held back."""
    adapter: str | None = setting(optional(ADAPTER), None)
    """Always connect through this adapter."""

    def binding(self) -> PatientBinding:
        default: Patient | None = None if self.patient is None else to_patient(self.patient)
        return PatientBinding(default, {i: to_patient(p) for i, p in self.users.items()})


@dataclass(frozen=True, slots=True, kw_only=True)
class StatusSection:
    """The read-only status server (page, ``/api/status``, ``/metrics``, ``/healthz``)."""

    enabled: bool = setting(boolean, False)
    host: str = setting(text, "127.0.0.1")
    """Address to listen on; keep the loopback default unless a token is set."""
    port: int = setting(integer(ge=0, le=65535), 8088)
    """0: any free port (logged)."""
    token: Secret | None = setting(_blank_is_none(secret("token")), None)
    """When set (not blank), every path but ``/healthz`` needs ``Authorization: Bearer`` or
    ``?token=``."""

    def __post_init__(self) -> None:
        """Readings, device addresses and server answers are not for the whole network."""
        if self.enabled and self.token is None and not is_loopback(self.host):
            raise ValueError(
                f"host {self.host!r} is not a loopback address: the status server needs a "
                "token there (status.token or PHG_STATUS_TOKEN), or listen on 127.0.0.1"
            )


LogFormat = Literal["json", "console"]
LogLevel = Literal["debug", "info", "warning", "error"]


@dataclass(frozen=True, slots=True, kw_only=True)
class LoggingSection:
    format: LogFormat = setting(choice(get_args(LogFormat)), "json")
    level: LogLevel = setting(choice(get_args(LogLevel)), "info")


@dataclass(frozen=True, slots=True, kw_only=True)
class GatewayConfig:
    gateway: GatewaySection = table(GatewaySection)
    fhir: FhirSection = table(FhirSection, required=True)
    outbox: OutboxSection = table(OutboxSection)
    ble: BleSection = table(BleSection)
    devices: list[DeviceBinding] = setting(many(table_of(DeviceBinding)), factory=list)
    logging: LoggingSection = table(LoggingSection)
    status: StatusSection = table(StatusSection)

    def __post_init__(self) -> None:
        seen: set[str] = set()
        for device in self.devices:
            if device.address in seen:
                raise ValueError(f"device {device.address} is configured twice")
            seen.add(device.address)

    @property
    def outbox_path(self) -> Path:
        return self.outbox.path or self.gateway.state_dir / "outbox.sqlite"

    @property
    def highwater_path(self) -> Path:
        return self.ble.highwater_path or self.gateway.state_dir / "highwater.json"

    @property
    def heldback_path(self) -> Path:
        return self.gateway.state_dir / "heldback.sqlite"

    def allowlist(self) -> Allowlist:
        """The configured allowlist plus every bound device."""
        return Allowlist.of(
            [*self.ble.allow_addresses, *(d.address for d in self.devices)], self.ble.allow_names
        )

    def bindings(self) -> dict[str, PatientBinding]:
        return {d.address: d.binding() for d in self.devices}

    def pinned_adapters(self) -> dict[str, str]:
        return {d.address: d.adapter for d in self.devices if d.adapter is not None}
