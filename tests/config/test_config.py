"""Loading, validating and overriding the gateway configuration."""

from __future__ import annotations

import dataclasses
import re
import typing
from pathlib import Path
from typing import Any

import pytest

from gateway.config import ConfigError, GatewayConfig, load_config, parse
from gateway.config import env as config_env
from gateway.fhir.patient import PatientId, PatientIdentifier

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "config" / "gateway.example.toml"
DOCS = ROOT / "docs" / "daemon.md"
MINIMAL: dict[str, Any] = {"fhir": {"base_url": "https://fhir.example.org/r4"}}


def problems(data: dict[str, Any], environ: dict[str, str] | None = None) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as info:
        parse(data, environ or {})
    return info.value.problems


def with_(**tables: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"fhir": dict(MINIMAL["fhir"])}
    for name, table in tables.items():
        if name == "fhir":
            data["fhir"].update(table)
        else:
            data[name] = table
    return data


def test_the_example_file_is_valid_and_means_what_it_says() -> None:
    config = load_config(EXAMPLE, {})
    assert config.fhir.base_url == "https://fhir.example.org/fhir"
    assert config.fhir.auth.kind == "none"
    assert config.outbox_path == Path("/var/lib/phg/outbox.sqlite")
    assert config.highwater_path == Path("/var/lib/phg/highwater.json")
    bindings = config.bindings()
    assert bindings["00:1C:05:FF:E8:74"].default == PatientId("example-patient-1")
    users = bindings["B0:49:5F:00:10:71"].users
    assert users[1] == PatientIdentifier("urn:oid:2.999.1.2.3", "MRN-0001")
    assert users[2] == PatientId("example-patient-2")
    assert bindings["B0:49:5F:00:10:71"].default is None
    # Bound devices are allowed even though the allowlist itself is empty.
    assert config.allowlist().addresses == {"00:1C:05:FF:E8:74", "B0:49:5F:00:10:71"}


def test_defaults_of_a_minimal_file() -> None:
    config = parse(MINIMAL, {})
    assert config.logging.format == "json"
    assert config.logging.level == "info"
    assert config.ble.adapters == []
    assert config.ble.clock_policy().sync.value == "never"
    assert config.outbox.batch_size == 200
    assert config.devices == []


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({}, "fhir: required"),
        (with_(fhir={"base_url": "ftp://example.org"}), "fhir.base_url: must be an http(s) URL"),
        (with_(fhir={"base_url": "https://"}), "fhir.base_url: must be an http(s) URL"),
        (with_(fhir={"timout": 3}), "fhir.timout: unknown setting (check the spelling)"),
        (with_(fhir={"timeout": 0}), "fhir.timeout: Input should be greater than 0"),
        (
            with_(fhir={"auth": {"kind": "bearer"}}),
            "fhir.auth: kind 'bearer' needs token_file (or PHG_FHIR_AUTH_TOKEN)",
        ),
        (
            with_(fhir={"auth": {"kind": "client-credentials", "client_id": "c"}}),
            "fhir.auth: kind 'client-credentials' needs token_url, "
            "client_secret_file (or PHG_FHIR_AUTH_CLIENT_SECRET)",
        ),
        (
            with_(fhir={"auth": {"kind": "smart-backend", "token_url": "https://a/t"}}),
            "fhir.auth: kind 'smart-backend' needs client_id, private_key_file",
        ),
        (
            with_(fhir={"auth": {"kind": "kerberos"}}),
            "fhir.auth.kind: Input should be 'none', 'bearer', 'client-credentials' "
            "or 'smart-backend'",
        ),
        (
            with_(gateway={"time_zone": "Mars/Olympus"}),
            "gateway.time_zone: unknown IANA time zone 'Mars/Olympus' (e.g. Europe/Berlin, UTC)",
        ),
        (
            with_(gateway={"system_id": "00-1C-05"}),
            "gateway.system_id: must be an EUI-64: 16 hex digits, e.g. 00-1C-05-FF-FE-FF-E8-74",
        ),
        (
            with_(ble={"adapters": ["usb0"]}),
            "ble.adapters[0]: must be an adapter name such as hci0",
        ),
        (
            with_(ble={"pairing_passkey": 1234567}),
            "ble.pairing_passkey: Input should be less than or equal to 999999",
        ),
        (
            with_(ble={"allow_addresses": ["AA:BB"]}),
            "ble.allow_addresses[0]: must be a Bluetooth address such as AA:BB:CC:DD:EE:FF",
        ),
        (
            with_(devices=[{"address": "AA:BB:CC:DD:EE:FF", "users": {"255": "p"}}]),
            "devices[0].users: user index 255: must be 0..254 (255 is 'unknown user')",
        ),
        (
            with_(devices=[{"address": "AA:BB:CC:DD:EE:FF", "patient": "two words"}]),
            "devices[0].patient: must be a Patient logical id (letters, digits, '-', '.', "
            "at most 64) or a table { system = ..., value = ... }",
        ),
        (
            with_(devices=[{"address": "AA:BB:CC:DD:EE:FF", "patient": {"system": "x"}}]),
            "devices[0].patient.value: required",
        ),
        (
            with_(devices=[{"address": "AA:BB:CC:DD:EE:FF", "users": {"1": 7}}]),
            "devices[0].users.1: must be a Patient logical id or a table "
            "{ system = ..., value = ... }",
        ),
        (
            with_(devices=[{"address": "aa:bb:cc:dd:ee:ff"}, {"address": "AA-BB-CC-DD-EE-FF"}]),
            "configuration: device AA:BB:CC:DD:EE:FF is configured twice",
        ),
        (with_(logging={"format": "xml"}), "logging.format: Input should be 'json' or 'console'"),
    ],
)
def test_validation_messages_name_the_setting(data: dict[str, Any], expected: str) -> None:
    assert expected in problems(data)


