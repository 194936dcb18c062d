"""A hostile FHIR server for tests: a reverse proxy on a free loopback port in front of a real
FHIR server (SEKMET), whose :attr:`HostileServer.mode` can be switched while it runs.

Modes (:class:`Mode`): ``good`` forwards every request. The others are what gateways meet in
the field (proxies, captive portals, wrong base URLs, overloaded or flaky servers):

- ``html``: 200 + ``<html>Welcome to nginx</html>``; ``garbage``: 200 + random bytes labelled
  FHIR JSON; ``error-outcome``: 200 + an OperationOutcome with severity error (nothing stored);
- ``short``: forwards the transaction (the server commits it), then answers its
  transaction-response with one entry fewer; ``wrong-type``: forwards it, then answers the
  response relabelled ``batch-response``; ``searchset``: answers an empty searchset Bundle
  (nothing stored);
- ``redirect-301``/``302``/``307``: a redirect to another path (which answers 404);
  ``404``/``405``: the base URL does not exist / takes no POST (an nginx-like HTML page);
- ``500``; ``429`` with ``Retry-After: 1``;
- ``slow``: forwards (the server commits), then answers :data:`SLOW_SECONDS` later, after the
  client's timeout; ``commit-then-drop``: forwards the transaction (the server commits), then
  closes the connection without answering (the lost response);
- ``tls-untrusted``: TLS with a self-signed certificate the client does not trust;
  ``plain-http``: plain HTTP where the client expects TLS. Both need a server made with
  ``tls=`` (:class:`TlsFiles`); in the other modes it then serves TLS with a certificate from
  :attr:`TlsFiles.ca_file`, which the client is given.

Transforming modes (``short``, ``wrong-type``, ``commit-then-drop``) act on transaction POSTs to
the base only; the others on every request under the base. :attr:`HostileServer.hostile_answers`
counts the requests answered in a mode other than ``good`` (a test can check that the hostile
behaviour was met at all). Requests go to 127.0.0.1 only.
"""

from __future__ import annotations

import datetime as dt
import enum
import http.client
import ipaddress
import json
import random
import socket
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SLOW_SECONDS: Final = 3.0
"""How late ``slow`` answers: give the client a timeout well below it."""
BASE_PATH: Final = "/fhir"
FORWARD_TIMEOUT: Final = 30.0
FHIR_JSON: Final = "application/fhir+json"


class Mode(enum.StrEnum):
    GOOD = "good"
    HTML = "html"
    GARBAGE = "garbage"
    SHORT = "short"
    WRONG_TYPE = "wrong-type"
    SEARCHSET = "searchset"
    ERROR_OUTCOME = "error-outcome"
    REDIRECT_301 = "redirect-301"
    REDIRECT_302 = "redirect-302"
    REDIRECT_307 = "redirect-307"
    NOT_FOUND = "404"
    NOT_ALLOWED = "405"
    SERVER_ERROR = "500"
    TOO_MANY_REQUESTS = "429"
    SLOW = "slow"
    COMMIT_THEN_DROP = "commit-then-drop"
    TLS_UNTRUSTED = "tls-untrusted"
    PLAIN_HTTP = "plain-http"


TLS_MODES: Final = frozenset({Mode.TLS_UNTRUSTED, Mode.PLAIN_HTTP})
TRANSACTION_MODES: Final = frozenset({Mode.SHORT, Mode.WRONG_TYPE, Mode.COMMIT_THEN_DROP})


# --- certificates -----------------------------------------------------------------------------
def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: str,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool,
) -> x509.Certificate:
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _write_pair(directory: Path, stem: str, cert: x509.Certificate, key: Any) -> Path:
    cert_path = directory / f"{stem}.pem"
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM) + key_bytes)
    return cert_path


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """A test CA (give :attr:`ca_file` to the client), a server certificate for 127.0.0.1
    signed by it, and a self-signed one for 127.0.0.1 that no one trusts."""

    ca_file: Path
    trusted: Path
    untrusted: Path

    @classmethod
    def create(cls, directory: Path) -> TlsFiles:
        directory.mkdir(parents=True, exist_ok=True)
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = _certificate("PHG test CA", ca_key, "PHG test CA", ca_key, ca=True)
        ca_file = directory / "ca.pem"
        ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        key = ec.generate_private_key(ec.SECP256R1())
        trusted = _certificate("127.0.0.1", key, "PHG test CA", ca_key, ca=False)
        rogue_key = ec.generate_private_key(ec.SECP256R1())
        rogue = _certificate("127.0.0.1", rogue_key, "127.0.0.1", rogue_key, ca=False)
        return cls(
            ca_file,
            _write_pair(directory, "trusted", trusted, key),
            _write_pair(directory, "untrusted", rogue, rogue_key),
        )

    def context(self, trusted: bool) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.trusted if trusted else self.untrusted)
        return context


