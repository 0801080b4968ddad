"""Charts drawn on the server as inline SVG: no script, no font or library from
the internet, readable on a closed network, on a phone and on paper.

Each chart is drawn twice, at two widths, and the stylesheet (masklog.css)
shows one: the wide drawing on a PC or tablet, the narrow one on a phone
(up to 600 px). An SVG scaled down to a phone's width would shrink its text
below legibility (560 units drawn in ~290 px: 13 px letters at 7 px), and
one kept at its width and scrolled would hide the most recent days. The
narrow drawing is made for ~290 px: fewer date labels (the first, the middle,
the last), bar names on their own line above the bars, value labels inside
the drawing, so its 13-unit letters render at 12-13 px.

FAB's chart widgets draw with Google's loader fetched at run time (blank
offline); app/templates/appbuilder/general/widgets/*chart.html call
`datatable_chart` here instead, so FAB's own chart views (the rollup chart,
FAB's user statistics) render the same way as the dashboard."""
from __future__ import annotations

import math
import unicodedata
from typing import Sequence

from flask_babel import gettext
from markupsafe import Markup, escape

from app.thai import format_number

PALETTE = ("#1f4e79", "#c55a11", "#548235", "#7030a0", "#bf9000", "#2e75b6", "#a5a5a5", "#843c0c")
FONT_PX = 13
_FONT = f"font-family:inherit;font-size:{FONT_PX}px"
# The narrow drawing, in SVG units: about the width a 360 px phone gives a
# chart inside a card, so one unit is about one pixel there.
PHONE_WIDTH = 280
# Average advance of a letter at FONT_PX (Sarabun: digits ~0.55 em, Thai
# consonants ~0.6 em), on the generous side: used to keep labels inside.
_LETTER = 7.4
LAST_POINT = ' class="masklog-last-point"'


def _text_width(text: str) -> float:
    """Estimated width of `text` at FONT_PX. Thai vowel and tone marks above
    or below a consonant take no width of their own."""
    return sum(0 if unicodedata.combining(ch) or unicodedata.category(ch) == "Mn" else
               (3.6 if ch in " .,:()/" else _LETTER) for ch in text)


def _shorten(text: str, room: float) -> str:
    """`text` cut with an ellipsis so that it fits `room` units."""
    if _text_width(text) <= room:
        return text
    out = ""
    for ch in text:
        if _text_width(out + ch + "…") > room:
            break
        out += ch
    while out and unicodedata.category(out[-1]) == "Mn":  # never end on a lone mark
        out = out[:-1]
    return out.rstrip() + "…"


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


def _label_x(x: float, text: str, width: float, low: float = 2) -> float:
    """The centre of a centred label at `x`, moved in so it stays inside [low, width]."""
    half = _text_width(text) / 2
    return min(max(x, low + half), width - 2 - half)


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


def _both(wide: Markup, phone: Markup) -> Markup:
    """The two drawings of one chart; masklog.css shows the one that fits."""
    return (Markup('<div class="masklog-chart-wide">') + wide + Markup('</div><div class="masklog-chart-phone">')
            + phone + Markup('</div>'))


def _peak(series) -> float:
    return max((v or 0 for _l, values in series for v in values), default=0)


def bar_chart(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], title: str = "",
              width: int = 560) -> Markup:
    """Horizontal grouped bars: one row per category, one bar per series,
    values printed at the end of the bars. Wide: names on the left of the
    bars (long Thai names cut, whole in the tooltip); phone: each name on its
    own line above its bars, which take the whole width."""
    return _both(_bars(categories, series, title, width, phone=False),
                 _bars(categories, series, title, PHONE_WIDTH, phone=True))


