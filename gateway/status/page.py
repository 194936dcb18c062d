"""The status page: one self-contained HTML document (inline CSS, no script, no external
asset) rendered on the server from the ``/api/status`` JSON, refreshing itself every few
seconds. Every value is HTML-escaped."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any, Final

REFRESH_SECONDS: Final = 5

CSS: Final = """
:root { --ink:#1d2733; --muted:#5b6776; --line:#dde3ea; --bg:#f5f7fa; --card:#fff;
  --ok:#1f7a4d; --okbg:#e3f4ea; --warn:#8a5a00; --warnbg:#fff3d6; --bad:#a3242c;
  --badbg:#fde6e7; --info:#1f5c99; --infobg:#e3eefa; }
* { box-sizing: border-box; }
.banner { background:var(--badbg); color:var(--bad); border:1px solid var(--bad);
  border-radius:8px; padding:10px 14px; margin:0 0 16px; }
body { margin:0; font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
  color:var(--ink); background:var(--bg); }
header { background:#17324d; color:#fff; padding:14px 28px; display:flex;
  align-items:baseline; gap:18px; flex-wrap:wrap; }
header h1 { font-size:20px; margin:0; font-weight:600; }
header .sub { color:#c6d4e3; font-size:13px; }
main { padding:20px 28px; display:grid; gap:18px; }
.tiles { display:grid; grid-template-columns:repeat(auto-fit,minmax(200px,1fr)); gap:14px; }
.tile, section { background:var(--card); border:1px solid var(--line); border-radius:8px; }
.tile { padding:12px 16px; }
.tile .label { color:var(--muted); font-size:12px; text-transform:uppercase; letter-spacing:.04em; }
.tile .value { font-size:24px; font-weight:600; margin-top:2px; }
.tile .note { color:var(--muted); font-size:12px; overflow-wrap:anywhere; }
section h2 { font-size:15px; margin:0; padding:10px 16px; border-bottom:1px solid var(--line); }
table { width:100%; border-collapse:collapse; }
th, td { text-align:left; padding:7px 16px; border-bottom:1px solid var(--line);
  vertical-align:top; }
th { font-size:12px; color:var(--muted); font-weight:600; }
tr:last-child td { border-bottom:none; }
td.mono, .mono { font-family:ui-monospace,"SFMono-Regular",Menlo,monospace; font-size:12.5px; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px;
  font-weight:600; }
.ok { color:var(--ok); background:var(--okbg); }
.warn { color:var(--warn); background:var(--warnbg); }
.bad { color:var(--bad); background:var(--badbg); }
.info { color:var(--info); background:var(--infobg); }
.empty { color:var(--muted); padding:12px 16px; }
.t { white-space:nowrap; }
.values div { overflow-wrap:anywhere; }
footer { color:var(--muted); font-size:12px; padding:0 28px 20px; }
"""

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


def _badge(state: str, text: str | None = None) -> str:
    cls = _STATE_CLASS.get(state, "info")
    return f'<span class="badge {cls}">{escape(text or state)}</span>'


def _time(value: str | None) -> str:
    if not value:
        return "never"
    try:
        stamp = dt.datetime.fromisoformat(value)
    except ValueError:
        return escape(value)
    return f'<span class="t">{escape(stamp.astimezone().strftime("%Y-%m-%d %H:%M:%S"))}</span>'


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], empty: str) -> str:
    if not rows:
        return f'<p class="empty">{escape(empty)}</p>'
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _devices(devices: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for d in devices:
        name = escape(d.get("name") or d.get("model") or "")
        battery = d.get("battery_percent")
        detail = f'<div class="note">{escape(d["detail"])}</div>' if d.get("detail") else ""
        rows.append(
            [
                f"{name}<div class='mono'>{escape(d['address'])}</div>",
                _badge(str(d.get("state", "?"))) + detail,
                _time(d.get("last_seen")),
                "unknown" if battery is None else f"{int(battery)} %",
                escape(str(d.get("adapter") or "")),
                str(int(d.get("readings", 0))),
            ]
        )
    return _table(
        ["Device", "Connection", "Last seen", "Battery", "Adapter", "Readings"],
        rows,
        "No device yet: waiting for the configured devices to advertise.",
    )


def _readings(readings: Sequence[Mapping[str, Any]]) -> str:
    rows = []
    for r in readings:
        values = "".join(f"<div>{escape(v)}</div>" for v in r.get("values") or []) or escape(
            r.get("reason") or ""
        )
        where = _badge(str(r["state"]))
        if r.get("server_ids"):
            where += "".join(f"<div class='mono'>{escape(i)}</div>" for i in r["server_ids"])
        elif r.get("reason") and r.get("values"):
            where += f"<div class='note'>{escape(r['reason'])}</div>"
        rows.append(
            [
                _time(r.get("received_at")),
                f"<span class='mono'>{escape(r['device'])}</span>",
                escape(r["characteristic"]) + (" (stored)" if r.get("stored_record") else ""),
                f"<div class='values'>{values}</div>",
                where,
            ]
        )
    return _table(
        ["Received", "Device", "Measurement", "Values", "Upload"], rows, "No reading yet."
    )


def _quarantined(items: Sequence[Mapping[str, Any]]) -> str:
    rows = [
        [
            str(int(q["id"])),
            f"<span class='mono'>{escape(str(q.get('device', '')))}</span>",
            _time(q.get("created_at")),
            escape(str(q.get("error") or ""))
            + "".join(f"<div class='note'>{escape(d)}</div>" for d in q.get("diagnostics") or []),
        ]
        for q in items
    ]
    return _table(
        ["Item", "Device", "Stored", "Server's reason"],
        rows,
        "Nothing quarantined: the server accepted every reading sent.",
    )


def _undecodable(rows: Sequence[Mapping[str, Any]], total: int) -> str:
    """A banner section, only when records did not decode (their bytes are kept)."""
    if not rows:
        return ""
    table = _table(
        ["Row", "Device", "Received", "Measurement", "Why", "Bytes"],
        [
            [
                str(int(r["id"])),
                f"<span class='mono'>{escape(str(r.get('device', '')))}</span>",
                _time(r.get("received_at")),
                escape(str(r.get("characteristic", ""))),
                escape(str(r.get("reason", ""))),
                f"<span class='mono'>{escape(str(r.get('raw', '')))}</span>",
            ]
            for r in rows
        ],
        "",
    )
    return (
        f'<section id="undecodable"><h2>{_badge("decode-failed", f"{total} undecodable")} '
        "records kept, not uploaded (<span class='mono'>phg heldback list</span>)</h2>"
        f"{table}</section>"
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
    note = escape(fhir.get("error") or "")
    last = f"last upload {_time(fhir.get('last_upload_at'))}"
    return (
        '<div class="tile"><div class="label">FHIR server</div>'
        f'<div class="value">{badge}</div>'
        f'<div class="note mono">{escape(fhir.get("base_url", ""))}</div>'
        f'<div class="note">{last}{f"; {note}" if note else ""}</div></div>'
    )


def _tile(label: str, value: str, note: str) -> str:
    return (
        f'<div class="tile"><div class="label">{escape(label)}</div>'
        f'<div class="value">{value}</div><div class="note">{escape(note)}</div></div>'
    )


def _upload_banner(fhir: Mapping[str, Any]) -> str:
    """A banner while uploads do not settle for a reason the operator must fix (a wrong base
    URL, a proxy answering instead of the server, refused credentials)."""
    problem = fhir.get("upload_problem")
    if problem in (None, "server unavailable"):
        return ""
    text = escape(str(fhir.get("upload_problem_text") or ""))
    return (
        f'<div class="banner" role="alert"><strong>Uploads held back: {escape(str(problem))}.'
        f"</strong> {text} Readings stay safely in the outbox and are sent once this is "
        "fixed.</div>"
    )


def render(status: Mapping[str, Any]) -> str:
    outbox = status.get("outbox") or {}
    devices = status.get("devices") or []
    connected = sum(1 for d in devices if d.get("state") == "connected")
    tiles = "".join(
        [
            _fhir_tile(status.get("fhir") or {}),
            _tile(
                "Outbox",
                f"{int(outbox.get('pending', 0))} waiting",
                f"{int(outbox.get('done', 0))} uploaded, "
                f"{int(outbox.get('quarantined', 0))} quarantined",
            ),
            _tile("Devices", f"{connected} of {len(devices)}", "connected now"),
        ]
    )
    readings = _readings(status.get("readings") or [])
    quarantined = _quarantined(status.get("quarantined") or [])
    banners = "".join(
        f'<section class="bad" role="alert"><h2>{escape(str(n))}</h2></section>'
        for n in status.get("notices") or []
    )
    undecodable = _undecodable(
        status.get("undecodable") or [], int((status.get("kept") or {}).get("decode-failed", 0))
    )
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{REFRESH_SECONDS}">
<title>PHG status</title><style>{CSS}</style></head>
<body><header><h1>PHG — Personal Health Gateway</h1>
<span class="sub">status since {_time(status.get("started_at"))}</span></header>
<main>{_upload_banner(status.get("fhir") or {})}{banners}
<div class="tiles">{tiles}</div>{undecodable}
<section id="devices"><h2>Devices</h2>{_devices(devices)}</section>
<section id="readings"><h2>Recent readings</h2>{readings}</section>
<section id="quarantine"><h2>Quarantined</h2>{quarantined}</section>
</main><footer>Updated {_time(status.get("generated_at"))}; refreshes every {REFRESH_SECONDS} s.
JSON: <span class="mono">/api/status</span> ·
Prometheus: <span class="mono">/metrics</span></footer>
</body></html>
"""
