"""Bad configuration input: one clear line each, never a traceback, never a secret quoted."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
import structlog

from gateway.config import ConfigError, load_config, parse, secrets
from gateway.config import env as config_env
from gateway.config.loopback import is_loopback
from gateway.daemon import logs
from gateway.status.server import StatusServer
from tests.status.test_server import FakeSource

SECRET = "s3cr3t-T0KEN-value"


def problems(data: dict[str, Any], environ: dict[str, str] | None = None) -> tuple[str, ...]:
    with pytest.raises(ConfigError) as info:
        parse(data, environ or {})
    return info.value.problems


def fhir(base_url: str, **auth: Any) -> dict[str, Any]:
    return {"fhir": {"base_url": base_url, "auth": auth}}


# --- the file ------------------------------------------------------------------------------


def test_a_config_file_that_is_not_utf8_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "gateway.toml"
    before = b'[fhir]\nbase_url = "https://fhir.example.org/'
    path.write_bytes(before + b'\xff"\n')
    with pytest.raises(ConfigError) as info:
        load_config(path, {})
    assert info.value.problems == (
        f"{path}: not UTF-8 text (invalid byte at offset {len(before)})",
    )


# --- unknown PHG_* variables ---------------------------------------------------------------


def test_an_unknown_phg_variable_is_warned_about_with_the_nearest_name(tmp_path: Path) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text('[fhir]\nbase_url = "https://fhir.example.org/"\n', encoding="utf-8")
    warnings: list[str] = []
    environ = {
        "PHG_FHIR_BASEURL": "https://typo.example/",
        "PHG_STATUS_TOKN": "x",
        "PHG_QWERTY": "1",
        "PHG_CONFIG": str(path),
        "PHG_FHIR_TIMEOUT": "5",
        "HOME": "/root",
    }
    config = load_config(path, environ, warn=warnings.append)
    assert config.fhir.base_url == "https://fhir.example.org"  # the typo changed nothing
    assert warnings == [
        "environment variable PHG_FHIR_BASEURL is not a PHG setting, ignored; "
        "did you mean PHG_FHIR_BASE_URL?",
        "environment variable PHG_QWERTY is not a PHG setting, ignored (docs/daemon.md lists them)",
        "environment variable PHG_STATUS_TOKN is not a PHG setting, ignored; "
        "did you mean PHG_STATUS_TOKEN?",
    ]


def test_every_override_variable_is_known() -> None:
    environ = {var.name: "" for var in config_env.VARIABLES}
    assert config_env.unknown(environ) == []


# --- credentials only over TLS, except to this machine (U6) ---------------------------------


@pytest.mark.parametrize(
    ("data", "where"),
    [
        (fhir("http://fhir.example.org/r4", kind="bearer", token_file="/t"), "base_url"),
        (fhir("http://10.0.0.7/r4", kind="bearer", token_file="/t"), "base_url"),
        (
            fhir(
                "https://fhir.example.org/r4",
                kind="client-credentials",
                token_url="http://auth.example.org/token",
                client_id="c",
                client_secret_file="/s",
            ),
            "auth.token_url",
        ),
        (
            fhir(
                "http://fhir.example.org/r4",
                kind="smart-backend",
                token_url="https://auth.example.org/token",
                client_id="c",
                private_key_file="/k",
            ),
            "base_url",
        ),
    ],
)
def test_credentials_are_refused_over_plain_http_to_a_remote_host(
    data: dict[str, Any], where: str
) -> None:
    found = problems(data, {"PHG_FHIR_AUTH_TOKEN": SECRET, "PHG_FHIR_AUTH_CLIENT_SECRET": "x"})
    kind = data["fhir"]["auth"]["kind"]
    assert found == (
        f"fhir: credentials (auth.kind {kind!r}) would go over plain http:// to {where}: use "
        "https:// (http:// is allowed only to a loopback address: 127.0.0.1, ::1, localhost)",
    )


@pytest.mark.parametrize(
    "base_url",
    ["http://127.0.0.1:8080/fhir", "http://127.3.4.5/", "http://[::1]:80/", "http://localhost/"],
)
def test_credentials_over_plain_http_to_loopback_are_allowed(base_url: str) -> None:
    config = parse(fhir(base_url, kind="bearer"), {"PHG_FHIR_AUTH_TOKEN": SECRET})
    assert config.fhir.base_url == base_url.rstrip("/")


def test_plain_http_without_credentials_is_allowed() -> None:
    assert parse(fhir("http://fhir.example.org/r4"), {}).fhir.auth.kind == "none"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.255.0.9", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST.", True),
        ("0.0.0.0", False),
        ("::", False),
        ("", False),
        ("192.168.1.2", False),
        ("localhost.example.org", False),
        ("evil-localhost", False),
    ],
)
def test_what_counts_as_loopback(host: str, expected: bool) -> None:
    assert is_loopback(host) is expected


# --- control characters in secrets (U7) ---------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        f"{SECRET}\nX-Injected: 1\n",  # embedded newline
        f"{SECRET}\n\n",  # a second line ending is not "the" final one
        f"{SECRET}\r\n\r\n",
        f"{SECRET[:4]}\t{SECRET[4:]}",
        f"{SECRET}\x00",
        f"{SECRET}\x7f",
        f"\n{SECRET}",
    ],
)
@pytest.mark.parametrize(
    ("kind", "setting", "extra"),
    [
        ("bearer", "token_file", {}),
        (
            "client-credentials",
            "client_secret_file",
            {"token_url": "https://auth.example.org/token", "client_id": "phg"},
        ),
    ],
)
def test_a_secret_file_with_a_control_character_is_refused_without_quoting_it(
    tmp_path: Path, content: str, kind: str, setting: str, extra: dict[str, str]
) -> None:
    path = tmp_path / "secret"
    path.write_bytes(content.encode())
    found = problems(
        fhir("https://fhir.example.org/r4", kind=kind, **{setting: str(path)}, **extra)
    )
    assert len(found) == 1
    assert found[0].startswith(f"fhir.auth.{setting}: {path}: contains a control character (0x")
    assert found[0].endswith("a secret must be one line of printable text")
    assert SECRET not in found[0]
    assert SECRET[:4] not in found[0].replace(str(path), "")


@pytest.mark.parametrize("content", [f"{SECRET}\n", f"{SECRET}\r\n", SECRET, f"  {SECRET} \n"])
def test_one_final_line_ending_of_a_secret_file_is_removed(tmp_path: Path, content: str) -> None:
    path = tmp_path / "token"
    path.write_bytes(content.encode())
    config = parse(fhir("https://fhir.example.org/r4", kind="bearer", token_file=str(path)), {})

    token = secrets.token(config.fhir.auth)
    assert token is not None
    assert token.reveal() == SECRET


@pytest.mark.parametrize(
    ("variable", "setting", "auth"),
    [
        ("PHG_FHIR_AUTH_TOKEN", "token", {"kind": "bearer"}),
        (
            "PHG_FHIR_AUTH_CLIENT_SECRET",
            "client_secret",
            {"kind": "client-credentials", "token_url": "https://a.example/t", "client_id": "c"},
        ),
    ],
)
def test_a_secret_variable_with_a_newline_is_refused_without_quoting_it(
    variable: str, setting: str, auth: dict[str, str]
) -> None:
    found = problems(fhir("https://fhir.example.org/r4", **auth), {variable: f"{SECRET}\nX: y"})
    assert found == (
        f"fhir.auth.{setting}: contains a control character (0x0a at character "
        f"{len(SECRET) + 1}); a secret must be one line of printable text (from {variable})",
    )


def test_a_pem_private_key_keeps_its_lines(tmp_path: Path) -> None:
    path = tmp_path / "key.pem"
    path.write_text("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")

    config = parse(
        fhir(
            "https://fhir.example.org/r4",
            kind="smart-backend",
            token_url="https://a.example/t",
            client_id="c",
            private_key_file=str(path),
        ),
        {},
    )
    key = secrets.private_key(config.fhir.auth)
    assert key is not None
    assert key.reveal().count("\n") == 2


# --- the status server ----------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "gateway.local"])
def test_the_status_server_needs_a_token_off_loopback(host: str) -> None:
    data = fhir("https://fhir.example.org/r4") | {"status": {"enabled": True, "host": host}}
    assert problems(data) == (
        f"status: host {host!r} is not a loopback address: the status server needs a token "
        "there (status.token or PHG_STATUS_TOKEN), or listen on 127.0.0.1",
    )
    with_token = parse(data, {"PHG_STATUS_TOKEN": SECRET})
    assert with_token.status.host == host


def test_the_status_server_on_loopback_or_disabled_needs_no_token() -> None:
    base = fhir("https://fhir.example.org/r4")
    assert parse(base | {"status": {"enabled": True, "host": "::1"}}, {}).status.token is None
    assert parse(base | {"status": {"host": "0.0.0.0"}}, {}).status.enabled is False


def test_the_status_token_is_one_secret_like_the_others() -> None:
    data = fhir("https://fhir.example.org/r4") | {"status": {"enabled": True, "host": "0.0.0.0"}}
    config = parse(data, {"PHG_STATUS_TOKEN": SECRET})
    assert config.status.token is not None
    assert config.status.token.reveal() == SECRET
    assert SECRET not in repr(config)
    # A blank PHG_STATUS_TOKEN (a unit file's empty Environment=) means no token.
    assert problems(data, {"PHG_STATUS_TOKEN": "  "})[0].startswith("status: host '0.0.0.0'")
    assert problems(data, {"PHG_STATUS_TOKEN": f"{SECRET}\nX: y"}) == (
        f"status.token: contains a control character (0x0a at character {len(SECRET) + 1}); "
        "a secret must be one line of printable text (from PHG_STATUS_TOKEN)",
    )


def test_the_status_server_start_log_shows_no_masked_token_when_there_is_none() -> None:
    async def start_stop() -> None:
        server = StatusServer(FakeSource(), port=0)
        await server.start()
        await server.stop()

    with structlog.testing.capture_logs() as captured:
        asyncio.run(start_stop())
    (event,) = [e for e in captured if e["event"] == "status_server_started"]
    masked = logs.mask_secrets(None, "info", dict(event))
    assert "***" not in masked.values()
    assert masked["protected"] is False


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"fhir": "x"}, "fhir: should be a table of settings, not text"),
        (
            {"fhir": {"base_url": "https://fhir.example.org/r4", "auth": "bearer"}},
            "fhir.auth: should be a table of settings, not text",
        ),
        ({"gateway": 3}, "gateway: should be a table of settings, not an integer"),
    ],
)
def test_a_value_where_a_table_belongs_is_one_line_naming_the_setting(
    data: dict[str, Any], expected: str
) -> None:
    assert expected in problems(data)


def test_a_blank_secret_variable_is_refused_without_quoting_it() -> None:
    found = problems(
        fhir("https://fhir.example.org/r4", kind="bearer"), {"PHG_FHIR_AUTH_TOKEN": "   "}
    )
    assert found == (
        "fhir.auth.token: is blank; set the secret or leave the setting out "
        "(from PHG_FHIR_AUTH_TOKEN)",
    )
