"""The status page's style sheet (inline in the page: no external asset). Colours meet WCAG AA
contrast on their backgrounds; below 640 px wide the page is one column and wide tables scroll
inside their own (focusable) region."""

from __future__ import annotations

from typing import Final

CSS: Final = """
:root { --ink:#1d2733; --muted:#4f5b69; --line:#dde3ea; --bg:#f3f5f8; --card:#fff;
  --ok:#1a6b43; --okbg:#e3f4ea; --warn:#7a4f00; --warnbg:#fff3d6; --bad:#9b1c24;
  --badbg:#fde6e7; --info:#1c5590; --infobg:#e3eefa; --focus:#f59e0b; }
* { box-sizing:border-box; }
body { margin:0; font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
  color:var(--ink); background:var(--bg); }
a { color:var(--info); }
:focus-visible { outline:3px solid var(--focus); outline-offset:2px; }
.skip { position:absolute; left:-999px; top:8px; background:#fff; padding:8px 12px;
  border-radius:6px; z-index:10; }
.skip:focus { left:8px; }
header { background:#17324d; color:#fff; padding:14px 28px; display:flex;
  align-items:baseline; gap:6px 18px; flex-wrap:wrap; }
header h1 { font-size:20px; margin:0; font-weight:600; }
header .sub { color:#d3deea; font-size:13px; margin:0; }
main { padding:20px 28px; display:grid; gap:18px; max-width:1400px; }
main:focus { outline:none; }
h2 { font-size:16px; margin:0; padding:12px 16px; border-bottom:1px solid var(--line); }
section { background:var(--card); border:1px solid var(--line); border-radius:10px;
  min-width:0; }
.banners { display:grid; gap:8px; }
.banner { margin:0; padding:10px 16px; border-radius:8px; border-left:6px solid currentColor; }
.tiles { display:grid; grid-template-columns:repeat(auto-fit,minmax(190px,1fr)); gap:14px; }
.tile { background:var(--card); border:1px solid var(--line); border-radius:10px;
  padding:12px 16px; min-width:0; }
.tile .label { color:var(--muted); font-size:12px; text-transform:uppercase;
  letter-spacing:.04em; padding:0; border:0; font-weight:600; }
.tile .value { font-size:24px; font-weight:600; margin:4px 0 2px; }
.tile .note { color:var(--muted); font-size:12.5px; margin:0; overflow-wrap:anywhere; }
.cards { display:grid; grid-template-columns:repeat(auto-fill,minmax(min(100%,380px),1fr));
  gap:14px; padding:14px; }
.card { border:1px solid var(--line); border-radius:10px; padding:12px 14px 8px;
  min-width:0; }
.card h3 { margin:0; font-size:16px; }
.card .who { color:var(--muted); font-weight:500; }
.card .device { margin:2px 0 6px; color:var(--muted); font-size:12.5px;
  overflow-wrap:anywhere; }
.latest { margin:0; display:flex; align-items:baseline; flex-wrap:wrap; gap:4px 8px; }
.latest .big { font-size:32px; font-weight:650; letter-spacing:-.01em; }
.latest .unit { font-size:16px; color:var(--muted); font-weight:600; }
.latest .more { font-size:14px; color:var(--ink); }
.when { margin:0 0 4px; color:var(--muted); font-size:12.5px; }
figure { margin:0; }
svg.chart { width:100%; height:auto; display:block; }
svg.chart .grid { stroke:#e5e9ef; stroke-width:1; }
svg.chart .axis { fill:#4f5b69; font-size:11.5px; font-family:system-ui,sans-serif; }
.legend { list-style:none; display:flex; flex-wrap:wrap; gap:4px 14px; margin:2px 0 4px;
  padding:0; font-size:12.5px; color:var(--muted); }
.legend li { display:flex; align-items:center; gap:5px; }
.scroll { overflow-x:auto; }
table { width:100%; border-collapse:collapse; }
th, td { text-align:left; padding:8px 16px; border-bottom:1px solid var(--line);
  vertical-align:top; }
th { font-size:12px; color:var(--muted); font-weight:600; white-space:nowrap; }
tr:last-child td { border-bottom:none; }
.mono { font-family:ui-monospace,"SFMono-Regular",Menlo,monospace; font-size:12.5px; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12.5px;
  font-weight:600; white-space:nowrap; }
.ok { color:var(--ok); background:var(--okbg); }
.warn { color:var(--warn); background:var(--warnbg); }
.bad { color:var(--bad); background:var(--badbg); }
.info { color:var(--info); background:var(--infobg); }
.muted, .note { color:var(--muted); font-size:12.5px; }
.empty { color:var(--muted); padding:12px 16px; margin:0; }
.t { white-space:nowrap; }
.values div { overflow-wrap:anywhere; }
footer { color:var(--muted); font-size:12.5px; padding:0 28px 20px; }
@media (max-width:640px) {
  header, main { padding-left:12px; padding-right:12px; }
  main { padding-top:12px; gap:12px; }
  footer { padding:0 12px 16px; }
  .tiles { grid-template-columns:1fr 1fr; gap:10px; }
  .tile .value { font-size:19px; }
  .cards { padding:10px; gap:10px; }
  th, td { padding:7px 10px; }
  .latest .big { font-size:28px; }
  /* tables become one block per row, each cell labelled by its column */
  table, tbody, tr, td { display:block; width:100%; }
  thead { position:absolute; left:-9999px; }
  tr { border-bottom:1px solid var(--line); padding:6px 0; }
  tr:last-child { border-bottom:none; }
  td { border:none; padding:3px 12px; display:grid; grid-template-columns:7.5em 1fr;
    gap:8px; min-width:0; }
  td > * { min-width:0; }
  td::before { content:attr(data-label); color:var(--muted); font-size:12px;
    font-weight:600; padding-top:2px; }
}
"""
