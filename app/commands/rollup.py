"""Keeping the rollups (app/models/rollup.py) as the data is written, and
rebuilding them from the documents and the ledger.

Commands call `add`, `add_risk_group` and `mark_reported` while they work; the
deltas wait in `session.info` and are written by `apply_pending` just before
COMMIT, in the same transaction (a SQLAlchemy `before_commit` hook). Writing
last keeps the national row — which every submission in the country touches —
locked only for the COMMIT round trip. Each table gets one multi-row upsert
(`figure = figure + excluded.figure`), rows in a fixed order (path, item,
day) so two transactions never lock the same rows in opposite orders.

Savepoints are not used anywhere in MaskLog; a rollback discards every
pending delta of the session."""
from __future__ import annotations

import datetime
from collections import defaultdict

from sqlalchemy import (Column, Integer, MetaData, Table, delete, event, func, insert, literal, select, text,
                        union_all)
from sqlalchemy.orm import Session

from app.commands.sql import BATCH_ROWS, dialect_insert, run_compiled, upsert_insert, values_binds, values_params
from app.models.ledger import (Adjustment, Allocation, AllocationLine, DailyCount, DailyCountLine, Distribution,
                               DistributionLine, LedgerLine)
from app.models.rollup import ROLLUP_FIGURES, DailyReport, DailyRollup, ReportRollup, RiskGroupRollup
from app.models.unit import Unit

_PENDING = "masklog_rollup_pending"


def ancestor_ids(path: str) -> list[int]:
    """The unit and every unit above it, root first: "/1/40/400/" -> [1, 40, 400]."""
    return [int(part) for part in path.strip("/").split("/") if part]


class _Pending:
    def __init__(self):
        # (unit_id, item_id, day) -> {figure: delta}; unit_id is the unit where it happened
        self.daily: dict = defaultdict(lambda: defaultdict(int))
        self.risk_groups: dict = defaultdict(lambda: [0, 0])
        self.reports: dict = {}  # (unit_id, day) -> (path, level, kind, actor_id)
        self.paths: dict = {}  # unit_id -> path

    def __bool__(self):
        return bool(self.daily or self.risk_groups or self.reports)


def _pending(session: Session) -> _Pending:
    pending = session.info.get(_PENDING)
    if pending is None:
        pending = session.info[_PENDING] = _Pending()
    return pending


def add(session: Session, unit: Unit, item_id: int, day: datetime.date, **figures: int) -> None:
    """Count figures of the day at `unit` (and so in every subtree above it)."""
    pending = _pending(session)
    pending.paths[unit.id] = unit.path
    row = pending.daily[(unit.id, item_id, day)]
    for name, delta in figures.items():
        row[name] += delta


def add_risk_group(session: Session, unit: Unit, item_id: int, day: datetime.date, risk_group_id: int,
                   distributed: int, people_reached: int) -> None:
    pending = _pending(session)
    pending.paths[unit.id] = unit.path
    row = pending.risk_groups[(unit.id, item_id, day, risk_group_id)]
    row[0] += distributed
    row[1] += people_reached


def mark_reported(session: Session, unit: Unit, day: datetime.date, kind: str, actor=None) -> None:
    """The unit reported on `day` (the first report of the day is the one kept)."""
    _pending(session).reports.setdefault((unit.id, day), (unit.path, unit.level, kind, getattr(actor, "id", None)))


def _expand(rows: dict, paths: dict) -> dict:
    """Spread each unit's deltas to the unit and all its ancestors."""
    totals: dict = {}
    for key, deltas in rows.items():
        unit_id, rest = key[0], key[1:]
        for ancestor in ancestor_ids(paths[unit_id]):
            target = totals.setdefault((ancestor, *rest), defaultdict(int) if isinstance(deltas, dict) else [0, 0])
            if isinstance(deltas, dict):
                for name, delta in deltas.items():
                    target[name] += delta
            else:
                target[0] += deltas[0]
                target[1] += deltas[1]
    return totals