# --- the server -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...] = ()


def _operation_outcome(severity: str, text: str) -> bytes:
    outcome = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": severity, "code": "processing", "diagnostics": text}],
    }
    return json.dumps(outcome).encode()


NGINX_HTML: Final = b"<html>Welcome to nginx</html>"
FIXED_ANSWERS: Final = {
    Mode.HTML: Answer(200, NGINX_HTML, (("Content-Type", "text/html"),)),
    Mode.ERROR_OUTCOME: Answer(
        200,
        _operation_outcome("error", "the request was not processed"),
        (("Content-Type", FHIR_JSON),),
    ),
    Mode.SEARCHSET: Answer(
        200,
        json.dumps({"resourceType": "Bundle", "type": "searchset", "total": 0}).encode(),
        (("Content-Type", FHIR_JSON),),
    ),
    Mode.NOT_FOUND: Answer(
        404, b"<html><h1>404 Not Found</h1>nginx</html>", (("Content-Type", "text/html"),)
    ),
    Mode.NOT_ALLOWED: Answer(
        405,
        b"<html><h1>405 Not Allowed</h1>nginx</html>",
        (("Content-Type", "text/html"), ("Allow", "GET")),
    ),
    Mode.SERVER_ERROR: Answer(
        500, _operation_outcome("fatal", "internal error"), (("Content-Type", FHIR_JSON),)
    ),
    Mode.TOO_MANY_REQUESTS: Answer(
        429, b"slow down", (("Content-Type", "text/plain"), ("Retry-After", "1"))
    ),
}
REDIRECTS: Final = {Mode.REDIRECT_301: 301, Mode.REDIRECT_302: 302, Mode.REDIRECT_307: 307}


