"""Trend charts as inline SVG, drawn on the server: no script, no external asset, so the page
works offline on a Pi. Each chart has a ``<title>`` and a ``<desc>`` (what a screen reader
says: the series, their range and the latest value) and is ``role="img"``."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any, Final

WIDTH: Final = 420
HEIGHT: Final = 170
LEFT: Final = 40
RIGHT: Final = 12
RIGHT_AXIS: Final = 36
TOP: Final = 10
BOTTOM: Final = 24
SECOND_AXIS: Final = frozenset({"BMI"})
"""Series drawn against their own axis on the right (BMI next to a weight in kg)."""

# Series colours (distinct in common colour-vision deficiencies) and dash patterns, so lines
# differ by more than colour.
STYLES: Final = {
    "systolic": ("#c2410c", ""),
    "diastolic": ("#1d4ed8", ""),
    "pulse": ("#6b7280", "4 3"),
    "glucose": ("#7c3aed", ""),
    "weight": ("#0f766e", ""),
    "BMI": ("#b45309", "4 3"),
    "SpO2": ("#0369a1", ""),
    "temperature": ("#be123c", ""),
    "heart rate": ("#be123c", ""),
}
_OTHER: Final = ("#374151", "2 2")
# Glucose meal context: marker shapes, so the context reads without colour.
MEAL_MARKS: Final = {
    "Before a meal": "circle",
    "After a meal": "triangle",
    "Fasting": "square",
    "Bedtime": "diamond",
}


def _fmt(value: float) -> str:
    return f"{value:.0f}" if abs(value) >= 100 or value == int(value) else f"{value:.1f}"


def _tick_label(value: float, marks: Sequence[float]) -> str:
    """An axis value with as many decimals as the step between the marks needs."""
    step = abs(marks[1] - marks[0]) if len(marks) > 1 else 1.0
    decimals = max(0, -math.floor(math.log10(step) + 1e-9)) if step < 1 else 0
    return f"{value:.{decimals}f}"


def _stamp(text: str) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def ticks(low: float, high: float, count: int = 4) -> list[float]:
    """Round axis values (steps of 1, 2 or 5 × 10^k) covering ``low``..``high``."""
    if high - low < 1e-9:
        low, high = low - max(1.0, abs(low) * 0.02), high + max(1.0, abs(high) * 0.02)
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    out = [start]
    while out[-1] < high - 1e-9:
        out.append(out[-1] + step)
    return out


def _marker(shape: str, x: float, y: float, colour: str) -> str:
    if shape == "triangle":
        return (
            f'<polygon points="{x:.1f},{y - 5:.1f} {x - 5:.1f},{y + 4:.1f} {x + 5:.1f},{y + 4:.1f}"'
            f' fill="{colour}"/>'
        )
    if shape == "square":
        return f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" fill="{colour}"/>'
    if shape == "diamond":
        return (
            f'<polygon points="{x:.1f},{y - 5.5:.1f} {x + 5.5:.1f},{y:.1f} {x:.1f},{y + 5.5:.1f}'
            f' {x - 5.5:.1f},{y:.1f}" fill="{colour}"/>'
        )
    if shape == "ring":
        return (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="#fff" stroke="{colour}"'
            ' stroke-width="2"/>'
        )
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{colour}"/>'


def series_of(points: Sequence[Mapping[str, Any]]) -> dict[str, list[tuple[int, float]]]:
    """Series name -> [(point index, value)], in the order series first appear."""
    out: dict[str, list[tuple[int, float]]] = {}
    for i, point in enumerate(points):
        for name, value in (point.get("values") or {}).items():
            out.setdefault(str(name), []).append((i, float(value)))
    return out


def describe(title: str, points: Sequence[Mapping[str, Any]]) -> str:
    """The chart in words, for ``<desc>``: each series' range and latest value."""
    series = series_of(points)
    units: dict[str, str] = {}
    for point in points:
        units.update(point.get("units") or {})
    parts = []
    for name, values in series.items():
        numbers = [v for _, v in values]
        unit = units.get(name, "")
        parts.append(
            f"{name} from {_fmt(min(numbers))} to {_fmt(max(numbers))} {unit}, "
            f"latest {_fmt(numbers[-1])} {unit}".replace(" ,", ",").strip()
        )
    return f"{title}, {len(points)} readings: " + "; ".join(parts) + "."


