"""``phg run --check`` (and ``phg run``): configuration problems are one line each on standard
error and exit status 2 (systemd's RestartPreventExitStatus), never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.cli import main

SECRET = "s3cr3t-T0KEN-value"


def check(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> tuple[int, str, str]:
    code = main(["run", "--config", str(path), "--check", *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "gateway.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_config_file_that_is_not_utf8(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "gateway.toml"
    path.write_bytes(b'[fhir]\nbase_url = "https://x.example/\xff"\n')
    code, out, err = check(capsys, path)
    assert (code, out) == (2, "")
    assert (
        err == f"phg run: {path}: not UTF-8 text (invalid byte at offset 37)\n"
    )  # after 37 ASCII bytes


def test_an_unknown_variable_is_a_warning_with_the_nearest_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(tmp_path, '[fhir]\nbase_url = "https://fhir.example.org/r4"\n')
    monkeypatch.setenv("PHG_FHIR_BASEURL", "https://elsewhere.example/")
    code, _, err = check(capsys, path)
    assert code == 0
    assert err.splitlines() == [
        "phg: warning: environment variable PHG_FHIR_BASEURL is not a PHG setting, ignored; "
        "did you mean PHG_FHIR_BASE_URL?",
        f"phg run: {path}: configuration is valid",
    ]


def test_a_bearer_token_over_plain_http_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write(
        tmp_path, '[fhir]\nbase_url = "http://fhir.example.org/r4"\n[fhir.auth]\nkind = "bearer"\n'
    )
    monkeypatch.setenv("PHG_FHIR_AUTH_TOKEN", SECRET)
    code, _, err = check(capsys, path)
    assert code == 2
    assert err == (
        "phg run: fhir: credentials (auth.kind 'bearer') would go over plain http:// to "
        "base_url: use https:// (http:// is allowed only to a loopback address: 127.0.0.1, "
        "::1, localhost)\n"
    )


def test_a_token_file_with_an_embedded_newline_is_refused_unquoted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = tmp_path / "token"
    token.write_text(f"{SECRET}\nX-Injected: 1\n", encoding="utf-8")
    path = write(
        tmp_path,
        '[fhir]\nbase_url = "https://fhir.example.org/r4"\n'
        f'[fhir.auth]\nkind = "bearer"\ntoken_file = "{token}"\n',
    )
    code, _, err = check(capsys, path)
    assert code == 2
    assert err == (
        f"phg run: fhir.auth.token_file: {token}: contains a control character (0x0a at "
        f"character {len(SECRET) + 1}); a secret must be one line of printable text\n"
    )


def test_the_status_server_off_loopback_without_a_token_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write(
        tmp_path,
        '[fhir]\nbase_url = "https://fhir.example.org/r4"\n'
        '[status]\nenabled = true\nhost = "0.0.0.0"\n',
    )
    code, _, err = check(capsys, path)
    assert code == 2
    assert err.startswith("phg run: status: host '0.0.0.0' is not a loopback address")
    assert err.count("\n") == 1