class _Listener(ThreadingHTTPServer):
    # stop() waits for the requests in progress: whatever they forward has reached the upstream
    # server when stop() returns (a ``slow`` answer takes SLOW_SECONDS more).
    daemon_threads = False
    block_on_close = True
    hostile: HostileServer

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        if self.hostile.mode in TLS_MODES:
            self.hostile.count_hostile()
        context = self.hostile.tls_context()
        if context is None:
            return sock, address
        # The handshake happens in the handler's thread (see finish_request).
        return context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address

    def finish_request(self, request: Any, client_address: Any) -> None:
        if isinstance(request, ssl.SSLSocket):
            try:
                request.settimeout(10)
                request.do_handshake()
            except (ssl.SSLError, OSError):
                return  # the client refused our certificate
        super().finish_request(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _Listener
    protocol_version = "HTTP/1.0"  # one request per connection
    timeout = 30  # seconds: a client that connects and sends nothing cannot hold stop() up

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the tests report what matters

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def _serve(self) -> None:
        hostile = self.server.hostile
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = urllib.parse.urlsplit(self.path).path
        if path != BASE_PATH and not path.startswith(f"{BASE_PATH}/"):
            self._answer(FIXED_ANSWERS[Mode.NOT_FOUND])
            return
        mode = hostile.mode
        is_transaction = self.command == "POST" and path.rstrip("/") == BASE_PATH
        if mode is Mode.GOOD or (mode in TRANSACTION_MODES and not is_transaction):
            self._answer(hostile.forward(self.command, self.path, self.headers, body))
            return
        hostile.count_hostile()
        if mode in FIXED_ANSWERS:
            self._answer(FIXED_ANSWERS[mode])
        elif mode in REDIRECTS:
            location = f"{hostile.base_url.rsplit(BASE_PATH, 1)[0]}/moved{self.path}"
            self._answer(Answer(REDIRECTS[mode], b"", (("Location", location),)))
        elif mode is Mode.GARBAGE:
            noise = random.Random(len(body)).randbytes(512)
            self._answer(Answer(200, noise, (("Content-Type", FHIR_JSON),)))
        elif mode is Mode.COMMIT_THEN_DROP:
            hostile.forward(self.command, self.path, self.headers, body)
            self.close_connection = True  # no status line, no headers: the response is lost
        elif mode is Mode.SLOW:
            answer = hostile.forward(self.command, self.path, self.headers, body)
            time.sleep(SLOW_SECONDS)
            self._answer(answer)
        elif mode in (Mode.SHORT, Mode.WRONG_TYPE):
            answer = hostile.forward(self.command, self.path, self.headers, body)
            self._answer(_tamper(answer, mode))
        else:  # plain-http: a plain HTTP request that happened to parse
            self._answer(FIXED_ANSWERS[Mode.NOT_FOUND])

    def _answer(self, answer: Answer) -> None:
        try:
            self.send_response(answer.status)
            for name, value in answer.headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
        except OSError:
            pass  # the client gave up (timeout): nothing to answer to


def _tamper(answer: Answer, mode: Mode) -> Answer:
    """One entry fewer (``short``) or relabelled ``batch-response`` (``wrong-type``)."""
    try:
        bundle = json.loads(answer.body)
    except ValueError:
        return answer
    if not isinstance(bundle, dict) or bundle.get("resourceType") != "Bundle":
        return answer
    if mode is Mode.SHORT:
        bundle["entry"] = (bundle.get("entry") or [])[:-1]
    else:
        bundle["type"] = "batch-response"
    return Answer(answer.status, json.dumps(bundle).encode(), answer.headers)


class HostileServer:
    """The proxy on ``http(s)://127.0.0.1:PORT/fhir`` in front of ``upstream`` (a FHIR base
    URL on 127.0.0.1). Start with :meth:`start` or ``with``; :meth:`stop` ends it."""

    def __init__(self, upstream: str, *, tls: TlsFiles | None = None) -> None:
        target = urllib.parse.urlsplit(upstream)
        if target.hostname != "127.0.0.1" or target.port is None:
            raise ValueError(f"the upstream must be on 127.0.0.1 with a port: {upstream}")
        self.upstream_port = target.port
        self.upstream_path = target.path.rstrip("/")
        self.tls = tls
        self._mode = Mode.GOOD
        self.hostile_answers = 0
        self._lock = threading.Lock()
        self._listener = _Listener(("127.0.0.1", 0), _Handler)
        self._listener.hostile = self
        port = self._listener.server_address[1]
        scheme = "https" if tls is not None else "http"
        self.base_url = f"{scheme}://127.0.0.1:{port}{BASE_PATH}"
        self._thread: threading.Thread | None = None

    @property
    def mode(self) -> Mode:
        return self._mode

    @mode.setter
    def mode(self, mode: Mode) -> None:
        if mode in TLS_MODES and self.tls is None:
            raise ValueError(f"mode {mode} needs a server made with tls=TlsFiles.create(...)")
        self._mode = Mode(mode)

    def tls_context(self) -> ssl.SSLContext | None:
        """The TLS set-up for a new connection in the current mode (None: plain HTTP)."""
        if self.tls is None or self.mode is Mode.PLAIN_HTTP:
            return None
        return self.tls.context(trusted=self.mode is not Mode.TLS_UNTRUSTED)

    def count_hostile(self) -> None:
        with self._lock:
            self.hostile_answers += 1

    def forward(self, method: str, path: str, headers: Any, body: bytes) -> Answer:
        """The upstream server's answer to the same request (its base path swapped in)."""
        upstream_path = self.upstream_path + path[len(BASE_PATH) :]
        sent = {
            name: headers[name]
            for name in ("Content-Type", "Accept", "Prefer", "If-None-Exist", "If-Match")
            if headers.get(name) is not None
        }
        connection = http.client.HTTPConnection(
            "127.0.0.1", self.upstream_port, timeout=FORWARD_TIMEOUT
        )
        try:
            connection.request(method, upstream_path, body=body or None, headers=sent)
            reply = connection.getresponse()
            data = reply.read()
            kept = tuple(
                (name, value)
                for name, value in reply.getheaders()
                if name.lower() in ("content-type", "location", "etag", "last-modified")
            )
            return Answer(reply.status, data, kept)
        finally:
            connection.close()

    def start(self) -> HostileServer:
        self._thread = threading.Thread(
            target=self._listener.serve_forever, name="hostile-fhir", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._listener.shutdown()
        self._listener.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> HostileServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
