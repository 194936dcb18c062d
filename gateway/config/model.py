"""The gateway configuration as validated, immutable pydantic models (one class per TOML
table). ``docs/daemon.md`` is the reference; ``config/gateway.example.toml`` an annotated
example. Loading (TOML, environment overrides, secrets, error messages) is in
:mod:`gateway.config.load`.

Relative paths are resolved against the configuration file's directory (the loader passes it
as the validation context ``base_dir``); secret-file paths may use environment variables such
as ``${CREDENTIALS_DIRECTORY}`` (systemd ``LoadCredential=``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Annotated, Any, Final, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainValidator,
    ValidationInfo,
    field_validator,
    model_validator,
)

from gateway.ble.allowlist import Allowlist, normalize_address
from gateway.ble.clock import ClockPolicy, ClockSync
from gateway.config.loopback import is_loopback, plain_http_to_remote
from gateway.config.patients import PatientSpec, to_patient
from gateway.config.zone import host_zone, zone_named
from gateway.fhir.identifiers import IdentifierError, parse_hex_bytes
from gateway.fhir.patient import Patient, PatientBinding
from gateway.fhir.phg_device import PhgConfig
from gateway.upload.secrets import ONE_LINE, Secret, control_character

_ADAPTER: Final = re.compile(r"hci[0-9]+")
UNKNOWN_USER: Final = 0xFF


def _secret(value: object, info: ValidationInfo) -> Secret:
    """A secret setting's value (from the environment; files are read by
    :mod:`gateway.config.secrets`): one line of printable text, never empty."""
    if isinstance(value, Secret):
        return value
    if not isinstance(value, str):
        raise ValueError("Input should be a valid string")
    found = control_character(value)
    if found is not None:
        raise ValueError(f"contains {found}; {ONE_LINE}")
    return Secret(value, info.field_name or "secret")


def _blank_is_none(value: object) -> object:
    return None if isinstance(value, str) and not value.strip() else value


ConfigSecret = Annotated[Secret, PlainValidator(_secret)]


def _resolve_path(value: Path | None, info: ValidationInfo) -> Path | None:
    if value is None:
        return None
    expanded = os.path.expandvars(str(value))
    if "$" in expanded:
        raise ValueError(f"undefined environment variable in {str(value)!r}")
    path = Path(expanded).expanduser()
    base = (info.context or {}).get("base_dir") if info.context else None
    if not path.is_absolute() and isinstance(base, Path):
        path = base / path
    return path


def _check_address(value: str) -> str:
    try:
        parse_hex_bytes(value, 6, "address")
    except IdentifierError:
        raise ValueError("must be a Bluetooth address such as AA:BB:CC:DD:EE:FF") from None
    return normalize_address(value)


def _check_adapter(value: str) -> str:
    if not _ADAPTER.fullmatch(value):
        raise ValueError("must be an adapter name such as hci0")
    return value


Address = Annotated[str, AfterValidator(_check_address)]
AdapterName = Annotated[str, AfterValidator(_check_adapter)]
ConfigPath = Annotated[Path, AfterValidator(_resolve_path)]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GatewaySection(_Section):
    system_id: str | None = None
    """The gateway's EUI-64 (16 hex digits, OUI first); None: derived from the host."""
    time_zone: str | None = None
    """IANA zone name; None: the host's zone."""
    state_dir: ConfigPath = Path("/var/lib/phg")

    @field_validator("system_id")
    @classmethod
    def _system_id(cls, value: str | None) -> str | None:
        if value is None or value.lower() == "auto":
            return None
        try:
            parse_hex_bytes(value, 8, "system_id")
        except IdentifierError:
            raise ValueError(
                "must be an EUI-64: 16 hex digits, e.g. 00-1C-05-FF-FE-FF-E8-74"
            ) from None
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            zone_named(value)
        return value

    def phg(self) -> PhgConfig:
        if self.system_id is None:
            return PhgConfig.from_host()
        return PhgConfig(parse_hex_bytes(self.system_id, 8, "system_id"))

    def zone(self) -> dt.tzinfo:
        return host_zone() if self.time_zone is None else zone_named(self.time_zone)


AuthKind = Literal["none", "bearer", "client-credentials", "smart-backend"]


class AuthSection(_Section):
    kind: AuthKind = "none"
    token: ConfigSecret | None = None
    """Bearer token: only from PHG_FHIR_AUTH_TOKEN or ``token_file``, never the file itself."""
    token_file: ConfigPath | None = None
    token_url: str | None = None
    client_id: str | None = None
    client_secret: ConfigSecret | None = None
    """Only from PHG_FHIR_AUTH_CLIENT_SECRET or ``client_secret_file``."""
    client_secret_file: ConfigPath | None = None
    client_secret_in_body: bool = False
    """Send the client secret in the form instead of HTTP Basic (some token endpoints)."""
    scope: str | None = None
    private_key_file: ConfigPath | None = None
    key_id: str | None = None
    algorithm: Literal["RS384", "ES384"] = "RS384"

    @field_validator("token_url")
    @classmethod
    def _token_url(cls, value: str | None) -> str | None:
        return None if value is None else _http_url(value)

    @model_validator(mode="after")
    def _complete(self) -> AuthSection:
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
        return self


