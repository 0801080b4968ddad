"""The read side of the rollups: the figures dashboards, completeness pages
and exports show, named and ordered by FIGURES (app/rollups/registry.py).
Everything here reads app/models/rollup.py, never the raw ledger; the caller
has already checked that the unit is in the actor's scope (app/scoping.py)
and parsed the period (app/queries/periods.py)."""
from __future__ import annotations

import datetime
import time
from typing import Optional

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from app import scoping
from app.models.ledger import RiskGroup
from app.models.rollup import ROLLUP_FIGURES, DailyReport, DailyRollup, ReportRollup, RiskGroupRollup
from app.models.unit import LEVEL_ORDER, Unit
from app.queries.periods import Period
from app.rollups.registry import FIGURE_NAMES, FLOWS, STOCKS


def period_sums(period: Period):
    """Every figure of FIGURES as a column: flows summed over the period,
    stocks summed up to its end (the query keeps day <= end)."""
    in_period = DailyRollup.day >= period.start
    columns = [func.coalesce(func.sum(case((in_period, getattr(DailyRollup, figure.column)), else_=0)), 0)
               .label(figure.name) for figure in FLOWS]
    columns += [func.coalesce(func.sum(getattr(DailyRollup, figure.column)), 0).label(figure.name)
                for figure in STOCKS]
    return columns


def headline(session: Session, unit: Unit, item_id: int, period: Period) -> dict:
    """The subtree's totals over the period, its balance and in-transit stock
    at the end: one index range scan on (unit, item, day <= end)."""
    row = session.execute(select(*period_sums(period)).where(
        DailyRollup.unit_id == unit.id, DailyRollup.item_id == item_id, DailyRollup.day <= period.end)).one()
    return dict(row._mapping)


def trend(session: Session, unit: Unit, item_id: int, period: Period) -> list[dict]:
    """One row per day of the period (days without activity included): the
    day's stored figures, and `balance`, the closing balance of each day."""
    opening = session.execute(select(func.coalesce(func.sum(DailyRollup.net_change), 0)).where(
        DailyRollup.unit_id == unit.id, DailyRollup.item_id == item_id, DailyRollup.day < period.start)).scalar()
    # Plain rows, not ORM objects: a year is 365 of them.
    columns = [getattr(DailyRollup, name) for name in ROLLUP_FIGURES]
    rows = {row[0]: row[1:] for row in session.execute(select(DailyRollup.day, *columns).where(
        DailyRollup.unit_id == unit.id, DailyRollup.item_id == item_id,
        DailyRollup.day.between(period.start, period.end)))}
    balance, days, nothing = opening, [], (0,) * len(ROLLUP_FIGURES)
    for offset in range(period.days):
        day = period.start + datetime.timedelta(days=offset)
        figures = dict(zip(ROLLUP_FIGURES, rows.get(day, nothing)))
        balance += figures["net_change"]
        days.append({"day": day, **figures, "balance": balance})
    return days


def by_risk_group(session: Session, unit: Unit, item_id: int, period: Period) -> list[dict]:
    """Pieces and people per risk group over the period (every active group listed)."""
    sums = {row.risk_group_id: row for row in session.execute(
        select(RiskGroupRollup.risk_group_id, func.sum(RiskGroupRollup.distributed).label("distributed"),
               func.sum(RiskGroupRollup.people_reached).label("people_reached"))
        .where(RiskGroupRollup.unit_id == unit.id, RiskGroupRollup.item_id == item_id,
               RiskGroupRollup.day.between(period.start, period.end))
        .group_by(RiskGroupRollup.risk_group_id))}
    groups = session.execute(select(RiskGroup).order_by(RiskGroup.sort_order, RiskGroup.id)).scalars()
    return [{"id": group.id, "name": group.name_th,
             "distributed": sums[group.id].distributed if group.id in sums else 0,
             "people_reached": sums[group.id].people_reached if group.id in sums else 0}
            for group in groups if group.active or group.id in sums]


def children(session: Session, unit: Unit, item_id: int, period: Period) -> list[dict]:
    """Each child unit with its subtree's figures: the drill-down table."""
    kids = session.execute(select(Unit.id, Unit.code, Unit.name_th, Unit.level, Unit.active)
                           .where(Unit.parent_id == unit.id).order_by(Unit.code)).all()
    if not kids:
        return []
    sums = {row.unit_id: row for row in session.execute(
        select(DailyRollup.unit_id, *period_sums(period))
        .where(DailyRollup.unit_id.in_([kid.id for kid in kids]), DailyRollup.item_id == item_id,
               DailyRollup.day <= period.end)
        .group_by(DailyRollup.unit_id))}
    empty = {name: 0 for name in FIGURE_NAMES}
    return [{"id": kid.id, "code": kid.code, "name": kid.name_th, "level": kid.level, "active": kid.active,
             **(dict(sums[kid.id]._mapping) if kid.id in sums else empty)} for kid in kids]


# ---------------------------------------------------------------- tables that add up
#
# A rollup row carries a whole subtree, and every figure counts at exactly one
# unit (a receipt, count, distribution or adjustment where it happened, an
# allocation at its sender, a shipment in transit or confirmed at its
# receiver). So disjoint subtrees add up, and what a subtree holds beyond
# some disjoint parts of it is a subtraction: the unit's own figures are its
# subtree's minus its children's. Every table of units (the dashboard's, the
# report's level sheets, the CSV) is built from these, so its total row is
# the headline in every column.