def apply_pending(session: Session) -> None:
    """Write the session's pending deltas (one statement per table touched)."""
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    # SQLAlchemy fires before_commit before the final flush, and these writes do
    # not autoflush: flush first, so the rollup rows (the national one among
    # them) stay locked only for the COMMIT round trip.
    session.flush()
    if pending.daily:
        rows = [{"unit_id": unit_id, "item_id": item_id, "day": day,
                 **{name: deltas.get(name, 0) for name in ROLLUP_FIGURES}}
                for (unit_id, item_id, day), deltas in sorted(_expand(pending.daily, pending.paths).items())]
        _add_rows(session, DailyRollup, ("unit_id", "item_id", "day"), ROLLUP_FIGURES, rows)
    if pending.risk_groups:
        rows = [{"unit_id": unit_id, "item_id": item_id, "day": day, "risk_group_id": group_id,
                 "distributed": values[0], "people_reached": values[1]}
                for (unit_id, item_id, day, group_id), values
                in sorted(_expand(pending.risk_groups, pending.paths).items())]
        _add_rows(session, RiskGroupRollup, ("unit_id", "item_id", "day", "risk_group_id"),
                  ("distributed", "people_reached"), rows)
    if pending.reports:
        _apply_reports(session, pending.reports)


# (database, unit id, day) of reports known to be committed. Every officer of a
# unit submitting the same day would otherwise insert the same daily_report row,
# and PostgreSQL makes each such insert wait for the previous one's COMMIT: the
# unit's submissions would run one at a time. Report rows are never deleted,
# so "known" stays true; the set is per process and cleared when it grows large.
# (A database restored from a backup behind running servers needs a restart.)
_known_reports: set = set()
_KNOWN_LIMIT = 500_000
_TO_REMEMBER = "masklog_reports_to_remember"


def _database(session: Session) -> str:
    return str(session.get_bind().url)


def _apply_reports(session: Session, reports: dict) -> None:
    """Record the day's first report of each unit; only reports that are new
    (the insert returned them) count in the report rollups above."""
    database = _database(session)
    reports = {key: value for key, value in reports.items() if (database, *key) not in _known_reports}
    if not reports:
        return
    now = datetime.datetime.utcnow()
    statement = upsert_insert(session, DailyReport).values([
        {"unit_id": unit_id, "day": day, "first_kind": kind, "actor_id": actor_id, "created_on": now}
        for (unit_id, day), (_path, _level, kind, actor_id) in sorted(reports.items())])
    new = [tuple(row) for row in session.execute(statement.on_conflict_do_nothing(index_elements=["unit_id", "day"])
                                                 .returning(DailyReport.unit_id, DailyReport.day))]
    if len(_known_reports) > _KNOWN_LIMIT:
        _known_reports.clear()
    # Not returned: another transaction's row, already committed (the insert waited for it).
    _known_reports.update((database, *key) for key in reports if key not in set(new))
    session.info.setdefault(_TO_REMEMBER, []).extend((database, *key) for key in new)
    if not new:
        return
    counts: dict = defaultdict(int)
    for unit_id, day in new:
        path, level, _kind, _actor = reports[(unit_id, day)]
        for ancestor in ancestor_ids(path):
            counts[(ancestor, day, level)] += 1
    _add_rows(session, ReportRollup, ("unit_id", "day", "level"), ("reported",),
              [{"unit_id": u, "day": d, "level": lvl, "reported": n} for (u, d, lvl), n in sorted(counts.items())])


def _add_rows(session: Session, model, key: tuple, figures: tuple, rows: list) -> None:
    """Multi-row upserts adding `figures` of `rows` (sorted by key) to the rows
    with the same `key`, in key order. Compiled once per process and number of
    rows (app/commands/sql.py), in batches of at most BATCH_ROWS rows."""
    table, columns = model.__table__, key + tuple(figures)
    for start in range(0, len(rows), BATCH_ROWS):
        batch = rows[start:start + BATCH_ROWS]

        def build(dialect_name, size=len(batch)):
            statement = dialect_insert(dialect_name, table).values(values_binds(table, columns, size))
            return statement.on_conflict_do_update(
                index_elements=list(key),
                set_={name: table.c[name] + getattr(statement.excluded, name) for name in figures})

        run_compiled(session, ("add_rows", table.name, columns, len(batch)), build, values_params(batch, columns))



@event.listens_for(Session, "after_commit")
def _remember_committed_reports(session: Session) -> None:
    _known_reports.update(session.info.pop(_TO_REMEMBER, ()))


@event.listens_for(Session, "before_commit")
def _write_before_commit(session: Session) -> None:
    apply_pending(session)


@event.listens_for(Session, "after_soft_rollback")
def _discard_after_rollback(session: Session, previous_transaction) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_TO_REMEMBER, None)


# ---------------------------------------------------------------- rebuild

