"""The read side of the rollups: the figures dashboards, completeness pages
and exports show, named and ordered by FIGURES (app/rollups/registry.py).
Everything here reads app/models/rollup.py, never the raw ledger; the caller
has already checked that the unit is in the actor's scope (app/scoping.py)
and parsed the period (app/queries/periods.py)."""
from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Optional

from sqlalchemy import and_, case, exists, false, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from app import scoping
from app.models.obligation import ALWAYS, HOLDS_STOCK, NEVER, ReportingException
from app.queries import obligations
from app.models.ledger import RiskGroup
from app.models.rollup import ROLLUP_FIGURES, DailyReport, DailyRollup, ReportRollup, RiskGroupRollup, UnitCensus
from app.models.unit import LEVEL_ORDER, Unit
from app.queries.periods import Period
from app.rollups import census
from app.rollups.registry import FIGURE_NAMES, FLOWS, STOCKS
from app.thai import today


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


def dashboard(session: Session, unit: Unit, item_id: int, period: Period) -> dict:
    """Everything a unit's dashboard shows, for the page and the REST API
    alike (so the two cannot differ): the headline, one row per day, the risk
    groups, the table of units (own row, units below, total = headline) and
    today's completeness per level."""
    totals = headline(session, unit, item_id, period)
    return {"headline": totals, "days": trend(session, unit, item_id, period),
            "risk_groups": by_risk_group(session, unit, item_id, period),
            "units": unit_table(session, unit, item_id, period, totals),
            "completeness": completeness(session, unit, today())}


def busiest(rows: list[dict], limit: int) -> list[dict]:
    """The `limit` units with the most pieces distributed and in stock, for
    the chart; units with neither are left out (a bar of zero says nothing)."""
    active = [row for row in rows if row["distributed"] or row["balance"]]
    return sorted(active, key=lambda row: (-(row["distributed"] + row["balance"]), row["code"]))[:limit]


# ---------------------------------------------------------------- completeness

def _obliged_counts(session: Session, unit: Unit, day: datetime.date) -> dict:
    """level -> (units that must report on `day`, of them reported), exactly
    as app/queries/obligations.py says, without joining every unit of the
    country to its report (a national subtree has 80,000 units):
    - a level every unit of which must report: its active units (kept in
      unit_census) less the exempt ones; reported: the day's report_rollup
      count of the level less the reports of units switched off since or
      exempt (few rows, indexed);
    - a level that need not report: only the units added one by one;
    - "holds stock" (subdistricts by default): the same, less the active
      units without an exception that hold no stock yet and what they
      reported (none, once every unit has received stock: indexed).
    The property test (tests/commands/test_obligations_property.py) checks
    it against the rule recomputed from the stored rows."""
    in_tree = scoping.subtree_clause(Unit.path, unit.path)
    return _obliged_counts_grouped(session, day, in_tree, unit.id, [unit.id]).get(unit.id, {})