def _bars(categories, series, title, width, phone) -> Markup:
    bar, gap = 14, (14 if phone else 10)
    name_line = 20 if phone else 0
    label_width = 6 if phone else 170
    rows = max(len(categories), 1)
    band = name_line + bar * len(series) + gap
    top = 8 + 18 * len(series)
    height = top + rows * band + 24
    peak = _nice_max(_peak(series))
    # Room on the right for the value printed after the longest bar.
    value_room = _text_width(format_number(int(_peak(series)))) + 10
    plot = width - label_width - max(value_room, 40 if phone else 70)
    body = _legend(series, label_width, 4)
    for tick in range(5):
        if phone and tick % 2:
            continue  # three ticks on a phone: 0, half, the top
        value = peak * tick / 4
        x = label_width + plot * tick / 4
        text = format_number(int(value))
        body.append(f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{height - 20}" stroke="#ddd"/>'
                    f'<text x="{_label_x(x, text, width):.1f}" y="{height - 6}" text-anchor="middle" '
                    f'style="{_FONT}">{text}</text>')
    for row, category in enumerate(categories):
        y = top + row * band
        name = str(category)
        if phone:
            body.append(f'<text x="{label_width}" y="{y + 14}" style="{_FONT}"><title>{escape(name)}</title>'
                        f'{escape(_shorten(name, width - label_width - 2))}</text>')
        else:
            short = name if len(name) <= 26 else name[:25] + "…"
            body.append(f'<text x="{label_width - 6}" y="{y + band / 2 + 2:.1f}" text-anchor="end" '
                        f'style="{_FONT}"><title>{escape(name)}</title>{escape(short)}</text>')
        for index, (_label, values) in enumerate(series):
            value = values[row] if row < len(values) else 0
            length = max(plot * (value or 0) / peak, 0)
            bar_y = y + name_line + index * bar
            body.append(f'<rect x="{label_width}" y="{bar_y}" width="{length:.1f}" '
                        f'height="{bar - 2}" fill="{PALETTE[index % len(PALETTE)]}"/>'
                        f'<text class="masklog-bar-value" x="{label_width + length + 4:.1f}" y="{bar_y + bar - 4}" '
                        f'style="{_FONT}">{format_number(int(value or 0))}</text>')
    return _svg(width, height, title, body)


def line_chart(categories: Sequence[str], series: Sequence[tuple[str, Sequence[float]]], title: str = "",
               width: int = 560, height: int = 260, top: float = None) -> Markup:
    """Lines over time, the last day always at the right end and labelled:
    about six date labels on a PC, three on a phone. `top` fixes the value
    axis's upper end (100 for percentages) instead of rounding up the peak."""
    return _both(_lines(categories, series, title, width, height, labels=6, top_value=top),
                 _lines(categories, series, title, PHONE_WIDTH, 220, labels=3, bottom=30, top_value=top))


def _lines(categories, series, title, width, height, labels, bottom=40, top_value=None) -> Markup:
    values = [v or 0 for _l, vals in series for v in vals]
    low = min(min(values, default=0), 0)
    peak = top_value if top_value is not None else _nice_max(max(values, default=0))
    span = (peak - low) or 1
    ticks = [low + span * tick / 4 for tick in range(5)]
    left = max(_text_width(format_number(int(t))) for t in ticks) + 10
    right = 12
    top = 8 + 18 * len(series)
    plot_w, plot_h = width - left - right, height - top - bottom
    count = len(categories)

    def x_of(index):
        return left + (plot_w * index / (count - 1) if count > 1 else plot_w / 2)

    def y_of(value):
        return top + plot_h * (peak - value) / span

    body = _legend(series, left, 4)
    for value in ticks:
        y = y_of(value)
        body.append(f'<line x1="{left:.1f}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#ddd"/>'
                    f'<text x="{left - 6:.1f}" y="{y + 4:.1f}" text-anchor="end" style="{_FONT}">'
                    f'{format_number(int(value))}</text>')
    # Evenly spread date labels, the first and the last day among them.
    shown = min(labels, count)
    indexes = sorted({round(i * (count - 1) / (shown - 1)) for i in range(shown)}) if shown > 1 else \
        ([count - 1] if count else [])
    for index in indexes:
        text = str(categories[index])
        last = " masklog-last-day" if index == count - 1 else ""
        body.append(f'<text class="masklog-x-label{last}" x="{_label_x(x_of(index), text, width):.1f}" '
                    f'y="{height - bottom + 18}" text-anchor="middle" style="{_FONT}">{escape(text)}</text>')
    for number, (label, vals) in enumerate(series):
        colour = PALETTE[number % len(PALETTE)]
        points = " ".join(f"{x_of(i):.1f},{y_of(v or 0):.1f}" for i, v in enumerate(vals))
        body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2">'
                    f'<title>{escape(label)}</title></polyline>')
        if len(vals) <= 62:
            last = len(vals) - 1
            body += [f'<circle{LAST_POINT if i == last else ""} cx="{x_of(i):.1f}" cy="{y_of(v or 0):.1f}" '
                     f'r="2.5" fill="{colour}"/>' for i, v in enumerate(vals)]
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
