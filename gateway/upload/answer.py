"""What a FHIR server's answer to a transaction proves (field findings U1 and U5).

An upload is done only when the server proves it: a ``transaction-response`` Bundle with exactly
one ``2xx`` entry per entry sent. Anything else answered with a ``2xx`` (an HTML page from a
proxy or captive portal, garbage, an OperationOutcome, another Bundle type, too few entries) is
*unproven*: the items stay pending and are sent again later, which is safe because every entry
is idempotent (:mod:`gateway.fhir.entries`).

A redirect (3xx), and 404/405 on the base URL itself, mean the gateway is pointed at the wrong
place: a *configuration* problem, retried and shown, never held against the readings.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import enum
from dataclasses import dataclass
from typing import Any, Final

import httpx

RETRYABLE_STATUS: Final = frozenset({401, 403, 408, 429})
"""Besides 5xx: timeouts, rate limits and credentials (a configuration problem, not a bad
reading)."""


class Problem(enum.StrEnum):
    """Why a round did not settle its items (shown on the status page)."""

    UNAVAILABLE = "server unavailable"
    CREDENTIALS = "credentials refused"
    UNPROVEN = "answer does not prove the upload"
    CONFIGURATION = "configuration error"


@dataclass(frozen=True, slots=True)
class Accepted:
    locations: tuple[str | None, ...]
    """``response.location`` of each entry sent, in order (None where the server gave none)."""


@dataclass(frozen=True, slots=True)
class Rejected:
    """A 4xx about the content: the transaction failed as a whole."""

    status: int


@dataclass(frozen=True, slots=True)
class RetryLater:
    problem: Problem
    brief: str
    """What is logged (never the server's text)."""
    detail: str = ""
    """The server's diagnostics, kept with the items."""
    retry_after: str | None = None


@dataclass(frozen=True, slots=True)
class MaybeConfiguration:
    """404/405: the base URL may be wrong (then it is a configuration error) or the content may
    name something the server does not have; the uploader checks ``/metadata`` to tell."""

    status: int


Answer = Accepted | Rejected | RetryLater | MaybeConfiguration


def read_answer(response: httpx.Response, sent: int) -> Answer:
    """Classify the answer to a transaction of ``sent`` entries."""
    status = response.status_code
    if 200 <= status < 300:
        return _proof(_json(response), sent)
    if 300 <= status < 400:
        where = response.headers.get("Location") or "(no Location)"
        return RetryLater(
            Problem.CONFIGURATION,
            f"HTTP {status}: the FHIR server redirects uploads to {where[:200]}; "
            "set fhir.base_url to the address it redirects to",
        )
    if status in (401, 403):
        return RetryLater(Problem.CREDENTIALS, f"HTTP {status}", summary(response))
    if status >= 500 or status in RETRYABLE_STATUS:
        return RetryLater(
            Problem.UNAVAILABLE,
            f"HTTP {status}",
            summary(response),
            response.headers.get("Retry-After"),
        )
    if status in (404, 405):
        return MaybeConfiguration(status)
    return Rejected(status)


def _proof(data: Any, sent: int) -> Accepted | RetryLater:
    def unproven(why: str) -> RetryLater:
        return RetryLater(Problem.UNPROVEN, f"the server answered 2xx but {why}")

    if not isinstance(data, dict):
        return unproven("not with FHIR JSON (a proxy or captive portal?)")
    if data.get("resourceType") != "Bundle":
        what = data.get("resourceType")
        return unproven(f"with a {what} instead of a transaction-response Bundle")
    if data.get("type") != "transaction-response":
        return unproven(f"with a Bundle of type {data.get('type')!r}, not transaction-response")
    entries = data.get("entry") or []
    if not isinstance(entries, list) or len(entries) != sent:
        count = len(entries) if isinstance(entries, list) else "malformed"
        return unproven(f"with {count} entries for {sent} sent")
    locations: list[str | None] = []
    for entry in entries:
        reply = entry.get("response") if isinstance(entry, dict) else None
        entry_status = reply.get("status") if isinstance(reply, dict) else None
        if not isinstance(entry_status, str) or not entry_status.strip().startswith("2"):
            return unproven(f"with an entry status {entry_status!r}")
        location = reply.get("location") if isinstance(reply, dict) else None
        locations.append(location if isinstance(location, str) else None)
    return Accepted(tuple(locations))


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def outcome_of(response: httpx.Response) -> dict[str, Any]:
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


def summary(response: httpx.Response) -> str:
    """``": <first diagnostics>"`` of the server's OperationOutcome, else ``""``."""
    data = _json(response)
    if isinstance(data, dict) and data.get("resourceType") == "OperationOutcome":
        for issue in data.get("issue") or []:
            if isinstance(issue, dict):
                text = issue.get("diagnostics") or (issue.get("details") or {}).get("text")
                if text:
                    return f": {str(text)[:300]}"
    return ""


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date), or None."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    current = now if now is not None else dt.datetime.now(dt.UTC)
    return max(0.0, (when - current).total_seconds())