def own_figures():
    """Each unit's own figures per item and day, recomputed from the documents
    (flows) and the ledger (net change): a SELECT of (unit_id, item_id, day,
    figure...) rows, several per key; sum them per key."""
    zero = {name: literal(0) for name in ROLLUP_FIGURES}

    def part(unit_id, item_id, day, **figures):
        columns = {**zero, **figures}
        return select(unit_id.label("unit_id"), item_id.label("item_id"), day.label("day"),
                      *[columns[name].label(name) for name in ROLLUP_FIGURES])

    signed_counts = (select(DailyCount.unit_id, DailyCount.item_id, DailyCount.count_date, DailyCountLine)
                     .join(DailyCountLine, DailyCountLine.count_id == DailyCount.id)
                     .where(DailyCount.status == "signed").subquery())
    allocations = (select(Allocation.unit_id.label("sender_id"), Allocation.item_id, Allocation.allocation_date,
                          AllocationLine.unit_id.label("receiver_id"), AllocationLine.quantity_sent,
                          AllocationLine.status, AllocationLine.confirmed_quantity, AllocationLine.discrepancy,
                          AllocationLine.confirm_date)
                   .join(AllocationLine, AllocationLine.allocation_id == Allocation.id).subquery())
    distributions = (select(Distribution.id, Distribution.unit_id, Distribution.item_id,
                            Distribution.distribution_date, DistributionLine.quantity,
                            DistributionLine.people_reached)
                     .join(DistributionLine, DistributionLine.distribution_id == Distribution.id).subquery())
    reversals = (select(LedgerLine.entry_date, distributions.c.unit_id, distributions.c.item_id,
                        distributions.c.quantity, distributions.c.people_reached)
                 .join(distributions, distributions.c.id == LedgerLine.document_id)
                 .where(LedgerLine.kind == "reversal", LedgerLine.document_type == "distribution").subquery())
    confirmed = allocations.c.status == "confirmed"
    return union_all(
        part(signed_counts.c.unit_id, signed_counts.c.item_id, signed_counts.c.count_date,
             received=signed_counts.c.quantity_sent, counted=signed_counts.c.counted,
             count_discrepancy=signed_counts.c.damaged + signed_counts.c.missing),
        part(allocations.c.sender_id, allocations.c.item_id, allocations.c.allocation_date,
             allocated_out=allocations.c.quantity_sent),
        part(allocations.c.receiver_id, allocations.c.item_id, allocations.c.allocation_date,
             in_transit_change=allocations.c.quantity_sent),
        part(allocations.c.receiver_id, allocations.c.item_id, allocations.c.confirm_date,
             confirmed_in=allocations.c.confirmed_quantity, transfer_discrepancy=allocations.c.discrepancy,
             in_transit_change=-allocations.c.quantity_sent).where(confirmed),
        part(distributions.c.unit_id, distributions.c.item_id, distributions.c.distribution_date,
             distributed=distributions.c.quantity, people_reached=distributions.c.people_reached),
        part(reversals.c.unit_id, reversals.c.item_id, reversals.c.entry_date,
             distributed=-reversals.c.quantity, people_reached=-reversals.c.people_reached),
        part(Adjustment.unit_id, Adjustment.item_id, Adjustment.adjustment_date, adjusted=Adjustment.quantity),
        part(LedgerLine.unit_id, LedgerLine.item_id, LedgerLine.entry_date, net_change=LedgerLine.quantity),
    ).subquery()


def _own_risk_group_figures():
    """Each unit's own distribution per risk group, item and day; a reversed
    distribution counts negatively on the day of its reversal."""
    lines = (select(Distribution.id, Distribution.unit_id, Distribution.item_id, Distribution.distribution_date,
                    DistributionLine.risk_group_id, DistributionLine.quantity, DistributionLine.people_reached)
             .join(DistributionLine, DistributionLine.distribution_id == Distribution.id).subquery())
    return union_all(
        select(lines.c.unit_id, lines.c.item_id, lines.c.distribution_date.label("day"), lines.c.risk_group_id,
               lines.c.quantity.label("distributed"), lines.c.people_reached),
        select(lines.c.unit_id, lines.c.item_id, LedgerLine.entry_date, lines.c.risk_group_id,
               -lines.c.quantity, -lines.c.people_reached)
        .join(LedgerLine, LedgerLine.document_id == lines.c.id)
        .where(LedgerLine.kind == "reversal", LedgerLine.document_type == "distribution"),
    ).subquery()


