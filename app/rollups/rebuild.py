"""Recomputing every rollup from the documents, the ledger and the daily
reports (`flask masklog rebuild-rollups`), from the same contributions the
commands add incrementally (app/rollups/contributions.py)."""
from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, MetaData, Table, delete, func, insert, literal, select, text, union_all
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


def _unit_levels(session: Session) -> tuple[Table, int]:
    """A temporary table of every unit's parent and depth (root 1) from its
    path, and the deepest depth."""
    levels = Table("rollup_unit", MetaData(), Column("unit_id", Integer, primary_key=True),
                   Column("parent_id", Integer), Column("depth", Integer, nullable=False, index=True),
                   prefixes=["TEMPORARY"])
    levels.create(session.connection())
    rows = []
    for unit_id, path in session.execute(select(Unit.id, Unit.path)):
        chain = ancestor_ids(path)
        rows.append({"unit_id": unit_id, "parent_id": chain[-2] if len(chain) > 1 else None, "depth": len(chain)})
    for start in range(0, len(rows), 20000):
        session.execute(insert(levels), rows[start:start + 20000])
    return levels, max((row["depth"] for row in rows), default=0)


def _roll_up(session: Session, levels: Table, deepest: int, target, keys: list, figures: list, own,
             with_own: bool = True) -> None:
    """Fills `target` level by level from the deepest units up: a unit's row is
    its own rows plus its children's rows (written the step before), summed
    per key. Each row is summed once per level instead of once per ancestor,
    and the documents are read once (each unit's own sums, kept with its depth).
    Without `with_own` a unit's row holds only what is below it: its
    children's own rows plus their rows (report_rollup: a unit's own report
    is its daily_report row, not copied)."""
    key_names = [name for name in keys if name != "unit_id"]
    kept = Table(f"rollup_own_{target.name}", MetaData(),
                 *[Column(name, target.c[name].type) for name in keys],
                 *[Column(name, BigInteger) for name in figures],
                 Column("depth", Integer, nullable=False, index=True), prefixes=["TEMPORARY"])
    kept.create(session.connection())
    own_keys = [own.c.unit_id, *[own.c[name] for name in key_names]]
    session.execute(insert(kept).from_select(
        [*keys, *figures, "depth"],
        select(*own_keys, *[func.sum(own.c[name]) for name in figures], levels.c.depth)
        .join(levels, levels.c.unit_id == own.c.unit_id).group_by(*own_keys, levels.c.depth)))
    for depth in range(deepest if with_own else deepest - 1, 0, -1):
        if with_own:
            mine = select(*[kept.c[name] for name in keys], *[kept.c[name] for name in figures]).where(
                kept.c.depth == depth)
        else:  # the children's own rows, under their parent
            mine = (select(levels.c.parent_id.label("unit_id"), *[kept.c[name] for name in key_names],
                           *[kept.c[name] for name in figures])
                    .join(levels, levels.c.unit_id == kept.c.unit_id).where(kept.c.depth == depth + 1))
        if depth == deepest:  # no level below: its own sums are its rows as they are
            session.execute(insert(target).from_select(
                [*keys, *figures], mine.order_by(*[kept.c[name] for name in keys])))
            continue
        below = (select(levels.c.parent_id.label("unit_id"), *[target.c[name] for name in key_names],
                        *[target.c[name] for name in figures])
                 .join(levels, levels.c.unit_id == target.c.unit_id).where(levels.c.depth == depth + 1))
        rows = union_all(mine, below).subquery()
        grouping = [rows.c.unit_id, *[rows.c[name] for name in key_names]]
        session.execute(insert(target).from_select(
            [*keys, *figures],
            # Written in key order, so each unit's history sits in a few pages and a
            # dashboard reads it without a random page read per day.
            select(*grouping, *[func.coalesce(func.sum(rows.c[name]), 0) for name in figures])
            .group_by(*grouping).order_by(*grouping)))
    kept.drop(session.connection())


ROLLUPS = ("daily_rollup", "risk_group_rollup", "report_rollup")


def set_foreign_keys_aside(session: Session, tables=ROLLUPS) -> list[str]:
    """Drops the foreign keys of `tables` (PostgreSQL; nothing elsewhere);
    returns the statements that add them back, each checked over the whole
    table when run. For filling tables of a database nobody uses yet (the
    synthetic generator, around `rebuild(exclusive=True)`): a check per row
    written was a third of the national dataset's rollups (~7 million rows
    each probing unit and item); the check at the end is one join. Not inside
    `rebuild`: two connections rebuilding side by side would each lock the
    referenced tables (unit, item) to drop their keys, and deadlock."""
    if session.get_bind().dialect.name != "postgresql":
        return []
    rows = session.execute(text(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid::regclass::text = ANY(:tables) ORDER BY 1, 2"), {"tables": list(tables)}).all()
    for table, name, _definition in rows:
        session.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
    return [f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}' for table, name, definition in rows]


def rebuild(session: Session, tables=ROLLUPS, exclusive: bool = False) -> dict:
    """Recompute the rollups (`tables`, every one by default) in the caller's
    transaction; returns the rows written per table. All in SQL (INSERT ...
    SELECT), so it runs inside the database at national scale: each unit's own
    figures, then each level's rows from its own and its children's, from the
    deepest level up. The tables are independent: separate connections may
    rebuild them side by side (app/devtools/synthetic.py does).

    `exclusive`, for a database nobody uses yet (the synthetic generator, with
    `set_foreign_keys_aside`): on PostgreSQL the tables are emptied with
    TRUNCATE, which holds every reader off until the commit, so `flask masklog
    rebuild-rollups` never asks for it: there, dashboards keep reading the old
    rows until the new ones are committed."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    exclusive = exclusive and postgresql
    if postgresql:
        # Big GROUP BYs: let them hash in memory instead of spilling to disk (this transaction only).
        session.execute(text("SET LOCAL work_mem = '256MB'"))
        # Writers add their deltas to these tables just before COMMIT: holding them
        # keeps any write from landing between the DELETE and the INSERTs below. A
        # writer waits and adds its delta on top of the rebuilt rows afterwards.
        locked = [*tables, *(["daily_report"] if "report_rollup" in tables else [])]
        session.execute(text(f"LOCK TABLE {', '.join(locked)} IN SHARE ROW EXCLUSIVE MODE"))
    models = [model for model in (DailyRollup, RiskGroupRollup, ReportRollup) if model.__tablename__ in tables]
    for model in models:
        session.execute(text(f"TRUNCATE {model.__tablename__}") if exclusive else delete(model))
    levels, deepest = _unit_levels(session)
    daily_keys = ["unit_id", "item_id", "day"]
    if DailyRollup in models:
        _roll_up(session, levels, deepest, DailyRollup.__table__, daily_keys, list(ROLLUP_FIGURES), own_figures())
    if RiskGroupRollup in models:
        _roll_up(session, levels, deepest, RiskGroupRollup.__table__, [*daily_keys, "risk_group_id"],
                 ["distributed", "people_reached"], own_risk_group_figures())
    if ReportRollup in models:
        own_reports = (select(DailyReport.unit_id, DailyReport.day, Unit.level, literal(1).label("reported"))
                       .join(Unit, Unit.id == DailyReport.unit_id).subquery())
        _roll_up(session, levels, deepest, ReportRollup.__table__, ["unit_id", "day", "level"], ["reported"],
                 own_reports, with_own=False)
    # A failed rebuild rolls back, which drops the temporary table too.
    levels.drop(session.connection())
    return {model.__tablename__: session.execute(select(func.count()).select_from(model)).scalar()
            for model in models}


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
