"""The status page: one self-contained HTML document (inline CSS and SVG, no script, no external
asset, so it works offline on a Pi) rendered on the server from the ``/api/status`` JSON and
refreshing itself every few seconds. Every value is HTML-escaped.

What a nurse or a patient reads first: banners (configuration errors and the like), then per
patient and device the latest reading and a chart of the recent ones, then the devices (battery,
last seen, signal, bond), the recent readings with their server ids, and what was held back or
quarantined, with the reasons. Semantic HTML (landmarks, headings, tables with headers,
``<time>``), charts with a title and a text description, a skip link and visible focus; the
layout reflows to one column on a phone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any, Final

from gateway.fhir.display import characteristic_name
from gateway.status.charts import chart, legend, series_of
from gateway.status.page_style import CSS

REFRESH_SECONDS: Final = 10
READINGS_SHOWN: Final = 15
IDS_SHOWN: Final = 3

_STATE_CLASS: Final = {
    "connected": "ok",
    "uploaded": "ok",
    "connecting": "info",
    "pending": "info",
    "waiting": "warn",
    "disconnected": "warn",
    "held-back": "warn",
    "discarded": "warn",
    "unmapped": "warn",
    "stopped": "warn",
    "failed": "bad",
    "quarantined": "bad",
    "decode-failed": "bad",
    "outbox-failed": "bad",
}
_SEVERITY: Final = {"error": ("bad", "Error"), "warning": ("warn", "Warning")}


def _badge(state: str, text: str | None = None) -> str:
    cls = _STATE_CLASS.get(state, "info")
    return f'<span class="badge {cls}">{escape(text or state)}</span>'


def _time(value: str | None, *, date: bool = True) -> str:
    if not value:
        return "never"
    try:
        stamp = dt.datetime.fromisoformat(value)
    except ValueError:
        return escape(value)
    shown = stamp.astimezone().strftime("%Y-%m-%d %H:%M:%S" if date else "%H:%M:%S")
    return f'<time class="t" datetime="{escape(value)}">{escape(shown)}</time>'


def _seconds(value: Any) -> str:
    if value is None:
        return "—"
    seconds = float(value)
    if seconds < 90:
        return f"{seconds:.1f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def _mono(value: object) -> str:
    """A value shown as code (an address, bytes in hex)."""
    return f"<span class='mono'>{escape(str(value))}</span>"


def _table(label: str, headers: Sequence[str], rows: Sequence[Sequence[str]], empty: str) -> str:
    if not rows:
        return f'<p class="empty">{escape(empty)}</p>'
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td data-label="{escape(h)}"><div>{c}</div></td>'
            for h, c in zip(headers, row, strict=True)
        )
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="scroll" role="region" aria-label="{escape(label)}" tabindex="0">'
        f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
    )


def _banners(banners: Sequence[Mapping[str, Any]]) -> str:
    out = []
    for banner in banners:
        severity = str(banner.get("severity", "info"))
        cls, label = _SEVERITY.get(severity, ("info", "Note"))
        role = ' role="alert"' if severity == "error" else ""
        out.append(
            f'<p class="banner {cls}"{role}><strong>{label}:</strong> '
            f"{escape(str(banner.get('text', '')))}</p>"
        )
    return f'<div class="banners">{"".join(out)}</div>' if out else ""


def _device_names(devices: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    return {str(d["address"]): str(d.get("name") or d.get("model") or "") for d in devices}


def _latest(points: Sequence[Mapping[str, Any]]) -> str:
    """The newest point in words: ``120/80 mmHg``, then the other series, then the context."""
    last = points[-1]
    values: Mapping[str, float] = last.get("values") or {}
    units: Mapping[str, str] = last.get("units") or {}

    def shown(name: str) -> str:
        number = float(values[name])
        text = f"{number:g}"
        unit = units.get(name, "")
        return text + ("" if unit in ("%", "°C", "°F") or not unit else " ") + unit

    names = list(values)
    if "systolic" in values and "diastolic" in values:
        unit = units.get("systolic", "")
        big = f"{values['systolic']:g}/{values['diastolic']:g}"
        big_unit = unit
        rest = [n for n in names if n not in ("systolic", "diastolic")]
    else:
        first = names[0]
        number = float(values[first])
        big, big_unit = f"{number:g}", units.get(first, "")
        rest = names[1:]
    extra = [f"{escape(n)} {escape(shown(n))}" for n in rest]
    if last.get("context"):
        extra.append(escape(str(last["context"])))
    more = f'<span class="more">{" · ".join(extra)}</span>' if extra else ""
    return (
        f'<p class="latest"><span class="big">{escape(big)}</span> '
        f'<span class="unit">{escape(big_unit)}</span>{more}</p>'
        f'<p class="when">latest: {_time(last.get("at"))}</p>'
    )


def _trends(trends: Sequence[Mapping[str, Any]], names: Mapping[str, str]) -> str:
    cards = []
    for n, trend in enumerate(trends):
        points = trend.get("points") or []
        if not points or not series_of(points):
            continue
        address = str(trend.get("device", ""))
        title = str(trend.get("title", ""))
        patient = str(trend.get("patient", ""))
        heading_id = f"trend-{n}"
        device = names.get(address) or "device"
        svg = chart(f"chart-{n}", f"{title} of {patient}, last {len(points)} readings", points)
        cards.append(
            f'<article class="card" aria-labelledby="{heading_id}">'
            f'<h3 id="{heading_id}">{escape(title)} <span class="who">· {escape(patient)}</span>'
            f"</h3>"
            f'<p class="device">{escape(device)} <span class="mono">{escape(address)}</span></p>'
            f"{_latest(points)}<figure>{svg}<figcaption>{legend(points)}</figcaption></figure>"
            "</article>"
        )
    if not cards:
        return '<p class="empty">No reading yet: charts appear with the first readings.</p>'
    return f'<div class="cards">{"".join(cards)}</div>'


def _bond(bonded: Any) -> str:
    if bonded is None:
        return '<span class="muted">unknown</span>'
    return _badge("connected", "bonded") if bonded else _badge("failed", "not bonded")


def _devices(devices: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for d in devices:
        name = escape(d.get("name") or d.get("model") or "")
        battery = d.get("battery_percent")
        rssi = d.get("rssi")
        detail = f'<div class="note">{escape(d["detail"])}</div>' if d.get("detail") else ""
        rows.append(
            [
                f"{name}<div class='mono'>{escape(d['address'])}</div>",
                _badge(str(d.get("state", "?"))) + detail,
                _time(d.get("last_seen")),
                "unknown" if battery is None else f"{int(battery)}%",
                "—" if rssi is None else f"{int(rssi)} dBm",
                _bond(d.get("bonded")),
                escape(str(d.get("adapter") or "")),
                str(int(d.get("readings", 0))),
            ]
        )
    return _table(
        "Devices",
        ["Device", "Connection", "Last seen", "Battery", "Signal", "Bond", "Adapter", "Readings"],
        rows,
        "No device yet: waiting for the configured devices to advertise.",
    )


def _values(r: Mapping[str, Any]) -> str:
    lines = r.get("values") or []
    return "".join(f"<div>{escape(v)}</div>" for v in lines) or escape(r.get("reason") or "")


def _readings(readings: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for r in readings:
        where = _badge(str(r["state"]))
        if r.get("server_ids"):
            ids = list(r["server_ids"])
            where += "".join(f"<div class='mono'>{escape(i)}</div>" for i in ids[:IDS_SHOWN])
            if len(ids) > IDS_SHOWN:
                where += f"<div class='note'>and {len(ids) - IDS_SHOWN} more</div>"
        elif r.get("reason") and r.get("values"):
            where += f"<div class='note'>{escape(r['reason'])}</div>"
        stored = " <span class='note'>(stored record)</span>" if r.get("stored_record") else ""
        rows.append(
            [
                _time(r.get("received_at")),
                f"{escape(str(r.get('patient') or ''))}<div class='mono'>"
                f"{escape(r['device'])}</div>",
                escape(characteristic_name(str(r["characteristic"]))) + stored,
                f"<div class='values'>{_values(r)}</div>",
                where,
            ]
        )
    return _table(
        "Recent readings",
        ["Received", "Patient and device", "Measurement", "Values", "Upload"],
        rows,
        "No reading yet.",
    )


def _held_back(items: Sequence[Mapping[str, Any]]) -> str:
    rows = [
        [
            _time(r.get("received_at")),
            _mono(r.get("device", "")),
            escape(characteristic_name(str(r.get("characteristic", "")))),
            _badge(str(r.get("state", ""))),
            escape(str(r.get("reason") or "")),
        ]
        for r in items
    ]
    return _table(
        "Held back",
        ["Received", "Device", "Measurement", "Kept as", "Why"],
        rows,
        "Nothing held back: every recent reading could be sent.",
    )


def _quarantined(items: Sequence[Mapping[str, Any]]) -> str:
    rows = [
        [
            str(int(q["id"])),
            _mono(q.get("device", "")),
            _time(q.get("created_at")),
            escape(str(q.get("error") or ""))
            + "".join(f"<div class='note'>{escape(d)}</div>" for d in q.get("diagnostics") or []),
        ]
        for q in items
    ]
    return _table(
        "Quarantined",
        ["Item", "Device", "Stored", "Server's reason"],
        rows,
        "Nothing quarantined: the server accepted every reading sent.",
    )


def _tile(label: str, value: str, note: str) -> str:
    return (
        f'<div class="tile"><h2 class="label">{escape(label)}</h2>'
        f'<p class="value">{value}</p><p class="note">{note}</p></div>'
    )


def _fhir_tile(fhir: Mapping[str, Any]) -> str:
    ok = fhir.get("ok")
    if ok is None:
        badge = _badge("pending", "not checked yet")
    elif ok:
        version = fhir.get("fhir_version")
        badge = _badge("uploaded", f"reachable{f' (FHIR {version})' if version else ''}")
    else:
        badge = _badge("failed", "unreachable")
    error = escape(fhir.get("error") or "")
    note = (
        f'<span class="mono">{escape(fhir.get("base_url", ""))}</span><br>'
        f"last upload {_time(fhir.get('last_upload_at'))}{f'; {error}' if error else ''}"
    )
    return _tile("FHIR server", badge, note)


def _tiles(status: Mapping[str, Any]) -> str:
    outbox = status.get("outbox") or {}
    devices = status.get("devices") or []
    upload = status.get("upload") or {}
    connected = sum(1 for d in devices if d.get("state") == "connected")
    return "".join(
        [
            _fhir_tile(status.get("fhir") or {}),
            _tile(
                "Outbox",
                f"{int(outbox.get('pending', 0))} waiting",
                f"{int(outbox.get('done', 0))} uploaded, "
                f"{int(outbox.get('quarantined', 0))} quarantined",
            ),
            _tile(
                "Upload lag",
                escape(_seconds(upload.get("last_seconds"))),
                "reading received → server's answer; oldest waiting: "
                + escape(_seconds(upload.get("oldest_pending_seconds"))),
            ),
            _tile("Devices", f"{connected} of {len(devices)}", "connected now"),
        ]
    )


def _undecodable(rows: Sequence[Mapping[str, Any]], total: int) -> str:
    """A section only when records did not decode (their bytes are kept)."""
    if not rows:
        return ""
    table = _table(
        "Records that did not decode",
        ["Row", "Device", "Received", "Measurement", "Why", "Bytes"],
        [
            [
                str(int(r["id"])),
                _mono(r.get("device", "")),
                _time(r.get("received_at")),
                escape(str(r.get("characteristic", ""))),
                escape(str(r.get("reason", ""))),
                _mono(r.get("raw", "")),
            ]
            for r in rows
        ],
        "",
    )
    return _section(
        "undecodable",
        f"{total} undecodable records kept, not uploaded (phg heldback list)",
        table,
    )


def _section(section_id: str, title: str, body: str) -> str:
    return (
        f'<section id="{section_id}" aria-labelledby="{section_id}-h">'
        f'<h2 id="{section_id}-h">{escape(title)}</h2>{body}</section>'
    )


def render(status: Mapping[str, Any]) -> str:
    devices = status.get("devices") or []
    names = _device_names(devices)
    held = status.get("held_back") or []
    sections = "".join(
        [
            _section(
                "trends",
                "Readings by patient and device",
                _trends(status.get("trends") or [], names),
            ),
            _section("devices", "Devices", _devices(devices)),
            _section(
                "readings",
                "Recent readings",
                _readings((status.get("readings") or [])[:READINGS_SHOWN]),
            ),
            _undecodable(
                status.get("undecodable") or [],
                int((status.get("kept") or {}).get("decode-failed", 0)),
            ),
            _section("held-back", f"Held back ({len(held)})", _held_back(held)),
            _section("quarantine", "Quarantined", _quarantined(status.get("quarantined") or [])),
        ]
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{REFRESH_SECONDS}">
<title>PHG status</title><style>{CSS}</style></head>
<body><a class="skip" href="#main">Skip to the readings</a>
<header><h1>PHG — Personal Health Gateway</h1>
<p class="sub">running since {_time(status.get("started_at"))}</p></header>
<main id="main" tabindex="-1">{_banners(status.get("banners") or [])}
<div class="tiles" role="group" aria-label="Summary">{_tiles(status)}</div>
{sections}
</main><footer>Updated {_time(status.get("generated_at"))}; refreshes every {REFRESH_SECONDS} s.
JSON: <span class="mono">/api/status</span> ·
Prometheus: <span class="mono">/metrics</span></footer>
</body></html>
"""
