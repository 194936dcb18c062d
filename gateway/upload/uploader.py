"""The uploader: drains the outbox into the FHIR server, in order per device.

Each round takes the oldest pending item's device and that device's next items (up to
``max_entries`` bundle entries), sends them as one transaction Bundle and reads the answer
(:mod:`gateway.upload.answer`):

- **proven** (a ``transaction-response`` with one 2xx entry per entry sent): the items are
  done; the server ids of their Patient/Device/coincident-stamp entries are cached, so later
  bundles reference ``Device/123`` instead of sending the resource again;
- **not proven** (HTML, garbage, an OperationOutcome, too few entries, ... with a 2xx),
  **timeouts, connection errors, 408, 429, 5xx**, **401/403** and token endpoint failures, and
  **configuration errors** (a redirect, or 404/405 where ``/metadata`` fails too): the items
  stay pending and the round is repeated after an exponential backoff with jitter, or after
  ``Retry-After``; :attr:`Uploader.problem` says why (the status page shows it);
- **any other 4xx** (400, 404, 409, 412, 413, 422, ...): a transaction fails as a whole, so the
  batch is *bisected*: its first half is sent, then its second half, recursively, in order. A
  rejected single item is tried again without cached ids (the server may have lost a Device)
  and then *in parts* (a server may cap the entries of a transaction: Medplum allows 8 with
  conditional creates): its entries in dependency order, in transactions of half the size,
  and so on down to one entry, each part's references to earlier parts rewritten to the ids
  the server gave. Only an entry rejected on its own quarantines the item (with the server's
  OperationOutcome). The part size that worked caps later bundles, and so does the larger
  half of a bisected bundle whose halves both went through (it was refused for its size).

Re-sending is always safe: every entry is a conditional create or update
(:mod:`gateway.fhir.entries`), so a bundle the server committed but whose answer was lost or
unproven creates nothing twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Final

import httpx
import structlog

from gateway.backoff import Backoff
from gateway.outbox import ItemState, Outbox, OutboxItem
from gateway.upload.answer import (
    Accepted,
    MaybeConfiguration,
    Problem,
    Rejected,
    RetryLater,
    outcome_of,
    parse_retry_after,
    read_answer,
    summary,
)
from gateway.upload.auth import TokenError
from gateway.upload.bundles import (
    PreparedBundle,
    PreparedEntry,
    bundle_text,
    learned_ids,
    parts,
    prepare,
    reference_from_location,
    rewrite_references,
    take_items,
)
from gateway.upload.client import FhirClient, error_detail
from gateway.waits import Sleep, first_of, stopped_during

DEFAULT_MAX_ENTRIES: Final = 200

_log = structlog.get_logger("gateway.upload")

ProblemListener = Callable[[Problem | None, str], None]


class RetryLaterError(Exception):
    """``reason`` is stored with the items; ``brief`` (no server text) is what is logged."""

    def __init__(
        self,
        brief: str,
        detail: str = "",
        retry_after: float | None = None,
        problem: Problem = Problem.UNAVAILABLE,
    ) -> None:
        super().__init__(brief + detail)
        self.brief = brief
        self.reason = brief + detail
        self.retry_after = retry_after
        self.problem = problem


class _PartRejectedError(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class Uploader:
    def __init__(
        self,
        outbox: Outbox,
        client: FhirClient,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        backoff: Backoff | None = None,
        sleep: Sleep = asyncio.sleep,
        on_problem: ProblemListener | None = None,
    ) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be at least 1")
        self.outbox = outbox
        self.client = client
        self.max_entries = max_entries
        """Entries per transaction: the configured batch size, lowered to what a server that
        caps transactions accepted."""
        self.backoff = backoff if backoff is not None else Backoff()
        self._sleep = sleep
        self.server = client.base_url
        self._known: dict[str, str] | None = None
        self._read_ahead: asyncio.Future[list[OutboxItem]] | None = None
        self.requests = 0
        self.quarantined = 0
        self.problem: Problem | None = None
        """Why the last round did not settle its items (None once a round succeeds)."""
        self.problem_text = ""
        self._on_problem = on_problem

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

    async def _post(self, body: str) -> httpx.Response:
        self.requests += 1
        try:
            return await self.client.transaction(body)
        except httpx.TimeoutException as exc:
            raise RetryLaterError(f"timeout ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise RetryLaterError(
                f"connection failed ({type(exc).__name__})", error_detail(exc)
            ) from exc
        except TokenError as exc:
            raise RetryLaterError(
                "no access token", f": {exc}", problem=Problem.CREDENTIALS
            ) from exc

    async def _verdict(self, response: httpx.Response, sent: int) -> Accepted | Rejected:
        """The answer, with every retryable case raised as RetryLaterError."""
        answer = read_answer(response, sent)
        if isinstance(answer, MaybeConfiguration):
            try:
                await self.client.check()
            except Exception as exc:  # the base URL itself is wrong
                raise RetryLaterError(
                    f"HTTP {answer.status} on the FHIR base URL and /metadata fails: "
                    "check fhir.base_url",
                    f" ({type(exc).__name__})",
                    problem=Problem.CONFIGURATION,
                ) from exc
            return Rejected(answer.status)
        if isinstance(answer, RetryLater):
            raise RetryLaterError(
                answer.brief,
                answer.detail,
                parse_retry_after(answer.retry_after),
                answer.problem,
            )
        return answer

    async def _send(self, items: Sequence[OutboxItem], *, fresh: bool = False) -> int:
        assert self._known is not None
        prepared = prepare(items, self._known)
        if len(prepared.entries) > self.max_entries:  # a cap learnt since they were taken
            if len(items) == 1:
                return await self._send_in_parts(items[0], prepared, self.max_entries)
            first = take_items(items, self._known, self.max_entries)
            return await self._send(first) + await self._send(items[len(first) :])
        response = await self._post(prepared.body)
        verdict = await self._verdict(response, len(prepared.entries))
        if isinstance(verdict, Accepted):
            await self._done(items, learned_ids(prepared.entries, verdict.locations))
            _log.info("uploaded", items=len(items), entries=len(prepared.entries))
            return len(items)
        if len(items) > 1:
            _log.info("bundle_rejected_bisecting", items=len(items), status=verdict.status)
            middle = len(items) // 2
            halves = (items[:middle], items[middle:])
            larger = max(len(prepare(half, self._known).entries) for half in halves)
            quarantined = self.quarantined
            settled = await self._send(halves[0]) + await self._send(halves[1])
            if self.quarantined == quarantined:
                # Both halves went through, so the whole was refused for its size alone.
                self._cap(larger)
            return settled
        return await self._rejected_alone(items[0], prepared, response, fresh)

    async def _rejected_alone(
        self, item: OutboxItem, prepared: PreparedBundle, response: httpx.Response, fresh: bool
    ) -> int:
        assert self._known is not None
        if prepared.rewritten and not fresh:
            # It referred to cached server ids: the server may have lost (or never kept) one.
            _log.info("rejected_retrying_without_cached_ids", item=item.id)
            await self.outbox.run(self.outbox.store.forget_known_ids, self.server)
            self._known.clear()
            return await self._send([item], fresh=True)
        if len(prepared.entries) > 1:
            return await self._send_in_parts(item, prepared, len(prepared.entries) // 2)
        return await self._quarantine(item, response)

    async def _send_in_parts(self, item: OutboxItem, prepared: PreparedBundle, size: int) -> int:
        """One item in several transactions of at most ``size`` entries (halved after each
        rejection, down to 1)."""
        assert self._known is not None
        given: dict[str, str] = {}  # full URL -> server reference, of the parts sent
        learned: dict[str, str] = {}
        size = max(1, size)
        while True:
            try:
                for part in parts([e for e in prepared.entries if e.full_url not in given], size):
                    locations = await self._send_part(part, given)
                    learned.update(learned_ids(part, locations))
                break
            except _PartRejectedError as rejected:
                if size == 1:
                    return await self._quarantine(item, rejected.response)
                size //= 2
        await self._done([item], learned)
        self._cap(size)
        _log.info("uploaded_in_parts", item=item.id, entries=len(prepared.entries), size=size)
        return 1

    async def _send_part(
        self, part: Sequence[PreparedEntry], given: dict[str, str]
    ) -> tuple[str | None, ...]:
        texts = [
            PreparedEntry(e.full_url, rewrite_references(e.text, given), e.cache_key) for e in part
        ]
        response = await self._post(bundle_text(texts))
        verdict = await self._verdict(response, len(part))
        if isinstance(verdict, Rejected):
            raise _PartRejectedError(response)
        for entry, location in zip(part, verdict.locations, strict=True):
            reference = None if location is None else reference_from_location(location)
            if reference is None:
                raise RetryLaterError(
                    "the server gave no location for an entry a later part refers to",
                    problem=Problem.UNPROVEN,
                )
            given[entry.full_url] = reference
        return verdict.locations

    def _cap(self, entries: int) -> None:
        """The server refused a larger transaction and took one of ``entries``: later bundles
        stay within it."""
        if entries < self.max_entries:
            self.max_entries = max(1, entries)
            _log.warning("transaction_size_capped", entries=self.max_entries, server=self.server)

    async def _done(self, items: Sequence[OutboxItem], learned: dict[str, str]) -> None:
        assert self._known is not None
        await self.outbox.mark_done([i.id for i in items], self.server, learned)
        self._known.update(learned)

    async def _quarantine(self, item: OutboxItem, response: httpx.Response) -> int:
        error = f"HTTP {response.status_code}{summary(response)}"
        await self.outbox.quarantine(item.id, error, outcome_of(response))
        self.quarantined += 1
        # The server's diagnostics may quote the resource: kept in the outbox, not logged.
        _log.warning(
            "item_quarantined", item=item.id, device=item.device, status=response.status_code
        )
        return 1

    def _report(self, problem: Problem | None, text: str = "") -> None:
        if problem is self.problem and text == self.problem_text:
            return
        self.problem, self.problem_text = problem, text
        if self._on_problem is not None:
            self._on_problem(problem, text)

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
            await first_of(self.outbox.changed.wait(), stop.wait())

    async def _round(self, stop: asyncio.Event | None = None) -> bool:
        """One round; True if there may be more to do."""
        try:
            settled = await self.upload_once()
        except RetryLaterError as exc:
            self._report(exc.problem, exc.brief)
            delay = self.backoff.next_delay(exc.retry_after)
            _log.warning(
                "upload_failed_retrying",
                problem=exc.problem.value,
                reason=exc.brief,
                retry_in_s=round(delay, 3),
                failures=self.backoff.failures,
            )
            if stop is None:
                await self._sleep(delay)
            else:
                await stopped_during(stop, delay, self._sleep)
            return True
        if settled:
            self.backoff.reset()
            self._report(None)
        return settled > 0
