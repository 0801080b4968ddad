"""The read side of the rollups: the figures dashboards, completeness pages
and exports show. Everything here reads app/models/rollup.py, never the raw
ledger; the caller has already checked that the unit is in the actor's scope
(app/scoping.py) and parsed the period (`parse_period`)."""
from __future__ import annotations

import datetime
import time
from dataclasses import dataclass
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from app import scoping
from app.commands import DomainError
from app.models.ledger import RiskGroup
from app.models.rollup import ROLLUP_FIGURES, DailyReport, DailyRollup, ReportRollup, RiskGroupRollup
from app.models.unit import LEVEL_ORDER, Unit
from app.thai import parse_date, thai_date, today

MAX_PERIOD_DAYS = 731  # two years
FLOW_FIGURES = tuple(name for name in ROLLUP_FIGURES if name not in ("in_transit_change", "net_change"))


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def parse_period(raw_start, raw_end, default_days: int = 30) -> Period:
    """A date range from a form (B.E. or C.E., Thai digits): blank end means
    today, blank start means `default_days` before the end. Reversed, future
    or longer than two years: a Thai message."""
    end = parse_date(raw_end) if raw_end not in (None, "") else today()
    start = parse_date(raw_start) if raw_start not in (None, "") else None
    if end.year < 2000 or (start is not None and start.year < 2000):
        raise DomainError(_("Please choose dates from the year 2543 (2000) on."))
    start = start or end - datetime.timedelta(days=default_days - 1)
    if start > end:
        raise DomainError(_("The start date %(start)s is after the end date %(end)s.",
                            start=thai_date(start), end=thai_date(end)))
    if end > today():
        raise DomainError(_("The date %(date)s is in the future.", date=thai_date(end)))
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise DomainError(_("A period can be at most two years long."))
    return Period(start, end)


def parse_item(session: Session, raw) -> int:
    """The item id asked for (blank: the default item); unknown or inactive: a Thai message."""
    from app.commands.reference import active_items

    items = active_items(session)
    text = str(raw or "").strip()
    if not text and items:
        return items[0][0]
    if not (text.isascii() and text.isdecimal()) or int(text) not in {row[0] for row in items}:
        raise DomainError(_("The item asked for is unknown or no longer active; please choose one from the list."))
    return int(text)


def parse_day(raw) -> datetime.date:
    """A day to report on: blank means today; never in the future or before 2543."""
    if raw in (None, "") or not str(raw).strip():
        return today()
    return parse_period(raw, raw).end


def period_sums(period: Period):
    """Flows summed over the period, stocks (balance, in transit) at its end."""
    in_period = DailyRollup.day >= period.start
    columns = [func.coalesce(func.sum(case((in_period, getattr(DailyRollup, name)), else_=0)), 0).label(name)
               for name in FLOW_FIGURES]
    columns += [func.coalesce(func.sum(DailyRollup.net_change), 0).label("balance"),
                func.coalesce(func.sum(DailyRollup.in_transit_change), 0).label("in_transit")]
    return columns


def headline(session: Session, unit: Unit, item_id: int, period: Period) -> dict:
    """The subtree's totals over the period, its balance and in-transit stock
    at the end: one index range scan on (unit, item, day <= end)."""
    row = session.execute(select(*period_sums(period)).where(
        DailyRollup.unit_id == unit.id, DailyRollup.item_id == item_id, DailyRollup.day <= period.end)).one()
    return dict(row._mapping)


def trend(session: Session, unit: Unit, item_id: int, period: Period) -> list[dict]:
    """One row per day of the period (days without activity included), with
    the closing balance of each day."""
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
    empty = {name: 0 for name in (*FLOW_FIGURES, "balance", "in_transit")}
    return [{"id": kid.id, "code": kid.code, "name": kid.name_th, "level": kid.level, "active": kid.active,
             **(dict(sums[kid.id]._mapping) if kid.id in sums else empty)} for kid in kids]


# ---------------------------------------------------------------- completeness

_unit_counts_cache: dict = {}
_UNIT_COUNTS_SECONDS = 300


def unit_counts(session: Session, unit: Unit) -> dict:
    """Active units per level in the subtree (the denominators of "% reported").
    Units change rarely; kept five minutes per database and unit."""
    key = (str(session.get_bind().url), unit.id, unit.path)
    cached = _unit_counts_cache.get(key)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    counts = dict(session.execute(select(Unit.level, func.count()).where(
        scoping.subtree_clause(Unit.path, unit.path), Unit.active.is_(True)).group_by(Unit.level)).all())
    _unit_counts_cache[key] = (time.monotonic() + _UNIT_COUNTS_SECONDS, counts)
    return counts


def completeness(session: Session, unit: Unit, day: datetime.date) -> list[dict]:
    """Per level of the subtree: units, how many reported on `day`, and %."""
    totals = unit_counts(session, unit)
    reported = dict(session.execute(select(ReportRollup.level, ReportRollup.reported).where(
        ReportRollup.unit_id == unit.id, ReportRollup.day == day)).all())
    levels = []
    for level in LEVEL_ORDER:
        total = totals.get(level.value, 0)
        if total:
            done = min(reported.get(level.value, 0), total)
            levels.append({"level": level.value, "units": total, "reported": done, "missing": total - done,
                           "percent": round(100.0 * done / total, 1)})
    return levels


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
