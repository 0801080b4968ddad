"""The official report of a subtree for a period, as xlsx and CSV, read from
the rollups only and streamed: rows come from the database in batches
(`yield_per`, a server-side cursor on PostgreSQL) and go straight to the file
(app/xlsx.py, a streaming writer) or to the response (app/views/dashboard.py), so memory stays flat however
many units the subtree has.

Layout (xlsx): a summary sheet (the subtree's totals, distribution per risk
group, who reported on the last day, one row per day with its closing
balance), then one sheet per level below the unit (`level_table`): the unit
itself with its own figures, a row per unit of the level with its subtree's
figures, the rest of the area when anything remains (units above the level
or beside it), and a total row that equals the summary's figures. CSV: the
same tables, level after level, in one table with the level in the first
column, UTF-8 with a BOM so Excel shows Thai. Dates are written as Thai text (B.E.), as the official
forms show them. Text that Excel would read as a formula (= + - @) is
neutralised with a leading apostrophe."""
from __future__ import annotations

import csv
import datetime
import io
import os
import tempfile
from typing import Iterator

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app import scoping
from app.labels import level_group_label
from app.models.rollup import DailyRollup
from app.models.unit import LEVEL_ORDER, Unit
from app.queries import figures
from app.queries.periods import Period
from app.queries.reference import active_items
from app.rollups.registry import EXPORTED, FLOWS, labels
from app.thai import thai_date, thai_datetime
from app.xlsx import Workbook

EXPORTED_NAMES = tuple(figure.name for figure in EXPORTED)
BATCH = 2000


