"""Secrets of the FHIR authentication: from the environment or from files, never from the
configuration file itself, and never shown (a :class:`~gateway.upload.secrets.Secret`).

A secret file holds the secret alone. A token or client secret is one line: the file's final
line ending and surrounding spaces are removed, and any other control character (an embedded
newline, a tab, NUL, DEL) is an error, as it is in ``PHG_FHIR_AUTH_TOKEN`` and
``PHG_FHIR_AUTH_CLIENT_SECRET``; a private key (PEM) keeps its lines. Files are read when the
configuration is loaded, so an unreadable, empty or multi-line file is a configuration error
at start-up, not an upload failure hours later (or an ``Illegal header value`` error quoting
the secret into the logs and the outbox).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from gateway.config.settings import AuthSection
from gateway.upload.secrets import Secret, SecretError, one_line

__all__ = ["FORBIDDEN_IN_FILE", "SecretError", "check_readable", "client_secret", "private_key"]

FORBIDDEN_IN_FILE: Final = {
    "token": "PHG_FHIR_AUTH_TOKEN or token_file",
    "client_secret": "PHG_FHIR_AUTH_CLIENT_SECRET or client_secret_file",
}


def read_secret(path: Path, setting: str, *, single_line: bool = True) -> Secret:
    """The secret in ``path``; ``single_line`` (tokens, client secrets): no control
    characters. :class:`SecretError` names the setting and the file, never the secret."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SecretError(f"{setting}: cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise SecretError(f"{setting}: {path} is not UTF-8 text") from None
    if single_line:
        text = one_line(text, f"{setting}: {path}", final_line_end=True)
    text = text.strip()
    if not text:
        raise SecretError(f"{setting}: {path} is empty")
    return Secret(text, setting)


def _given_or_read(given: Secret | None, path: Path | None, setting: str) -> Secret | None:
    """The secret ``given`` (from the environment), else the one in the file ``path``."""
    if given is not None:
        return given
    if path is not None:
        return read_secret(path, setting)
    return None


def token(auth: AuthSection) -> Secret | None:
    """The bearer token (environment first, then the file)."""
    return _given_or_read(auth.token, auth.token_file, "fhir.auth.token_file")


def client_secret(auth: AuthSection) -> Secret | None:
    return _given_or_read(
        auth.client_secret, auth.client_secret_file, "fhir.auth.client_secret_file"
    )


def private_key(auth: AuthSection) -> Secret | None:
    """The PEM private key of SMART Backend Services."""
    if auth.private_key_file is None:
        return None
    return read_secret(auth.private_key_file, "fhir.auth.private_key_file", single_line=False)


def check_readable(auth: AuthSection) -> None:
    """Raise :class:`SecretError` if a secret the auth kind needs cannot be read."""
    if auth.kind == "bearer":
        token(auth)
    elif auth.kind == "client-credentials":
        client_secret(auth)
    elif auth.kind == "smart-backend":
        private_key(auth)
