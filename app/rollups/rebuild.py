"""Recomputing every rollup from the documents, the ledger and the daily
reports (`flask masklog rebuild-rollups`), from the same contributions the
commands add incrementally (app/rollups/contributions.py)."""
from __future__ import annotations

from sqlalchemy import Column, Integer, MetaData, Table, delete, func, insert, literal, select, text, union_all
from sqlalchemy.orm import Session

from app.models.rollup import ROLLUP_FIGURES, DailyReport, DailyRollup, ReportRollup, RiskGroupRollup
from app.models.unit import Unit
from app.rollups.contributions import CONTRIBUTIONS
from app.scoping import ancestor_ids


def own_figures():
    """Each unit's own figures per item and day: one SELECT of (unit_id,
    item_id, day, figure...) per contribution, several rows per key; sum
    them per key."""
    parts = []
    for contribution in CONTRIBUTIONS:
        if contribution.daily is None:
            continue
        rows = contribution.source()
        figures = contribution.daily(rows.c)
        parts.append(select(rows.c.unit_id, rows.c.item_id, rows.c.day,
                            *[figures.get(name, literal(0)).label(name) for name in ROLLUP_FIGURES]))
    return union_all(*parts).subquery()


def own_risk_group_figures():
    """Each unit's own distribution per risk group, item and day."""
    parts = []
    for contribution in CONTRIBUTIONS:
        if contribution.risk_group is None:
            continue
        rows = contribution.source()
        distributed, people_reached = contribution.risk_group(rows.c)
        parts.append(select(rows.c.unit_id, rows.c.item_id, rows.c.day, rows.c.risk_group_id,
                            distributed.label("distributed"), people_reached.label("people_reached")))
    return union_all(*parts).subquery()


def _ancestor_table(session: Session, unit_ids: set) -> Table:
    """A temporary table of (unit, ancestor) pairs for `unit_ids`, from their paths."""
    ancestor = Table("rollup_ancestor", MetaData(), Column("unit_id", Integer, nullable=False, index=True),
                     Column("ancestor_id", Integer, nullable=False), prefixes=["TEMPORARY"])
    ancestor.create(session.connection())
    pairs = [{"unit_id": unit_id, "ancestor_id": above}
             for unit_id, path in session.execute(select(Unit.id, Unit.path)) if unit_id in unit_ids
             for above in ancestor_ids(path)]
    for start in range(0, len(pairs), 20000):
        session.execute(insert(ancestor), pairs[start:start + 20000])
    return ancestor


def rebuild(session: Session) -> dict:
    """Recompute every rollup in the caller's transaction; returns the rows
    written per table. All in SQL (INSERT ... SELECT), so it runs inside the
    database at national scale: own figures per unit are joined to (unit,
    ancestor) pairs and summed per ancestor."""
    if session.get_bind().dialect.name == "postgresql":
        # Big GROUP BYs: let them hash in memory instead of spilling to disk (this transaction only).
        session.execute(text("SET LOCAL work_mem = '256MB'"))
        # Writers add their deltas to these tables just before COMMIT: holding them
        # keeps any write from landing between the DELETE and the INSERTs below. A
        # writer waits and adds its delta on top of the rebuilt rows afterwards.
        session.execute(text("LOCK TABLE daily_rollup, risk_group_rollup, report_rollup, daily_report "
                             "IN SHARE ROW EXCLUSIVE MODE"))
    for model in (DailyRollup, RiskGroupRollup, ReportRollup):
        session.execute(delete(model))
    own = own_figures()
    active_ids = set(session.execute(select(own.c.unit_id).distinct()).scalars())
    active_ids.update(session.execute(select(DailyReport.unit_id).distinct()).scalars())
    ancestor = _ancestor_table(session, active_ids)

    session.execute(insert(DailyRollup).from_select(
        ["unit_id", "item_id", "day", *ROLLUP_FIGURES],
        select(ancestor.c.ancestor_id, own.c.item_id, own.c.day,
               *[func.coalesce(func.sum(own.c[name]), 0) for name in ROLLUP_FIGURES])
        .join(ancestor, ancestor.c.unit_id == own.c.unit_id)
        .group_by(ancestor.c.ancestor_id, own.c.item_id, own.c.day)
        # Written in key order, so each unit's history sits in a few pages and a
        # dashboard reads it without a random page read per day.
        .order_by(ancestor.c.ancestor_id, own.c.item_id, own.c.day)))

    groups = own_risk_group_figures()
    session.execute(insert(RiskGroupRollup).from_select(
        ["unit_id", "item_id", "day", "risk_group_id", "distributed", "people_reached"],
        select(ancestor.c.ancestor_id, groups.c.item_id, groups.c.day, groups.c.risk_group_id,
               func.sum(groups.c.distributed), func.sum(groups.c.people_reached))
        .join(ancestor, ancestor.c.unit_id == groups.c.unit_id)
        .group_by(ancestor.c.ancestor_id, groups.c.item_id, groups.c.day, groups.c.risk_group_id)
        .order_by(ancestor.c.ancestor_id, groups.c.item_id, groups.c.day, groups.c.risk_group_id)))

    session.execute(insert(ReportRollup).from_select(
        ["unit_id", "day", "level", "reported"],
        select(ancestor.c.ancestor_id, DailyReport.day, Unit.level, func.count())
        .join(ancestor, ancestor.c.unit_id == DailyReport.unit_id)
        .join(Unit, Unit.id == DailyReport.unit_id)
        .group_by(ancestor.c.ancestor_id, DailyReport.day, Unit.level)))
    # A failed rebuild rolls back, which drops the temporary table too.
    ancestor.drop(session.connection())
    return {model.__tablename__: session.execute(select(func.count()).select_from(model)).scalar()
            for model in (DailyRollup, RiskGroupRollup, ReportRollup)}


ROLLUP_TABLES = (
    (DailyRollup, ("unit_id", "item_id", "day"), ROLLUP_FIGURES),
    (RiskGroupRollup, ("unit_id", "item_id", "day", "risk_group_id"), ("distributed", "people_reached")),
    (ReportRollup, ("unit_id", "day", "level"), ("reported",)),
)


def snapshot(session: Session) -> dict:
    """Every rollup row as plain values (zero rows left out), for comparing an
    incremental state with a rebuild."""
    result = {}
    for model, key_columns, figures in ROLLUP_TABLES:
        rows = {}
        for row in session.execute(select(model)).scalars():
            values = tuple(getattr(row, name) for name in figures)
            if any(values):
                rows[tuple(getattr(row, name) for name in key_columns)] = values
        result[model.__tablename__] = rows
    return result