def _obliged_counts_grouped(session: Session, day: datetime.date, in_tree, group, rolled_ids,
                            whole_subtrees: bool = True) -> dict:
    """`_obliged_counts` of several subtrees in one statement: group -> level
    -> (obliged, reported). `in_tree` is the condition on Unit of the units
    counted, `group` the column naming each unit's subtree (or, for one
    subtree, its root's id), `rolled_ids` the roots of the subtrees (their
    report_rollup rows). `whole_subtrees`: `in_tree` is the roots' whole
    subtrees, whose active units unit_census keeps; otherwise they are counted."""
    census.recount_noted(session)  # this transaction's own unit changes count too
    level_rules = obligations.rules(session)
    reported_on_day = and_(DailyReport.unit_id == Unit.id, DailyReport.day == day)
    one = isinstance(group, int)  # a constant is not grouped by (PostgreSQL reads GROUP BY 599 as a position)
    zero, key = literal(0), (literal(group) if one else group).label("grp")
    by = [Unit.level] if one else [key, Unit.level]
    if whole_subtrees:
        active = (select(literal("active").label("part"), UnitCensus.unit_id, UnitCensus.level,
                         UnitCensus.active_units.label("a"), zero.label("b"))
                  .where(UnitCensus.unit_id.in_(rolled_ids)))
    else:
        active = (select(literal("active").label("part"), key, Unit.level, func.count().label("a"), zero.label("b"))
                  .where(in_tree, Unit.active.is_(True)).group_by(*by))
    parts = [
        active,
        select(literal("rolled"), ReportRollup.unit_id, ReportRollup.level, ReportRollup.reported, zero)
        .where(ReportRollup.unit_id.in_(rolled_ids), ReportRollup.day == day),
        # The roots' own reports (report_rollup holds only what is below a unit), each its own level.
        select(literal("rolled"), DailyReport.unit_id, Unit.level, literal(1), zero)
        .join(Unit, Unit.id == DailyReport.unit_id).where(DailyReport.unit_id.in_(rolled_ids), DailyReport.day == day),
        select(literal("switched_off"), key, Unit.level, func.count(), zero).join(DailyReport, reported_on_day)
        .where(in_tree, Unit.active == false()).group_by(*by),  # ix_unit_switched_off
        select(case((ReportingException.obliged.is_(True), literal("added")), else_=literal("exempt")), key,
               Unit.level, func.count(), func.count(DailyReport.unit_id))
        .join(Unit, Unit.id == ReportingException.unit_id).outerjoin(DailyReport, reported_on_day)
        .where(in_tree, Unit.active.is_(True)).group_by(ReportingException.obliged, *by)]
    by_stock = [level for level, rule in level_rules.items() if rule == HOLDS_STOCK]
    if by_stock:
        # Active units of those levels without an exception that hold no stock on `day`: the
        # units never stocked (ix_unit_never_stocked), then those first stocked later.
        for no_stock_yet in (Unit.first_stock_on.is_(None), Unit.first_stock_on > day):
            parts.append(select(literal("no_stock"), key, Unit.level, func.count(), func.count(DailyReport.unit_id))
                         .outerjoin(ReportingException, ReportingException.unit_id == Unit.id)
                         .outerjoin(DailyReport, reported_on_day)
                         .where(in_tree, Unit.active.is_(True), Unit.level.in_(by_stock),
                                ReportingException.unit_id.is_(None), no_stock_yet)
                         .group_by(*by))
    # One round trip for all of it.
    rows: dict = defaultdict(lambda: (0, 0))
    for part, grp, level, a, b in session.execute(union_all(*parts)):
        before = rows[(grp, part, level)]
        rows[(grp, part, level)] = (before[0] + a, before[1] + b)  # the two "no_stock" parts add up
    results = {}
    for grp in {grp for grp, _part, _level in list(rows)}:
        result = results[grp] = {}
        for level, rule in level_rules.items():
            exempt, exempt_done = rows[(grp, "exempt", level)]
            added, added_done = rows[(grp, "added", level)]
            # Every active unit of the level is exempt, added, or without an exception; every
            # report of the level is a switched-off unit's, an exception's, or one without.
            plain = rows[(grp, "active", level)][0] - exempt - added
            plain_done = (rows[(grp, "rolled", level)][0] - rows[(grp, "switched_off", level)][0]
                          - exempt_done - added_done)
            if rule == ALWAYS and plain + added:
                result[level] = (plain + added, plain_done + added_done)
            elif rule == NEVER and added:
                result[level] = (added, added_done)
            elif rule == HOLDS_STOCK:
                no_stock, no_stock_done = rows[(grp, "no_stock", level)]
                if plain - no_stock or added:
                    result[level] = (plain - no_stock + added, plain_done - no_stock_done + added_done)
    return results


def completeness_of_children(session: Session, unit: Unit, day: datetime.date, kids: list) -> dict:
    """`completeness` of each of `kids` (active units directly below `unit`)
    in one statement: kid id -> its levels. Each unit of the subtree is
    counted under the kid whose path range holds it (one index range per kid)."""
    if not kids:
        return {}
    kid = aliased(Unit)
    upper = func.substr(kid.path, 1, func.length(kid.path) - 1).concat("0")  # scoping.subtree_clause's bound
    in_kid = and_(kid.parent_id == unit.id, kid.active.is_(True), Unit.path >= kid.path, Unit.path < upper)
    counts = _obliged_counts_grouped(session, day, in_kid, kid.id, [k.id for k in kids])
    return {k.id: _levels(k, counts.get(k.id, {})) for k in kids}


def completeness_with_children(session: Session, unit: Unit, day: datetime.date, kids: list):
    """(`completeness` of the unit, `completeness_of_children`) without
    counting the subtree twice: the unit's counts are its own row (the unit
    alone: in a subtree only the root has the root's level) plus the sum of
    its active children's, counted disjointly (the units under a switched-off
    child are switched off too, and count nowhere either way). The national
    page's two country-wide counts become one (~60 ms of ~220)."""
    by_kid = completeness_of_children(session, unit, day, kids)
    own = _obliged_counts_grouped(session, day, Unit.id == unit.id, unit.id, [unit.id],
                                  whole_subtrees=False).get(unit.id, {})
    totals = {level: list(counts) for level, counts in own.items()}
    for levels in by_kid.values():
        for row in levels:
            total = totals.setdefault(row["level"], [0, 0])
            total[0] += row["units"]
            total[1] += row["reported"]
    return _levels(unit, {level: tuple(counts) for level, counts in totals.items()}), by_kid