def remainder(total: dict, parts, names=FIGURE_NAMES) -> dict:
    """What `total` (a subtree's figures) holds beyond `parts`, figures of
    disjoint subtrees inside it."""
    parts = list(parts)
    return {name: total[name] - sum(part[name] for part in parts) for name in names}


def add_up(rows, names=FIGURE_NAMES) -> dict:
    """Column sums of figure rows: a table's total row."""
    rows = list(rows)
    return {name: sum(row[name] for row in rows) for name in names}


def own_row(unit: Unit, figures: dict) -> dict:
    """The unit itself as a row of its own table (its own figures, not its subtree's)."""
    return {"id": unit.id, "code": unit.code, "name": unit.name_th, "level": unit.level, "active": unit.active,
            "own": True, **{name: figures[name] for name in FIGURE_NAMES}}


def unit_table(session: Session, unit: Unit, item_id: int, period: Period, totals: dict) -> dict:
    """The dashboard's table of units: the unit itself (its own stock and
    work), each child with its subtree, and the total row, which equals
    `totals` (the headline) in every column."""
    kids = children(session, unit, item_id, period)
    own = own_row(unit, remainder(totals, kids))
    return {"own": own, "children": kids, "total": add_up([own, *kids])}


def busiest(rows: list[dict], limit: int) -> list[dict]:
    """The `limit` units with the most pieces distributed and in stock, for
    the chart; units with neither are left out (a bar of zero says nothing)."""
    active = [row for row in rows if row["distributed"] or row["balance"]]
    return sorted(active, key=lambda row: (-(row["distributed"] + row["balance"]), row["code"]))[:limit]


# ---------------------------------------------------------------- completeness

_unit_counts_cache: dict = {}
_UNIT_COUNTS_SECONDS = 300


def unit_counts(session: Session, unit: Unit) -> dict:
    """Active units per level in the subtree (the denominators of "% reported").
    Units change rarely; kept five minutes per database and unit (one of the
    caches app/db/hooks.py lists)."""
    key = (str(session.get_bind().url), unit.id, unit.path)
    cached = _unit_counts_cache.get(key)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    counts = dict(session.execute(select(Unit.level, func.count()).where(
        scoping.subtree_clause(Unit.path, unit.path), Unit.active.is_(True)).group_by(Unit.level)).all())
    _unit_counts_cache[key] = (time.monotonic() + _UNIT_COUNTS_SECONDS, counts)
    return counts


def completeness(session: Session, unit: Unit, day: datetime.date) -> list[dict]:
    """Per level of the subtree: active units, how many reported on `day`,
    and %. The unit itself must report too: the row of its own level is the
    unit alone (no unit has one of its own level below it, see
    app/commands/units.ALLOWED_PARENT_LEVELS) and comes first, marked `own`,
    so a municipality that reported with no units below shows 100%."""
    totals = unit_counts(session, unit)
    reported = dict(session.execute(select(ReportRollup.level, ReportRollup.reported).where(
        ReportRollup.unit_id == unit.id, ReportRollup.day == day)).all())
    return _levels(unit, totals, reported)


def _levels(unit: Unit, totals: dict, reported: dict) -> list[dict]:
    """Completeness per level from the units that must report (`totals`) and
    the units that did on one day (`reported`), both per level: one rule for
    the day's page and for every day of the trend."""
    levels = []
    for level in LEVEL_ORDER:
        total = totals.get(level.value, 0)
        if total:
            done = min(reported.get(level.value, 0), total)
            levels.append({"level": level.value, "units": total, "reported": done, "missing": total - done,
                           "percent": round(100.0 * done / total, 1), "own": level.value == unit.level})
    return levels


def completeness_trend(session: Session, unit: Unit, start: datetime.date, end: datetime.date) -> list[dict]:
    """% of the subtree's units that reported, for each day from `start` to
    `end` (days nobody reported included, at 0): completeness of each day
    added up over its levels, from one range scan of the report rollups.
    The denominators are today's units (unit_counts), as on the day's page."""
    totals = unit_counts(session, unit)
    by_day: dict = {}
    for day, level, count in session.execute(select(ReportRollup.day, ReportRollup.level, ReportRollup.reported).where(
            ReportRollup.unit_id == unit.id, ReportRollup.day.between(start, end))):
        by_day.setdefault(day, {})[level] = count
    days = []
    for offset in range((end - start).days + 1):
        day = start + datetime.timedelta(days=offset)
        levels = _levels(unit, totals, by_day.get(day, {}))
        days.append({"day": day, "units": sum(level["units"] for level in levels),
                     "reported": sum(level["reported"] for level in levels), "percent": reported_percent(levels)})
    return days


def reported_percent(levels: list[dict]) -> Optional[float]:
    units = sum(level["units"] for level in levels)
    return round(100.0 * sum(level["reported"] for level in levels) / units, 1) if units else None


def not_reported(session: Session, unit: Unit, day: datetime.date, level: str, limit: int = 500) -> list:
    """Active units of `level` in the subtree with no report on `day`, by code."""
    return list(session.execute(
        select(Unit).outerjoin(DailyReport, and_(DailyReport.unit_id == Unit.id, DailyReport.day == day))
        .where(scoping.subtree_clause(Unit.path, unit.path), Unit.level == level, Unit.active.is_(True),
               DailyReport.unit_id.is_(None))
        .order_by(Unit.code).limit(limit)).scalars())
