"""The status server: ``/`` (the page), ``/api/status`` (JSON), ``/metrics`` (Prometheus text
format) and ``/healthz``, read-only, bound to 127.0.0.1 by default.

With a token configured, every path but ``/healthz`` needs it, as ``Authorization: Bearer
TOKEN`` or ``?token=TOKEN`` (the page's self-refresh keeps the query); a wrong or missing token
gets 401. ``/healthz`` reveals nothing but liveness, so probes need no secret: 200 and a small
JSON object while the outbox is readable, else 503.
"""

from __future__ import annotations

import hmac
import json
from typing import Any, Final, Protocol

import structlog

from gateway.status.http import HttpServer, Request, Response

_log = structlog.get_logger("gateway.status")
PROMETHEUS_TEXT: Final = "text/plain; version=0.0.4; charset=utf-8"
OPEN_PATHS: Final = frozenset({"/healthz"})


class StatusSource(Protocol):
    async def snapshot(self) -> dict[str, Any]: ...

    async def metrics(self) -> str: ...

    async def health(self) -> dict[str, Any]: ...


def _json(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, indent=1, default=str).encode() + b"\n"
    return Response(status, body, "application/json")


class StatusServer:
    def __init__(
        self,
        source: StatusSource,
        host: str = "127.0.0.1",
        port: int = 8088,
        token: str | None = None,
    ) -> None:
        self.source = source
        self._token = token.encode() if token else None
        self._http = HttpServer(self.handle, host, port)

    @property
    def host(self) -> str:
        return self._http.host

    @property
    def port(self) -> int:
        return self._http.port

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    async def start(self) -> None:
        await self._http.start()
        _log.info("status_server_started", url=self.url, protected=self._token is not None)

    async def stop(self) -> None:
        await self._http.stop()

    def authorized(self, request: Request) -> bool:
        if self._token is None or request.path in OPEN_PATHS:
            return True
        offered: str | None = None
        auth = request.headers.get("authorization", "")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            offered = value.strip()
        elif request.query.get("token"):
            offered = request.query["token"][0]
        return offered is not None and hmac.compare_digest(offered.encode(), self._token)

    async def handle(self, request: Request) -> Response:
        if not self.authorized(request):
            return Response(
                401,
                b"a token is needed: Authorization: Bearer TOKEN, or ?token=TOKEN\n",
                headers={"WWW-Authenticate": 'Bearer realm="phg-status"'},
            )
        path = request.path.rstrip("/") or "/"
        if path == "/":
            from gateway.status.page import render  # loaded with the first page view

            page = render(await self.source.snapshot())
            return Response(200, page.encode(), "text/html; charset=utf-8")
        if path == "/api/status":
            return _json(await self.source.snapshot())
        if path == "/metrics":
            return Response(200, (await self.source.metrics()).encode(), PROMETHEUS_TEXT)
        if path == "/healthz":
            try:
                return _json(await self.source.health())
            except Exception as exc:
                return _json({"status": "failing", "error": str(exc) or type(exc).__name__}, 503)
        return Response(404, b"not found: try /, /api/status, /metrics or /healthz\n")