def unit_counts(session: Session, unit: Unit, day: Optional[datetime.date] = None) -> dict:
    """Units per level of the subtree that must report on `day` (default
    today): the denominators of "% reported"."""
    return {level: units for level, (units, _done) in _obliged_counts(session, unit, day or today()).items() if units}


def completeness(session: Session, unit: Unit, day: datetime.date) -> list[dict]:
    """Per level of the subtree: units that must report on `day`
    (app/queries/obligations.py), how many of them reported, and %. The unit
    itself counts too, for itself: the row of its own level is the unit alone
    (no unit has one of its own level below it, see
    app/commands/units.ALLOWED_PARENT_LEVELS) and comes first, marked `own`,
    so a municipality that reported with no units below shows 100%. A report
    of a unit that need not report counts nowhere."""
    return _levels(unit, _obliged_counts(session, unit, day))


def _levels(unit: Unit, counts: dict) -> list[dict]:
    """Completeness rows from level -> (units that must report, of them
    reported): one shape for the day's page and for every day of the trend."""
    levels = []
    for level in LEVEL_ORDER:
        total, done = counts.get(level.value, (0, 0))
        if total:
            levels.append({"level": level.value, "units": total, "reported": done, "missing": total - done,
                           "percent": round(100.0 * done / total, 1), "own": level.value == unit.level})
    return levels


def completeness_trend(session: Session, unit: Unit, start: datetime.date, end: datetime.date,
                       levels_at_end: Optional[list] = None) -> list[dict]:
    """% of the subtree's units that reported, for each day from `start` to
    `end` (days nobody reported included, at 0), from one range scan of the
    report rollups. The denominators are the units that must report at `end`
    (unit_counts); a day's numerator is the rollup's count of the level,
    capped at that. So the trend is exact where every unit of a level must
    report and none is exempt; a report of an exempt or switched-off unit, or
    of a subdistrict before it held stock, may count in the trend but never on
    the day's page (completeness), which is exact (README, "History").
    `levels_at_end`: `completeness` of `end` when the caller has it already
    (the dashboard's today): the country's count is ~85 ms, not to be paid twice."""
    totals = ({level["level"]: level["units"] for level in levels_at_end} if levels_at_end is not None
              else unit_counts(session, unit, end))
    by_day: dict = {}
    below = select(ReportRollup.day, ReportRollup.level, ReportRollup.reported).where(
        ReportRollup.unit_id == unit.id, ReportRollup.day.between(start, end))
    own = select(DailyReport.day, literal(unit.level), literal(1)).where(  # report_rollup holds what is below
        DailyReport.unit_id == unit.id, DailyReport.day.between(start, end))
    for day, level, count in session.execute(union_all(below, own)):
        by_day.setdefault(day, {})[level] = count
    days = []
    for offset in range((end - start).days + 1):
        day = start + datetime.timedelta(days=offset)
        reported = by_day.get(day, {})
        levels = _levels(unit, {level: (total, min(reported.get(level, 0), total)) for level, total in totals.items()})
        days.append({"day": day, "units": sum(level["units"] for level in levels),
                     "reported": sum(level["reported"] for level in levels), "percent": reported_percent(levels)})
    return days


def reported_percent(levels: list[dict]) -> Optional[float]:
    units = sum(level["units"] for level in levels)
    return round(100.0 * sum(level["reported"] for level in levels) / units, 1) if units else None


def not_reported(session: Session, unit: Unit, day: datetime.date, level: str, limit: int = 500,
                 columns=()) -> list:
    """Units of `level` in the subtree that must report on `day` and have not,
    by code: rows of (id, level, code, name_th, path, created_on, *columns),
    not ORM units (a large province's list has thousands; building each as an
    ORM object was a fifth of its page). `columns`: more per unit, correlated
    to Unit (app/queries/missing.py: the last report). The columns are added
    to obliged_units' own read of the units (joined to unit again, PostgreSQL
    scanned the whole country's units), and the day's report is looked up on
    its (unit_id, day) key."""
    return list(session.execute(
        obligations.obliged_units(session, unit, day).where(Unit.level == level)
        .add_columns(Unit.code, Unit.name_th, Unit.path, Unit.created_on, *columns)
        .where(~exists().where(DailyReport.unit_id == Unit.id, DailyReport.day == day))
        .order_by(Unit.code).limit(limit)).all())
