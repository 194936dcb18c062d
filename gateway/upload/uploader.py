"""The uploader: drains the outbox into the FHIR server, in order per device.

Each round takes the oldest pending item's device and that device's next items (up to
``max_entries`` bundle entries), sends them as one transaction Bundle and:

- **2xx**: marks them done and caches the server ids of their Patient/Device/coincident-stamp
  entries (from ``response.location``), so later bundles reference ``Device/123`` instead of
  sending the resource again;
- **timeouts, connection errors, 408, 429, 5xx**, and also **401/403** and token endpoint
  failures (credentials are a configuration problem, not a bad reading): the items stay pending
  and the round is repeated after an exponential backoff with jitter, or after ``Retry-After``
  when the server sends one;
- **any other 4xx** (400, 404, 409, 412, 413, 422, ...): a transaction fails as a whole, so the
  batch is *bisected*: its first half is sent, then its second half, recursively, in order. A
  rejected single item is quarantined with the server's OperationOutcome and the others go
  through. One bad item in a batch of n costs about 2·log₂(n) extra requests, and the good
  items still arrive in order.

Re-sending is safe: measurements, Patients and Devices are conditional creates
(``ifNoneExist``), so a bundle the server committed but whose response was lost (timeout)
creates no duplicates when it is sent again. The exception is the coincident time stamp, which
the PHD IG posts without a condition: in that one case (server committed, response lost) a
second coincident time stamp Observation can appear on the server.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final

import httpx
import structlog

from gateway.fhir.elements import JsonDict
from gateway.outbox import ItemState, Outbox, OutboxItem
from gateway.upload.auth import TokenError
from gateway.upload.backoff import Backoff, parse_retry_after
from gateway.upload.bundles import learned_ids, prepare, take_items
from gateway.upload.client import FhirClient

DEFAULT_MAX_ENTRIES: Final = 200
RETRYABLE_STATUS: Final = frozenset({401, 403, 408, 429})

_log = structlog.get_logger("gateway.upload")

Sleep = Callable[[float], Awaitable[None]]


class RetryLaterError(Exception):
    """``reason`` is stored with the items; ``brief`` (no server text) is what is logged."""

    def __init__(self, brief: str, detail: str = "", retry_after: float | None = None) -> None:
        super().__init__(brief + detail)
        self.brief = brief
        self.reason = brief + detail
        self.retry_after = retry_after


class Uploader:
    def __init__(
        self,
        outbox: Outbox,
        client: FhirClient,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        backoff: Backoff | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.outbox = outbox
        self.client = client
        self.max_entries = max_entries
        self.backoff = backoff if backoff is not None else Backoff()
        self._sleep = sleep
        self.server = client.base_url
        self._known: dict[str, str] | None = None
        self._read_ahead: asyncio.Future[list[OutboxItem]] | None = None
        self.requests = 0

    async def check_server(self) -> str:
        """GET /metadata: FHIR 4.0.x with transactions, else CapabilityError."""
        version = await self.client.check()
        _log.info("fhir_server_ok", base_url=self.server, fhir_version=version)
        return version

    # --- one round ----------------------------------------------------------------------------
    async def upload_once(self) -> int:
        """Send the next bundle (bisecting on rejection); returns how many items were settled
        (done or quarantined), 0 when nothing is pending. Raises RetryLaterError."""
        if self._known is None:
            self._known = await self.outbox.known_ids(self.server)
        read_ahead, self._read_ahead = self._read_ahead, None
        candidates = [] if read_ahead is None else await read_ahead
        if not candidates:  # nothing read ahead, or readings were stored since
            candidates = await self.outbox.next_items(self.max_entries)
        if not candidates:
            return 0
        items = take_items(candidates, self._known, self.max_entries)
        # Read the next items from disk while this bundle is on the wire; they are used only
        # if this round succeeds (items stored meanwhile are newer, so order is kept).
        self._read_ahead = asyncio.ensure_future(
            self.outbox.next_items(self.max_entries, [i.id for i in items])
        )
        try:
            return await self._send(items)
        except BaseException as exc:
            await self._drop_read_ahead()
            if isinstance(exc, RetryLaterError):
                await self.outbox.record_failure([i.id for i in items], exc.reason)
            raise

    async def _drop_read_ahead(self) -> None:
        read_ahead, self._read_ahead = self._read_ahead, None
        if read_ahead is not None:
            read_ahead.cancel()
            await asyncio.gather(read_ahead, return_exceptions=True)

    async def _send(self, items: Sequence[OutboxItem]) -> int:
        assert self._known is not None
        prepared = prepare(items, self._known)
        self.requests += 1
        try:
            response = await self.client.transaction(prepared.body)
        except httpx.TimeoutException as exc:
            raise RetryLaterError(f"timeout ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise RetryLaterError(f"connection failed ({type(exc).__name__})", f": {exc}") from exc
        except TokenError as exc:
            raise RetryLaterError("no access token", f": {exc}") from exc
        status = response.status_code
        ids = [i.id for i in items]
        if 200 <= status < 300:
            learned = learned_ids(_json(response), prepared)
            await self.outbox.mark_done(ids, self.server, learned)
            self._known.update(learned)
            _log.info("uploaded", items=len(items), entries=len(prepared.cache_keys), status=status)
            return len(items)
        if status >= 500 or status in RETRYABLE_STATUS:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise RetryLaterError(f"HTTP {status}", _summary(response), retry_after)
        if len(items) > 1:
            _log.info("bundle_rejected_bisecting", items=len(items), status=status)
            middle = len(items) // 2
            return await self._send(items[:middle]) + await self._send(items[middle:])
        outcome = _outcome(response)
        error = f"HTTP {status}{_summary(response)}"
        await self.outbox.quarantine(items[0].id, error, outcome)
        # The server's diagnostics may quote the resource: kept in the outbox, not logged.
        _log.warning("item_quarantined", item=items[0].id, device=items[0].device, status=status)
        return 1

    # --- loops --------------------------------------------------------------------------------
    async def drain(self) -> None:
        """Upload until nothing is pending, waiting out retryable failures."""
        try:
            while await self._round():
                pass
        finally:
            await self._drop_read_ahead()

    async def run(self, stop: asyncio.Event) -> None:
        """Upload forever (until ``stop`` is set), waking up when readings are stored."""
        try:
            await self._run(stop)
        finally:
            await self._drop_read_ahead()

    async def _run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            if await self._round(stop):
                continue
            self.outbox.changed.clear()
            if (await self.outbox.counts())[ItemState.PENDING]:
                continue
            await _first(self.outbox.changed.wait(), stop.wait())

    async def _round(self, stop: asyncio.Event | None = None) -> bool:
        """One round; True if there may be more to do."""
        try:
            settled = await self.upload_once()
        except RetryLaterError as exc:
            delay = self.backoff.next_delay(exc.retry_after)
            _log.warning(
                "upload_failed_retrying",
                reason=exc.brief,
                retry_in_s=round(delay, 3),
                failures=self.backoff.failures,
            )
            if stop is None:
                await self._sleep(delay)
            else:
                await _first(self._sleep(delay), stop.wait())
            return True
        if settled:
            self.backoff.reset()
        return settled > 0


async def _first(*waits: Awaitable[Any]) -> None:
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _outcome(response: httpx.Response) -> JsonDict:
    """The server's OperationOutcome, or one made from the status and body text."""
    data = _json(response)
    if isinstance(data, dict) and data.get("resourceType") == "OperationOutcome":
        return data
    return {
        "resourceType": "OperationOutcome",
        "issue": [
            {
                "severity": "error",
                "code": "processing",
                "diagnostics": f"HTTP {response.status_code}: {response.text[:2000]}",
            }
        ],
    }


def _summary(response: httpx.Response) -> str:
    data = _json(response)
    if isinstance(data, dict) and data.get("resourceType") == "OperationOutcome":
        for issue in data.get("issue") or []:
            if isinstance(issue, dict):
                text = issue.get("diagnostics") or (issue.get("details") or {}).get("text")
                if text:
                    return f": {str(text)[:300]}"
    return ""
