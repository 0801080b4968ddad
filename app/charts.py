"""Charts drawn on the server as inline SVG: no script, no font or library from
the internet, readable on a closed network, on a phone and on paper.

FAB's chart widgets draw with Google's loader fetched at run time (blank
offline); app/templates/appbuilder/general/widgets/*chart.html call
`datatable_chart` here instead, so FAB's own chart views (the rollup chart,
FAB's user statistics) render the same way as the dashboard."""
from __future__ import annotations

import math
from typing import Sequence

from flask_babel import gettext
from markupsafe import Markup, escape

from app.thai import format_number

PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6", "#a5a5a5", "#843c0c")
_FONT = "font-family:inherit;font-size:13px"


def _nice_max(value: float) -> float:
    """A round upper bound for the value axis (1, 2, 2.5 or 5 × 10^n), at
    least 4 so the four axis steps are whole pieces."""
    if not math.isfinite(value) or value <= 4:
        return 4
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def _legend(series: Sequence, x: float, y: float) -> list[str]:
    parts = []
    for index, (label, _values) in enumerate(series):
        parts.append(f'<rect x="{x}" y="{y + index * 18}" width="12" height="12" '
                     f'fill="{PALETTE[index % len(PALETTE)]}"/>'
                     f'<text x="{x + 18}" y="{y + index * 18 + 11}" style="{_FONT}">{escape(label)}</text>')
    return parts


def _svg(width: int, height: int, title: str, body: list[str]) -> Markup:
    return Markup(f'<svg class="masklog-chart" role="img" aria-label="{escape(title)}" viewBox="0 0 {width} {height}" '
                  f'width="100%" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg">'
                  f'<title>{escape(title)}</title>{"".join(body)}</svg>')


def bar_chart(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], title: str = "",
              width: int = 560) -> Markup:
    """Horizontal grouped bars: one row per category (long Thai names fit on
    the left), one bar per series, values printed at the end of the bars."""
    label_width, bar, gap = 170, 14, 10
    rows = max(len(categories), 1)
    band = bar * len(series) + gap
    top = 8 + 18 * len(series)
    height = top + rows * band + 24
    peak = _nice_max(max((v for _l, values in series for v in values), default=0))
    plot = width - label_width - 70
    body = _legend(series, label_width, 4)
    for tick in range(5):
        value = peak * tick / 4
        x = label_width + plot * tick / 4
        body.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 20}" stroke="#ddd"/>'
                    f'<text x="{x:.1f}" y="{height - 6}" text-anchor="middle" style="{_FONT}">'
                    f'{format_number(int(value))}</text>')
    for row, category in enumerate(categories):
        y = top + row * band
        name = str(category)
        short = name if len(name) <= 26 else name[:25] + "…"
        body.append(f'<text x="{label_width - 6}" y="{y + band / 2 + 2:.1f}" text-anchor="end" style="{_FONT}">'
                    f'<title>{escape(name)}</title>{escape(short)}</text>')
        for index, (_label, values) in enumerate(series):
            value = values[row] if row < len(values) else 0
            length = plot * (value or 0) / peak
            body.append(f'<rect x="{label_width}" y="{y + index * bar}" width="{max(length, 0):.1f}" '
                        f'height="{bar - 2}" fill="{PALETTE[index % len(PALETTE)]}"/>'
                        f'<text x="{label_width + max(length, 0) + 4:.1f}" y="{y + index * bar + bar - 4}" '
                        f'style="{_FONT}">{format_number(int(value or 0))}</text>')
    return _svg(width, height, title, body)


def line_chart(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], title: str = "",
               width: int = 560, height: int = 260) -> Markup:
    """Lines over time; about eight labels on the time axis whatever the period."""
    left, right, bottom = 64, 12, 40
    top = 8 + 18 * len(series)
    values = [v for _l, vals in series for v in vals]
    low = min(min(values, default=0), 0)
    peak = _nice_max(max(values, default=0))
    span = (peak - low) or 1
    plot_w, plot_h = width - left - right, height - top - bottom
    count = max(len(categories), 1)

    def x_of(index):
        return left + (plot_w * index / (count - 1) if count > 1 else plot_w / 2)

    def y_of(value):
        return top + plot_h * (peak - value) / span

    body = _legend(series, left, 4)
    for tick in range(5):
        value = low + span * tick / 4
        y = y_of(value)
        body.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>'
                    f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" style="{_FONT}">'
                    f'{format_number(int(value))}</text>')
    step = max(1, math.ceil(count / 6))
    for index in range(0, count, step):
        body.append(f'<text x="{x_of(index):.1f}" y="{height - bottom + 18}" text-anchor="middle" '
                    f'style="{_FONT}">{escape(str(categories[index]))}</text>')
    for number, (label, vals) in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        points = " ".join(f"{x_of(i):.1f},{y_of(v or 0):.1f}" for i, v in enumerate(vals))
        body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2">'
                    f'<title>{escape(label)}</title></polyline>')
        if len(vals) <= 62:
            body += [f'<circle cx="{x_of(i):.1f}" cy="{y_of(v or 0):.1f}" r="2.5" fill="{colour}"/>'
                     for i, v in enumerate(vals)]
    return _svg(width, height, title, body)


def datatable_chart(value_columns, chart_type: str = "ColumnChart", title: str = "") -> Markup:
    """FAB chart data (a Google DataTable dict, or [(label, value), ...]
    pairs) drawn with the charts above: lines for LineChart/AreaChart, bars
    for everything else."""
    if isinstance(value_columns, dict):
        columns = value_columns.get("cols", [])
        rows = [[cell.get("v") for cell in row.get("c", [])] for row in value_columns.get("rows", [])]
        categories = [str(row[0]) if row else "" for row in rows]
        series = [(str(column.get("label", "")), [_number(row[i]) if i < len(row) else 0 for row in rows])
                  for i, column in enumerate(columns) if i > 0]
    else:
        pairs = list(value_columns or [])
        categories = [str(pair[0]) for pair in pairs]
        series = [("", [_number(pair[1]) for pair in pairs])]
    if not categories:
        return Markup('<p class="masklog-chart-empty">%s</p>') % gettext("No data for this period.")
    if chart_type in ("LineChart", "AreaChart"):
        return line_chart(categories, series, title)
    return bar_chart(categories, series, title)


def _number(value) -> float:
    try:
        number = float(value or 0)
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0
