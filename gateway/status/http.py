"""A tiny read-only HTTP/1.1 server on asyncio streams: ``GET`` and ``HEAD`` only, one request
per connection (``Connection: close``), bounded request size and read time. Enough for a
status page on the loopback interface; no dependency.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Final
from urllib.parse import parse_qs, urlsplit

import structlog

_log = structlog.get_logger("gateway.status.http")
MAX_HEADER_BYTES: Final = 16 * 1024
READ_TIMEOUT: Final = 10.0


@dataclass(frozen=True, slots=True)
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    """Lower-case names."""


@dataclass(slots=True)
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Request], Awaitable[Response]]


def parse_head(data: bytes) -> Request:
    """Parse the request line and headers (raises ValueError for a malformed request)."""
    text = data.decode("latin-1")
    lines = text.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise ValueError("malformed request line")
    method, target, _ = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name.strip():
            raise ValueError("malformed header")
        headers[name.strip().lower()] = value.strip()
    url = urlsplit(target)
    return Request(method, url.path or "/", parse_qs(url.query), headers)


def _encode(response: Response, head_only: bool) -> bytes:
    reason = HTTPStatus(response.status).phrase
    headers = {
        "Content-Type": response.content_type,
        "Content-Length": str(len(response.body)),
        "Connection": "close",
        "Cache-Control": "no-store",
        "X-Content-Type-Options": "nosniff",
        **response.headers,
    }
    head = f"HTTP/1.1 {response.status} {reason}\r\n"
    head += "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode("latin-1") + (b"" if head_only else response.body)


class HttpServer:
    def __init__(self, handler: Handler, host: str, port: int) -> None:
        self.handler = handler
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        self._server = await asyncio.start_server(
            self._serve, self.host, self.port, limit=MAX_HEADER_BYTES
        )
        sockets = self._server.sockets
        if sockets:
            self.port = int(sockets[0].getsockname()[1])  # port 0: the one the system chose

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 5)
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            response, head_only = await self._respond(reader)
            writer.write(_encode(response, head_only))
            await writer.drain()
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    async def _respond(self, reader: asyncio.StreamReader) -> tuple[Response, bool]:
        try:
            data = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), READ_TIMEOUT)
        except asyncio.LimitOverrunError:
            return Response(431, b"request header too large\n"), False
        if len(data) > MAX_HEADER_BYTES:
            return Response(431, b"request header too large\n"), False
        try:
            request = parse_head(data)
        except ValueError as exc:
            return Response(400, f"{exc}\n".encode()), False
        if request.method not in ("GET", "HEAD"):
            return Response(
                405, b"read-only: GET and HEAD only\n", headers={"Allow": "GET, HEAD"}
            ), False
        try:
            return await self.handler(request), request.method == "HEAD"
        except Exception as exc:
            _log.error("status_request_failed", path=request.path, error=repr(exc))
            return Response(500, b"internal error\n"), False