def test_all_problems_are_reported_at_once() -> None:
    found = problems({"fhir": {"base_url": "x"}, "ble": {"clock_sync": "sometimes"}})
    assert [p.split(":")[0] for p in found] == ["fhir.base_url", "ble.clock_sync"]


@pytest.mark.parametrize("key", ["token", "client_secret"])
def test_secrets_in_the_file_are_refused_without_echoing_them(key: str) -> None:
    found = problems(with_(fhir={"auth": {"kind": "bearer", key: "s3cr3t-value"}}))
    assert found[0].startswith(f"fhir.auth.{key}: secrets do not belong in the configuration")
    assert all("s3cr3t-value" not in p for p in found)


# --- environment overrides ------------------------------------------------------------------


def test_environment_overrides_the_file() -> None:
    config = parse(
        with_(logging={"level": "debug"}),
        {
            "PHG_FHIR_BASE_URL": "http://localhost:8080/fhir/",
            "PHG_BLE_ADAPTERS": "hci0, hci1",
            "PHG_BLE_BONDED_ONLY": "true",
            "PHG_FHIR_TIMEOUT": "7.5",
            "PHG_LOGGING_LEVEL": "warning",
            "PHG_GATEWAY_TIME_ZONE": "Europe/Berlin",
            "PHG_OUTBOX_BATCH_SIZE": "10",
            "UNRELATED": "x",
        },
    )
    assert config.fhir.base_url == "http://localhost:8080/fhir"
    assert config.ble.adapters == ["hci0", "hci1"]
    assert config.ble.bonded_only is True
    assert config.fhir.timeout == 7.5
    assert config.logging.level == "warning"
    assert str(config.gateway.zone()) == "Europe/Berlin"
    assert config.outbox.batch_size == 10


def test_an_empty_variable_unsets_an_optional_setting() -> None:
    config = parse(with_(gateway={"time_zone": "Europe/Berlin"}), {"PHG_GATEWAY_TIME_ZONE": ""})
    assert config.gateway.time_zone is None


def test_an_invalid_override_names_its_variable() -> None:
    found = problems(MINIMAL, {"PHG_FHIR_BASE_URL": "fhir.example.org"})
    assert found == ("fhir.base_url: must be an http(s) URL (from PHG_FHIR_BASE_URL)",)


def test_the_required_base_url_can_come_from_the_environment_alone() -> None:
    config = parse({}, {"PHG_FHIR_BASE_URL": "https://x.example/fhir"})
    assert config.fhir.base_url == "https://x.example/fhir"


