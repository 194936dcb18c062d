"""The daemon's live state for the status page, ``/api/status`` and the demo: devices (last
seen, battery, connection state), the most recent readings (values, units, where they are:
outbox, FHIR server with their server ids, quarantine, held-back store), the FHIR server's
health, and the :class:`~gateway.status.metrics.GatewayMetrics` it keeps up to date.

The daemon calls the ``on_*`` methods (see :mod:`gateway.daemon.observed`); they only update
memory and never raise into the daemon. Listeners (the demo's terminal output) get a short
:class:`Happening` for each notable change. Patient identifiers are never recorded here.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, NamedTuple

import structlog

from gateway.ble.events import (
    BleEvent,
    DecodeFailureEvent,
    DeviceSeenEvent,
    MeasurementEvent,
    SessionState,
    SessionStateEvent,
)
from gateway.fhir.connection import Mapped
from gateway.fhir.display import characteristic_name
from gateway.status.metrics import GatewayMetrics
from gateway.status.summary import reading_lines
from gateway.status.trends import Trends

_log = structlog.get_logger("gateway.status")
RECENT: Final = 50
KEPT_STATES: Final = frozenset(
    {"held-back", "discarded", "unmapped", "decode-failed", "outbox-failed"}
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(slots=True)
class DeviceStatus:
    address: str
    name: str | None = None
    state: str = "waiting"
    detail: str = ""
    adapter: str | None = None
    last_seen: dt.datetime | None = None
    battery_percent: int | None = None
    manufacturer: str | None = None
    model: str | None = None
    readings: int = 0
    rssi: int | None = None
    bonded: bool | None = None  # None: not known (the test bus cannot bond)

    def to_json(self) -> dict[str, Any]:
        return {
            "address": self.address,
            "name": self.name,
            "state": self.state,
            "detail": self.detail,
            "adapter": self.adapter,
            "last_seen": None if self.last_seen is None else self.last_seen.isoformat(),
            "battery_percent": self.battery_percent,
            "manufacturer": self.manufacturer,
            "model": self.model,
            "readings": self.readings,
            "rssi": self.rssi,
            "bonded": self.bonded,
        }


@dataclass(slots=True)
class ReadingStatus:
    """``state``: ``pending`` (in the outbox), ``uploaded``, ``quarantined``, or the held-back
    store's kind (``held-back``, ``discarded``, ``unmapped``, ``decode-failed``,
    ``outbox-failed``)."""

    device: str
    characteristic: str
    received_at: dt.datetime
    stored_record: bool
    state: str = "received"
    values: list[str] = field(default_factory=list)
    item_id: int | None = None
    full_urls: tuple[str, ...] = ()
    server_ids: list[str] = field(default_factory=list)
    reason: str = ""
    patient: str = "Patient"
    uploaded_at: dt.datetime | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "patient": self.patient,
            "characteristic": self.characteristic,
            "received_at": self.received_at.isoformat(),
            "stored_record": self.stored_record,
            "state": self.state,
            "values": list(self.values),
            "item": self.item_id,
            "server_ids": list(self.server_ids),
            "reason": self.reason,
            "uploaded_at": None if self.uploaded_at is None else self.uploaded_at.isoformat(),
        }


@dataclass(slots=True)
class FhirHealth:
    base_url: str
    ok: bool | None = None
    fhir_version: str | None = None
    checked_at: dt.datetime | None = None
    error: str = ""
    last_upload_at: dt.datetime | None = None
    upload_problem: str | None = None
    """Why uploads are not settling (``gateway.upload.answer.Problem`` value), None when they
    are; ``upload_problem_text`` says more (never the server's text or a header value)."""
    upload_problem_text: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "ok": self.ok,
            "fhir_version": self.fhir_version,
            "checked_at": None if self.checked_at is None else self.checked_at.isoformat(),
            "error": self.error,
            "upload_problem": self.upload_problem,
            "upload_problem_text": self.upload_problem_text,
            "last_upload_at": None
            if self.last_upload_at is None
            else self.last_upload_at.isoformat(),
        }


