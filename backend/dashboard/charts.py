"""Server-rendered SVG charts: a horizontal bar per data point, readable at 390 px.

Written here rather than taken from a library: the charts need only bars with labels, and the
page's Content-Security-Policy allows no third-party script or inline style — SVG presentation
attributes (fill, stroke) are not styles, so the markup passes the policy as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup, escape

WIDTH = 360  # the viewBox width: the chart scales to its container (width="100%")
LABEL_WIDTH = 120
BAR_HEIGHT = 16
GAP = 6
INK, BAR, ALARM, GRID = "#1d2430", "#1f5fbf", "#c62828", "#d8dde4"


@dataclass(frozen=True)
class Point:
    """One data point: its label, its value (None: no figure) and an optional alarm mark."""

    label: str
    value: float | None
    text: str = ""  # the value as the table shows it
    alarm: bool = False


def bar_chart(title: str, points: Sequence[Point], *, maximum: float | None = None) -> Markup:
    """One `rect.mark` per data point (an empty one when the value is None), scaled to `maximum`
    (default: the largest value)."""
    values = [p.value for p in points if p.value is not None]
    top = maximum if maximum is not None else max(values, default=0.0)
    span = WIDTH - LABEL_WIDTH - 48
    height = max(1, len(points)) * (BAR_HEIGHT + GAP) + GAP
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    for row, point in enumerate(points):
        y = GAP + row * (BAR_HEIGHT + GAP)
        parts.append(_bar(point, y, span, top))
    parts.append("</svg>")
    return Markup("".join(parts))


def _bar(point: Point, y: int, span: int, top: float) -> str:
    value = point.value or 0.0
    width = 0.0 if top <= 0 else max(0.0, min(1.0, value / top)) * span
    label, text = escape(_clip(point.label)), escape(point.text or _number(point.value))
    fill = ALARM if point.alarm else BAR
    middle = y + BAR_HEIGHT - 4
    return (
        f'<g class="point"><text x="{LABEL_WIDTH - 4}" y="{middle}" text-anchor="end" '
        f'font-size="11" fill="{INK}">{label}</text>'
        f'<rect class="mark" x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" '
        f'height="{BAR_HEIGHT}" fill="{fill}" data-label="{escape(point.label)}" '
        f'data-value="{"" if point.value is None else point.value}"><title>{label}: {text}'
        f'</title></rect><text x="{LABEL_WIDTH + width + 4:.1f}" y="{middle}" font-size="11" '
        f'fill="{INK}">{text}</text></g>'
    )


def _clip(label: str, length: int = 18) -> str:
    return label if len(label) <= length else label[: length - 1] + "…"


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


@dataclass(frozen=True)
class Slot:
    """One planned stop on a technician's timeline: from arrival to departure."""

    label: str
    start: datetime
    end: datetime
    late: bool


def timeline(title: str, slots: Sequence[Slot], *, opens: datetime, closes: datetime) -> Markup:
    """A technician's day: one `rect.mark` per stop on an hour scale, late ones in red."""
    total = max(60.0, (closes - opens).total_seconds())
    span = WIDTH - 8
    height = 44
    parts = [
        f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} '
        f'{height}" width="100%" role="img" aria-label="{escape(title)}">'
        f"<title>{escape(title)}</title>",
        f'<line x1="4" y1="30" x2="{WIDTH - 4}" y2="30" stroke="{GRID}"/>',
    ]
    hours = int(total // 3600)
    for hour in range(hours + 1):
        x = 4 + span * hour * 3600 / total
        clock = (opens.hour + hour) % 24
        parts.append(
            f'<text x="{x:.1f}" y="42" font-size="8" text-anchor="middle" fill="{INK}">'
            f"{clock:02d}</text>"
        )
    for slot in slots:
        parts.append(_slot(slot, opens, total, span))
    parts.append("</svg>")
    return Markup("".join(parts))


def _slot(slot: Slot, opens: datetime, total: float, span: int) -> str:
    start = max(0.0, (slot.start - opens).total_seconds())
    length = max(60.0, (slot.end - slot.start).total_seconds())
    x = 4 + span * min(start, total) / total
    width = max(2.0, span * min(length, total - min(start, total)) / total)
    fill = ALARM if slot.late else BAR
    return (
        f'<rect class="mark{" late" if slot.late else ""}" x="{x:.1f}" y="8" width="{width:.1f}" '
        f'height="18" rx="2" fill="{fill}" data-label="{escape(slot.label)}">'
        f"<title>{escape(slot.label)}</title></rect>"
    )