def test_token_from_the_environment_is_never_shown() -> None:
    config = parse(
        with_(fhir={"auth": {"kind": "bearer"}}), {"PHG_FHIR_AUTH_TOKEN": "tok-123456789"}
    )
    assert config.fhir.auth.token is not None
    assert config.fhir.auth.token.reveal() == "tok-123456789"
    assert "tok-123456789" not in repr(config)
    assert "tok-123456789" not in str(dataclasses.asdict(config))


def test_every_override_variable_is_unique_and_documented() -> None:
    names = [v.name for v in config_env.VARIABLES]
    assert len(names) == len(set(names))
    assert "PHG_FHIR_BASE_URL" in names
    assert "PHG_FHIR_AUTH_CLIENT_SECRET" in names
    documented = set(re.findall(r"PHG_[A-Z_]+", DOCS.read_text(encoding="utf-8")))
    assert set(names) - documented == set()


def test_every_setting_of_the_example_has_a_variable() -> None:
    names = {v.name for v in config_env.VARIABLES}
    tables = typing.get_type_hints(GatewayConfig)
    for section in ("gateway", "fhir", "outbox", "ble", "logging"):
        for setting in dataclasses.fields(tables[section]):
            if setting.name != "auth":
                assert f"PHG_{section.upper()}_{setting.name.upper()}" in names


# --- files and paths ------------------------------------------------------------------------


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gateway.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_relative_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[gateway]\nstate_dir = "state"\n[fhir]\nbase_url = "https://x/fhir"\n'
        '[outbox]\npath = "db/outbox.sqlite"\n',
    )
    config = load_config(path, {})
    assert config.gateway.state_dir == tmp_path / "state"
    assert config.outbox_path == tmp_path / "db" / "outbox.sqlite"
    assert config.heldback_path == tmp_path / "state" / "heldback.sqlite"


def test_secret_files_use_credentials_directory(tmp_path: Path, monkeypatch: Any) -> None:
    (tmp_path / "creds").mkdir()
    (tmp_path / "creds" / "fhir-token").write_text("abc.def\n", encoding="utf-8")
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(tmp_path / "creds"))
    path = write(
        tmp_path,
        '[fhir]\nbase_url = "https://x/fhir"\n[fhir.auth]\nkind = "bearer"\n'
        'token_file = "${CREDENTIALS_DIRECTORY}/fhir-token"\n',
    )
    config = load_config(path, {})
    assert config.fhir.auth.token_file == tmp_path / "creds" / "fhir-token"
    from gateway.config import secrets

    token = secrets.token(config.fhir.auth)
    assert token is not None
    assert token.reveal() == "abc.def"


def test_undefined_variable_in_a_path_is_an_error(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.delenv("PHG_NO_SUCH_DIR", raising=False)
    found = problems(with_(fhir={"auth": {"kind": "bearer", "token_file": "${PHG_NO_SUCH_DIR}/t"}}))
    assert found == (
        "fhir.auth.token_file: undefined environment variable in '${PHG_NO_SUCH_DIR}/t'",
    )


@pytest.mark.parametrize(("content", "expected"), [(None, "cannot read"), ("\n", "is empty")])
def test_unusable_secret_files_fail_at_load(
    tmp_path: Path, content: str | None, expected: str
) -> None:
    secret = tmp_path / "token"
    if content is not None:
        secret.write_text(content, encoding="utf-8")
    found = problems(with_(fhir={"auth": {"kind": "bearer", "token_file": str(secret)}}))
    assert len(found) == 1
    assert found[0].startswith("fhir.auth.token_file: ")
    assert expected in found[0]


def test_missing_ca_file_is_reported(tmp_path: Path) -> None:
    found = problems(with_(fhir={"ca_file": str(tmp_path / "ca.pem")}))
    assert found == (f"fhir.ca_file: no such file: {tmp_path / 'ca.pem'}",)


def test_unreadable_and_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_config(tmp_path / "missing.toml", {})
    with pytest.raises(ConfigError, match=r"not valid TOML: .*line 2"):
        load_config(write(tmp_path, '[fhir]\nbase_url = "x\n'), {})


def test_credentials_in_the_base_url_are_refused_without_echoing_them() -> None:
    found = problems(with_(fhir={"base_url": "https://gw:hunter2@fhir.example.org/r4"}))
    assert found == ("fhir.base_url: must not contain credentials (use [fhir.auth])",)