@dataclass(frozen=True, slots=True)
class Happening:
    """``kind``: ``device`` (connection state), ``reading`` (stored or kept), ``uploaded``,
    ``quarantined``, ``fhir`` (server health changed)."""

    kind: str
    text: str


Listener = Callable[[Happening], None]


class Banner(NamedTuple):
    """A message above everything else on the status page: ``severity`` is ``error``,
    ``warning`` or ``info``. Any part of the daemon adds one with
    ``board.banners.append(Banner("error", "..."))`` (a plain ``(severity, text)`` tuple works
    too) and removes it when the condition is gone."""

    severity: str
    text: str


def patient_label(measurement: object) -> str:
    """Who a reading is for, as the page shows it: the Bluetooth user index, never an id."""
    user = getattr(measurement, "user_id", None)
    return f"User {user}" if isinstance(user, int) and user != 0xFF else "Patient"


class StatusBoard:
    def __init__(
        self,
        fhir_base_url: str,
        metrics: GatewayMetrics | None = None,
        *,
        recent: int = RECENT,
        clock: Callable[[], dt.datetime] = _now,
    ) -> None:
        self.metrics = metrics or GatewayMetrics()
        self.devices: dict[str, DeviceStatus] = {}
        self.readings: deque[ReadingStatus] = deque(maxlen=recent)
        self.fhir = FhirHealth(fhir_base_url)
        self.started_at = clock()
        self.listeners: list[Listener] = []
        self.notices: list[str] = []
        """What an operator must know about (a damaged outbox set aside): page banners."""
        self.banners: list[tuple[str, str]] = []
        self.trends = Trends()
        self._clock = clock
        self._inflight: dict[str, ReadingStatus] = {}
        # fullUrl -> the recent readings carrying it (a glucose Observation is sent again,
        # under the same fullUrl, with its context when that arrives)
        self._by_url: dict[str, list[ReadingStatus]] = {}

    # --- listeners ----------------------------------------------------------------------------
    def _tell(self, kind: str, text: str) -> None:
        for listener in list(self.listeners):
            try:
                listener(Happening(kind, text))
            except Exception as exc:  # a display problem must never stop the daemon
                _log.warning("status_listener_failed", error=repr(exc))

    def _device(self, address: str) -> DeviceStatus:
        device = self.devices.get(address)
        if device is None:
            device = self.devices[address] = DeviceStatus(address)
        return device

    # --- BLE events ---------------------------------------------------------------------------
    def on_event(self, event: BleEvent) -> None:
        now = self._clock()
        if isinstance(event, MeasurementEvent | DecodeFailureEvent):
            facts = event.connection
            device = self._device(facts.address)
            device.last_seen = now
            device.name = facts.name or device.name
            device.adapter = facts.adapter
            device.battery_percent = facts.battery_percent
            device.manufacturer = facts.device_information.manufacturer
            device.model = facts.device_information.model
            if isinstance(event, MeasurementEvent):
                self.metrics.decoded.inc(1, event.characteristic)
                self._inflight[facts.address] = ReadingStatus(
                    facts.address,
                    event.characteristic,
                    event.received_at,
                    event.stored,
                    patient=patient_label(event.value),
                )
            else:
                self.metrics.decode_failed.inc()
        elif isinstance(event, SessionStateEvent):
            self._session(event, now)
        elif isinstance(event, DeviceSeenEvent):
            ad = event.advertisement
            if ad.address in self.devices:
                device = self.devices[ad.address]
                device.last_seen = now
                device.name = ad.name or device.name
                device.rssi = ad.rssi if ad.rssi is not None else device.rssi

    def _session(self, event: SessionStateEvent, now: dt.datetime) -> None:
        device = self._device(event.address)
        device.state = event.state.value
        device.detail = event.detail
        device.adapter = event.adapter or device.adapter
        if event.state is SessionState.CONNECTING:
            self.metrics.connect_attempts.inc(1, event.address)
        elif event.state is SessionState.FAILED:
            self.metrics.connect_failures.inc(1, event.address)
        if event.state is SessionState.CONNECTED:
            device.last_seen = now
        if event.state is SessionState.FAILED and event.detail == "not bonded":
            device.bonded = False
        connected = sum(1 for d in self.devices.values() if d.state == "connected")
        self.metrics.connected.set(connected)
        if event.state in (SessionState.CONNECTED, SessionState.FAILED):
            detail = f" ({event.detail})" if event.detail else ""
            self._tell("device", f"{event.address} {event.state.value}{detail}")

    def on_event_done(self, event: BleEvent) -> None:
        """The pipeline finished with ``event`` (a reading neither stored nor kept was skipped
        on purpose and is not shown)."""
        if isinstance(event, MeasurementEvent):
            self._inflight.pop(event.connection.address, None)

    # --- stores -------------------------------------------------------------------------------
    def on_stored(self, item_id: int, device: str, reading: Mapped) -> None:
        status = self._inflight.pop(device, None) or ReadingStatus(
            device, "?", self._clock(), False
        )
        status.state = "pending"
        status.item_id = item_id
        status.values = reading_lines(e.resource for e in reading.entries)
        status.full_urls = tuple(e.full_url for e in reading.entries)
        self.trends.add(
            device, status.patient, status.received_at, (e.resource for e in reading.entries)
        )
        self._remember(status)
        self._device(device).readings += 1
        self.metrics.stored.inc()
        self._tell("reading", f"{device} {_what(status)}: {'; '.join(status.values)}")

    def on_kept(self, device: str, characteristic: str, kind: str, reason: str) -> None:
        status = self._inflight.pop(device, None) or ReadingStatus(
            device, characteristic, self._clock(), False
        )
        status.state = kind
        status.reason = reason
        self._remember(status)
        self.metrics.kept.inc(1, kind)
        self._tell("reading", f"{device} {_what(status)}: kept, not uploaded ({kind})")

    def _remember(self, status: ReadingStatus) -> None:
        if len(self.readings) == self.readings.maxlen and self.readings:
            oldest = self.readings[0]
            for url in oldest.full_urls:
                carriers = [s for s in self._by_url.get(url, []) if s is not oldest]
                if carriers:
                    self._by_url[url] = carriers
                else:
                    self._by_url.pop(url, None)
        self.readings.append(status)
        for url in status.full_urls:
            self._by_url.setdefault(url, []).append(status)

    def on_uploaded(self, ids: Sequence[int]) -> None:
        self.metrics.uploaded.inc(len(ids))
        wanted = set(ids)
        for status in self.readings:
            if status.item_id in wanted:
                status.state = "uploaded"
                status.uploaded_at = self._clock()
                known = status.server_ids
                more = len(known) - 3
                ids_text = ", ".join(known[:3]) + (f" (+{more} more)" if more > 0 else "")
                self._tell(
                    "uploaded",
                    f"{status.device} {_what(status)} -> {ids_text or 'accepted'}",
                )

    def on_quarantined(self, item_id: int, error: str) -> None:
        self.metrics.quarantined.inc()
        for status in self.readings:
            if status.item_id == item_id:
                status.state = "quarantined"
                status.reason = error
        self._tell("quarantined", f"item {item_id} rejected by the server: {error}")

    # --- FHIR server --------------------------------------------------------------------------
    def on_transaction(
        self, body: str, status_code: int | None, response: Any, seconds: float, error: str
    ) -> None:
        """One transaction POST: its request body, the HTTP status (None: no answer), the
        response JSON, its duration and the transport error, if any."""
        self.metrics.upload_seconds.observe(seconds)
        if status_code is None:
            self.metrics.transactions.inc(1, "error")
            self._fhir(False, error)
            return
        self.metrics.transactions.inc(1, str(status_code))
        self._fhir(status_code < 500, "" if status_code < 500 else f"HTTP {status_code}")
        if 200 <= status_code < 300:
            self.fhir.last_upload_at = self._clock()
            self._learn_ids(body, response)

    def _learn_ids(self, body: str, response: Any) -> None:
        try:
            sent = json.loads(body).get("entry") or []
        except ValueError:
            return
        answers = response.get("entry") if isinstance(response, Mapping) else None
        if not isinstance(answers, list):
            return
        for request, answer in zip(sent, answers, strict=False):
            location = (answer.get("response") or {}).get("location") if answer else None
            if not isinstance(location, str):
                continue
            server_id = location.split("/_history/")[0]
            server_id = "/".join(server_id.rstrip("/").split("/")[-2:])
            for status in self._by_url.get(str(request.get("fullUrl")), []):
                if server_id not in status.server_ids:
                    status.server_ids.append(server_id)

    def on_upload_problem(self, problem: str | None, text: str = "") -> None:
        """The uploader's current problem (None: uploads settle again)."""
        self.fhir.upload_problem = problem
        self.fhir.upload_problem_text = text
        if problem is None:
            self._tell("fhir", "uploads settle again")
        else:
            self._tell("fhir", f"uploads held back: {problem}: {text}")

    def on_notice(self, text: str) -> None:
        self.notices.append(text)

    def on_server_check(self, version: str | None, error: str = "") -> None:
        if version is not None:
            self.fhir.fhir_version = version
        self._fhir(version is not None, error)

    def _fhir(self, ok: bool, error: str) -> None:
        changed = self.fhir.ok is not ok
        self.fhir.ok = ok
        self.fhir.error = error
        self.fhir.checked_at = self._clock()
        self.metrics.fhir_up.set(1 if ok else 0)
        if changed:
            state = "reachable" if ok else f"unreachable ({error})"
            self._tell("fhir", f"FHIR server {self.fhir.base_url} {state}")

    # --- snapshot -----------------------------------------------------------------------------
    def snapshot(
        self, outbox: Mapping[str, int], quarantined: Sequence[Mapping[str, Any]]
    ) -> dict[str, Any]:
        """The JSON of ``/api/status``; ``outbox`` counts per state and ``quarantined`` items
        are read from the outbox by the caller."""
        for state, n in outbox.items():
            self.metrics.outbox.set(n, state)
        kept = [r for r in reversed(self.readings) if r.state in KEPT_STATES]
        return {
            "banners": [{"severity": s, "text": t} for s, t in self._all_banners()],
            "generated_at": self._clock().isoformat(),
            "started_at": self.started_at.isoformat(),
            "devices": [d.to_json() for d in sorted(self.devices.values(), key=_by_address)],
            "readings": [r.to_json() for r in reversed(self.readings)],
            "outbox": dict(outbox),
            "quarantined": list(quarantined),
            "fhir": self.fhir.to_json(),
            "notices": list(self.notices),
            "upload": self._upload_lag(),
            "held_back": [r.to_json() for r in kept],
            "trends": self.trends.to_json(),
        }

    def _all_banners(self) -> list[tuple[str, str]]:
        """The banners given, the notices (a damaged outbox set aside), and the uploader's
        problem when the operator has to act (an outage shows on the FHIR tile already)."""
        found = [*self.banners, *(("error", n) for n in self.notices)]
        problem = self.fhir.upload_problem
        if problem is not None and problem != "server unavailable":
            found.append(
                (
                    "error",
                    f"Uploads held back: {problem}. {self.fhir.upload_problem_text} Readings "
                    "stay safely in the outbox and are sent once this is fixed.",
                )
            )
        return found

    def _upload_lag(self) -> dict[str, float | None]:
        """Seconds from reception to the server's 2xx (latest upload) and the age of the oldest
        reading still waiting in the outbox (among the recent ones)."""
        uploaded = [r for r in self.readings if r.uploaded_at is not None]
        latest = max(uploaded, key=_uploaded_at, default=None)
        pending = [r.received_at for r in self.readings if r.state == "pending"]
        now = self._clock()
        return {
            "last_seconds": None
            if latest is None or latest.uploaded_at is None
            else max(0.0, (latest.uploaded_at - latest.received_at).total_seconds()),
            "oldest_pending_seconds": None
            if not pending
            else max(0.0, (now - min(pending)).total_seconds()),
        }


def _what(status: ReadingStatus) -> str:
    """``Blood pressure (User 2)``: the measurement in words, for the demo's lines."""
    who = "" if status.patient == "Patient" else f" ({status.patient})"
    return characteristic_name(status.characteristic) + who


def _by_address(device: DeviceStatus) -> str:
    return device.address


def _uploaded_at(reading: ReadingStatus) -> dt.datetime:
    assert reading.uploaded_at is not None
    return reading.uploaded_at