def rebuild(session: Session) -> dict:
    """Recompute every rollup from the documents, the ledger and the daily
    reports, in the caller's transaction; returns the rows written per table.
    All in SQL (INSERT ... SELECT), so it runs inside the database at national
    scale: own figures per unit are joined to a temporary table of (unit,
    ancestor) pairs made from the paths and summed per ancestor."""
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
    # (unit, ancestor) pairs for the units that have any figure or report.
    active_ids = set(session.execute(select(own.c.unit_id).distinct()).scalars())
    active_ids.update(session.execute(select(DailyReport.unit_id).distinct()).scalars())
    ancestor = Table("rollup_ancestor", MetaData(), Column("unit_id", Integer, nullable=False, index=True),
                     Column("ancestor_id", Integer, nullable=False), prefixes=["TEMPORARY"])
    ancestor.create(session.connection())
    pairs = [{"unit_id": unit_id, "ancestor_id": above}
             for unit_id, path in session.execute(select(Unit.id, Unit.path)) if unit_id in active_ids
             for above in ancestor_ids(path)]
    for start in range(0, len(pairs), 20000):
        session.execute(insert(ancestor), pairs[start:start + 20000])
    written = {}

    session.execute(insert(DailyRollup).from_select(
        ["unit_id", "item_id", "day", *ROLLUP_FIGURES],
        select(ancestor.c.ancestor_id, own.c.item_id, own.c.day,
               *[func.coalesce(func.sum(own.c[name]), 0) for name in ROLLUP_FIGURES])
        .join(ancestor, ancestor.c.unit_id == own.c.unit_id)
        .group_by(ancestor.c.ancestor_id, own.c.item_id, own.c.day)
        # Written in key order, so each unit's history sits in a few pages and a
        # dashboard reads it without a random page read per day.
        .order_by(ancestor.c.ancestor_id, own.c.item_id, own.c.day)))

    groups = _own_risk_group_figures()
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
    for model in (DailyRollup, RiskGroupRollup, ReportRollup):
        written[model.__tablename__] = session.execute(select(func.count()).select_from(model)).scalar()
    return written


def snapshot(session: Session) -> dict:
    """Every rollup row as plain values (zero rows left out), for comparing an
    incremental state with a rebuild."""
    result = {}
    for model, key_columns, figures in (
            (DailyRollup, ("unit_id", "item_id", "day"), ROLLUP_FIGURES),
            (RiskGroupRollup, ("unit_id", "item_id", "day", "risk_group_id"), ("distributed", "people_reached")),
            (ReportRollup, ("unit_id", "day", "level"), ("reported",))):
        rows = {}
        for row in session.execute(select(model)).scalars():
            values = tuple(getattr(row, name) for name in figures)
            if any(values):
                rows[tuple(getattr(row, name) for name in key_columns)] = values
        result[model.__tablename__] = rows
    return result


# ---------------------------------------------------------------- moving a unit

_MOVED_TABLES = (
    ("daily_rollup", ("item_id", "day"), ROLLUP_FIGURES),
    ("risk_group_rollup", ("item_id", "day", "risk_group_id"), ("distributed", "people_reached")),
    ("report_rollup", ("day", "level"), ("reported",)),
)


def move_subtree_totals(session: Session, unit_id: int, old_path: str, new_path: str) -> None:
    """A unit moved to another parent takes its whole history with it: its own
    rows (which hold its subtree's totals) are subtracted from the ancestors it
    left and added to the ancestors it joined, in the caller's transaction."""
    old_above = set(ancestor_ids(old_path)[:-1])
    new_above = set(ancestor_ids(new_path)[:-1])
    for table_name, keys, figures in _MOVED_TABLES:
        match = " AND ".join(f"{table_name}.{key} = moved.{key}" for key in keys)
        for ancestor in sorted(old_above - new_above):
            session.execute(text(
                f"UPDATE {table_name} SET "
                + ", ".join(f"{name} = {table_name}.{name} - moved.{name}" for name in figures)
                + f" FROM {table_name} AS moved WHERE moved.unit_id = :moved AND {table_name}.unit_id = :ancestor"
                f" AND {match}"), {"moved": unit_id, "ancestor": ancestor})
        for ancestor in sorted(new_above - old_above):
            columns = ", ".join(("unit_id", *keys, *figures))
            session.execute(text(
                f"INSERT INTO {table_name} ({columns}) SELECT :ancestor, "
                + ", ".join((*keys, *figures))
                + f" FROM {table_name} WHERE unit_id = :moved"
                f" ON CONFLICT (unit_id, {', '.join(keys)}) DO UPDATE SET "
                + ", ".join(f"{name} = {table_name}.{name} + excluded.{name}" for name in figures)),
                {"moved": unit_id, "ancestor": ancestor})