def chart(chart_id: str, title: str, points: Sequence[Mapping[str, Any]]) -> str:
    """An SVG line chart of ``points`` (oldest first; each ``{"at", "values", "units",
    "context"?}``), one line per series on a shared axis (``SECOND_AXIS`` series on their own,
    labelled on the right); the x axis is reading order, with the first and last times under
    it."""
    series = series_of(points)
    if not series:
        return ""
    first_axis = {n: v for n, v in series.items() if n not in SECOND_AXIS} or series
    second_axis = {n: v for n, v in series.items() if n not in first_axis}
    right = RIGHT_AXIS if second_axis else RIGHT
    plot_w = WIDTH - LEFT - right
    plot_h = HEIGHT - TOP - BOTTOM
    count = len(points)

    def x(i: int) -> float:
        return LEFT + (plot_w / 2 if count == 1 else plot_w * i / (count - 1))

    def axis(group: Mapping[str, list[tuple[int, float]]]) -> tuple[list[float], Any]:
        numbers = [v for values in group.values() for _, v in values]
        marks = ticks(min(numbers), max(numbers))
        low, high = marks[0], marks[-1]

        def y(v: float) -> float:
            return TOP + plot_h * (high - v) / (high - low)

        return marks, y

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-t {chart_id}-d">',
        f'<title id="{chart_id}-t">{escape(title)}</title>',
        f'<desc id="{chart_id}-d">{escape(describe(title, points))}</desc>',
    ]
    marks, y1 = axis(first_axis)
    for v in marks:
        gy = y1(v)
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - right}" y1="{gy:.1f}" y2="{gy:.1f}" class="grid"/>'
            f'<text x="{LEFT - 5}" y="{gy + 4:.1f}" class="axis" text-anchor="end">'
            f"{_tick_label(v, marks)}</text>"
        )
    scales = dict.fromkeys(first_axis, y1)
    if second_axis:
        marks2, y2 = axis(second_axis)
        scales.update(dict.fromkeys(second_axis, y2))
        for v in marks2:
            parts.append(
                f'<text x="{WIDTH - right + 5}" y="{y2(v) + 4:.1f}" class="axis">'
                f"{_tick_label(v, marks2)}</text>"
            )
    first, last = _stamp(points[0].get("at", "")), _stamp(points[-1].get("at", ""))
    for stamp, anchor, tx in ((first, "start", LEFT), (last, "end", WIDTH - right)):
        if stamp is not None and (anchor == "start" or count > 1):
            label = stamp.astimezone().strftime("%d %b %H:%M")
            parts.append(
                f'<text x="{tx}" y="{HEIGHT - 6}" class="axis" text-anchor="{anchor}">'
                f"{escape(label)}</text>"
            )
    for name, values in series.items():
        colour, dash = STYLES.get(name, _OTHER)
        y = scales[name]
        path = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in values)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        if len(values) > 1:
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" '
                f'stroke-width="2.2"{dash_attr} stroke-linejoin="round"/>'
            )
        for i, v in values:
            context = points[i].get("context")
            shape = MEAL_MARKS.get(str(context), "ring") if context else "circle"
            parts.append(_marker(shape, x(i), y(v), colour))
    parts.append("</svg>")
    return "".join(parts)


def legend(points: Sequence[Mapping[str, Any]]) -> str:
    """The series (colour and dash) and, for glucose, the meal markers, as an HTML list."""
    items = []
    for name in series_of(points):
        colour, dash = STYLES.get(name, _OTHER)
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        items.append(
            f'<li><svg width="22" height="10" aria-hidden="true"><line x1="1" x2="21" y1="5" '
            f'y2="5" stroke="{colour}" stroke-width="3"{dash_attr}/></svg>{escape(name)}'
            f"{' (right axis)' if name in SECOND_AXIS and len(series_of(points)) > 1 else ''}</li>"
        )
    contexts = dict.fromkeys(str(p["context"]) for p in points if p.get("context"))
    for context in contexts:
        shape = MEAL_MARKS.get(context, "ring")
        items.append(
            f'<li><svg width="14" height="14" viewBox="-7 -7 14 14" aria-hidden="true">'
            f"{_marker(shape, 0, 0, '#374151')}</svg>{escape(context)}</li>"
        )
    return f'<ul class="legend">{"".join(items)}</ul>' if items else ""