def _http_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("must be an http(s) URL")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not contain credentials (use [fhir.auth])")
    return value


class FhirSection(_Section):
    base_url: Annotated[str, AfterValidator(_http_url)]
    timeout: float = Field(default=60.0, gt=0)
    """Seconds an HTTP request may wait for the server (read/write)."""
    connect_timeout: float = Field(default=10.0, gt=0)
    verify_tls: bool = True
    ca_file: ConfigPath | None = None
    """A PEM bundle of extra trusted CAs (e.g. a hospital's own CA)."""
    auth: AuthSection = AuthSection()

    @field_validator("base_url")
    @classmethod
    def _strip(cls, value: str) -> str:
        return value.rstrip("/")

    @field_validator("ca_file")
    @classmethod
    def _ca_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_file():
            raise ValueError(f"no such file: {value}")
        return value

    @model_validator(mode="after")
    def _credentials_over_tls(self) -> FhirSection:
        """A bearer token, client secret or client assertion never crosses the network in
        clear text: ``http://`` is allowed with credentials only to this machine."""
        kind = self.auth.kind
        if kind == "none":
            return self
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
        return self


class OutboxSection(_Section):
    path: ConfigPath | None = None
    """SQLite file; None: ``<state_dir>/outbox.sqlite``."""
    max_size_mb: float = Field(default=256.0, gt=0)
    batch_size: int = Field(default=200, ge=1, le=5000)
    """Most bundle entries per transaction sent to the server."""


class BleSection(_Section):
    adapters: list[AdapterName] = []
    """Adapters to scan and connect on; empty: every powered adapter."""
    allow_addresses: list[Address] = []
    allow_names: list[str] = []
    bonded_only: bool = False
    pair: bool = False
    """Pair before connecting (registers the pairing agent)."""
    pairing_passkey: int | None = Field(default=None, ge=0, le=999999)
    clock_sync: Literal["never", "when-off", "always"] = "never"
    clock_threshold: float = Field(default=60.0, ge=0)
    """Seconds the device clock may be off before ``when-off`` sets it."""
    highwater_path: ConfigPath | None = None
    """JSON file of stored-record marks; None: ``<state_dir>/highwater.json``."""

    def clock_policy(self) -> ClockPolicy:
        return ClockPolicy(ClockSync(self.clock_sync), dt.timedelta(seconds=self.clock_threshold))


class DeviceBinding(_Section):
    address: Address
    patient: PatientSpec | None = None
    """Readings without a Bluetooth user index (and device data) belong to this Patient."""
    users: dict[int, PatientSpec] = {}
    """Bluetooth user index -> Patient; readings of other indexes are held back."""
    adapter: AdapterName | None = None
    """Always connect through this adapter."""

    @field_validator("users")
    @classmethod
    def _indexes(cls, users: dict[int, Any]) -> dict[int, Any]:
        for index in users:
            if not 0 <= index < UNKNOWN_USER:
                raise ValueError(f"user index {index}: must be 0..254 (255 is 'unknown user')")
        return users

    def binding(self) -> PatientBinding:
        default: Patient | None = None if self.patient is None else to_patient(self.patient)
        return PatientBinding(default, {i: to_patient(p) for i, p in self.users.items()})


class StatusSection(_Section):
    """The read-only status server (page, ``/api/status``, ``/metrics``, ``/healthz``)."""

    enabled: bool = False
    host: str = "127.0.0.1"
    """Address to listen on; keep the loopback default unless a token is set."""
    port: int = Field(default=8088, ge=0, le=65535)
    """0: any free port (logged)."""
    token: Annotated[ConfigSecret | None, BeforeValidator(_blank_is_none)] = None
    """When set (not blank), every path but ``/healthz`` needs ``Authorization: Bearer`` or
    ``?token=``."""

    @model_validator(mode="after")
    def _token_off_loopback(self) -> StatusSection:
        """Readings, device addresses and server answers are not for the whole network."""
        if self.enabled and self.token is None and not is_loopback(self.host):
            raise ValueError(
                f"host {self.host!r} is not a loopback address: the status server needs a "
                "token there (status.token or PHG_STATUS_TOKEN), or listen on 127.0.0.1"
            )
        return self


class LoggingSection(_Section):
    format: Literal["json", "console"] = "json"
    level: Literal["debug", "info", "warning", "error"] = "info"


class GatewayConfig(_Section):
    gateway: GatewaySection = GatewaySection()
    fhir: FhirSection
    outbox: OutboxSection = OutboxSection()
    ble: BleSection = BleSection()
    devices: list[DeviceBinding] = []
    logging: LoggingSection = LoggingSection()
    status: StatusSection = StatusSection()

    @model_validator(mode="after")
    def _unique_devices(self) -> GatewayConfig:
        seen: set[str] = set()
        for device in self.devices:
            if device.address in seen:
                raise ValueError(f"device {device.address} is configured twice")
            seen.add(device.address)
        return self

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