def safe_text(value):
    """Neutralise text a spreadsheet would run as a formula."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def levels_below(session: Session, unit: Unit) -> list[str]:
    present = {row[0] for row in session.execute(select(Unit.level).where(
        scoping.subtree_clause(Unit.path, unit.path), Unit.id != unit.id).distinct())}
    return [level.value for level in LEVEL_ORDER if level.value in present]


def unit_rows(session: Session, unit: Unit, item_id: int, period: Period, level: str) -> Iterator[tuple]:
    """(code, name, figures...) of every unit of `level` in the subtree, by
    code; a unit switched off is listed too (its stock still counts), marked as such."""
    sums = (select(DailyRollup.unit_id, *figures.period_sums(period))
            .join(Unit, Unit.id == DailyRollup.unit_id)
            .where(scoping.subtree_clause(Unit.path, unit.path), Unit.level == level,
                   DailyRollup.item_id == item_id, DailyRollup.day <= period.end)
            .group_by(DailyRollup.unit_id).subquery())
    query = (select(Unit.code, Unit.name_th, Unit.active, *[func.coalesce(sums.c[name], 0) for name in EXPORTED_NAMES])
             .outerjoin(sums, sums.c.unit_id == Unit.id)
             .where(scoping.subtree_clause(Unit.path, unit.path), Unit.level == level)
             .order_by(Unit.code).execution_options(yield_per=BATCH))
    switched_off = _("switched off")
    for code, name, active, *values in session.execute(query):
        yield (code, name if active else f"{name} ({switched_off})", *values)


def percent_text(value) -> str:
    return "-" if value is None else f"{value:g}%"


def own_label(unit: Unit) -> str:
    return _("%(name)s (this unit itself)", name=unit.name_th)


def level_table(session: Session, unit: Unit, item_id: int, period: Period, level: str, headline: dict,
                            own: dict) -> Iterator[tuple]:
    """One level's table as (code, name, figures in EXPORTED order, is the total row), streamed:
    the unit itself, every unit of `level` with its subtree, the rest of the
    area (the units above the level or beside it, which no unit of the level
    covers; left out when it is all zero), and the total, which is the
    headline in every column. Units of one level have disjoint subtrees, so
    the rest is a subtraction."""
    yield safe_text(unit.code), safe_text(own_label(unit)), [own[name] for name in EXPORTED_NAMES], False
    sums = [0] * len(EXPORTED_NAMES)
    for code, name, *values in unit_rows(session, unit, item_id, period, level):
        sums = [a + b for a, b in zip(sums, values)]
        yield safe_text(code), safe_text(name), values, False
    of_level = dict(zip(EXPORTED_NAMES, sums))
    rest = figures.remainder(headline, [own, of_level], EXPORTED_NAMES)
    if any(rest.values()):
        yield "", _("Other units of the area, not under any of these %(level)s", level=level_group_label(level, unit)), \
            [rest[name] for name in EXPORTED_NAMES], False
    total = figures.add_up([own, of_level, rest], EXPORTED_NAMES)
    yield _("Total"), "", [total[name] for name in EXPORTED_NAMES], True


def write_xlsx(session: Session, unit: Unit, item_id: int, period: Period) -> str:
    """Write the report to a temporary file and return its path (the caller sends and deletes it)."""
    item_name = next((row[2] for row in active_items(session) if row[0] == item_id), "")
    title = [_("MaskLog report"), f"{unit.name_th} ({unit.code})", item_name,
             _("%(start)s to %(end)s", start=thai_date(period.start), end=thai_date(period.end))]
    handle, path = tempfile.mkstemp(prefix="masklog-report-", suffix=".xlsx")
    os.close(handle)
    try:
        _write_report(session, unit, item_id, period, path, title)
    except BaseException:
        os.unlink(path)
        raise
    return path


def _write_report(session, unit, item_id, period, path, title) -> None:
    with Workbook(path) as book:
        summary = book.sheet(_("Summary"))
        summary.append([" · ".join(title)], bold=True)
        summary.append([_("Printed at"), thai_datetime(datetime.datetime.utcnow())])
        summary.append([])
        headline = figures.headline(session, unit, item_id, period)
        summary.append([_("Figure"), _("Pieces")], bold=True)
        for figure in EXPORTED:
            summary.append([str(figure.label), headline[figure.name]])
        summary.append([])
        summary.append([_("Risk group"), _("Distributed (pieces)"), _("People reached")], bold=True)
        for group in figures.by_risk_group(session, unit, item_id, period):
            summary.append([safe_text(group["name"]), group["distributed"], group["people_reached"]])
        summary.append([])
        # Who reported on the last day: the same rows as the dashboard and the completeness page.
        levels = figures.completeness(session, unit, period.end)
        summary.append([_("Reported on %(day)s", day=thai_date(period.end)), _("Reported"), _("Units"),
                        _("Percent")], bold=True)
        for level in levels:
            summary.append([safe_text(own_label(unit)) if level["own"] else level_group_label(level["level"], unit),
                            level["reported"], level["units"], percent_text(level["percent"])])
        summary.append([_("Total"), sum(level["reported"] for level in levels), sum(level["units"] for level in levels),
                        percent_text(figures.reported_percent(levels))], bold=True)
        summary.append([])
        # One row per day: the day's flows, and the balance it closed with.
        day_flows = [figure for figure in FLOWS if figure.exported]
        summary.append([_("Date"), *labels(day_flows), _("Closing balance")], bold=True)
        totals = [0] * len(day_flows)
        for day in figures.trend(session, unit, item_id, period):
            values = [day[figure.column] for figure in day_flows]
            totals = [a + b for a, b in zip(totals, values)]
            summary.append([thai_date(day["day"]), *values, day["balance"]])
        summary.append([_("Total"), *totals, headline["balance"]], bold=True)

        own = figures.unit_table(session, unit, item_id, period, headline)["own"]
        for level in levels_below(session, unit):
            sheet = book.sheet(level_group_label(level, unit))
            sheet.append([" · ".join(title)], bold=True)
            sheet.append([_("Code"), _("Unit"), *labels(EXPORTED)], bold=True)
            for code, name, values, total in level_table(session, unit, item_id, period, level, headline, own):
                sheet.append([code, name, *values], bold=total)


def csv_rows(session: Session, unit: Unit, item_id: int, period: Period) -> Iterator[str]:
    """The CSV report, a chunk of text at a time (UTF-8 with BOM)."""
    from flask import stream_with_context

    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        buffer.write("\ufeff")
        writer.writerow([_("Level"), _("Code"), _("Unit"), _("From"), _("To"), *labels(EXPORTED)])
        start, end = thai_date(period.start), thai_date(period.end)
        headline = figures.headline(session, unit, item_id, period)
        own = figures.unit_table(session, unit, item_id, period, headline)["own"]
        for level in levels_below(session, unit):
            label = level_group_label(level, unit)
            for count, (code, name, values, _total) in enumerate(
                    level_table(session, unit, item_id, period, level, headline, own), 1):
                writer.writerow([label, code, name, start, end, *values])
                if count % BATCH == 0:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
        yield buffer.getvalue()

    return stream_with_context(generate())
