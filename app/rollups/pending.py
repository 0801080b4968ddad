"""Keeping the rollups as the data is written.

Commands call `contribute` (app/rollups/contributions.py) and `mark_reported`
while they work; the deltas wait in `session.info` and are written by
`apply_pending` just before COMMIT, in the same transaction (a `before_commit`
session hook, installed by app/db/hooks.py). Writing last keeps the national
row — which every submission in the country touches — locked only for the
COMMIT round trip. Each table gets one multi-row upsert (`figure = figure +
excluded.figure`), rows in a fixed order (unit, item, day) so two
transactions never lock the same rows in opposite orders.

Savepoints are not used anywhere in MaskLog; a rollback discards every
pending delta of the session."""
from __future__ import annotations

import datetime
from collections import defaultdict

from sqlalchemy.orm import Session

from app.db.compiled import BATCH_ROWS, dialect_insert, run_compiled, upsert_insert, values_binds, values_params
from app.models.rollup import ROLLUP_FIGURES, DailyReport, DailyRollup, ReportRollup, RiskGroupRollup
from app.models.unit import Unit
from app.scoping import ancestor_ids

_PENDING = "masklog_rollup_pending"


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


def contribute(session: Session, contribution, unit: Unit, item_id: int, day: datetime.date, row) -> None:
    """Add what `row` contributes at `unit` on `day` (and so to every subtree above it)."""
    pending = _pending(session)
    pending.paths[unit.id] = unit.path
    if contribution.daily is not None:
        figures = pending.daily[(unit.id, item_id, day)]
        for name, delta in contribution.daily(row).items():
            figures[name] += delta
    if contribution.risk_group is not None:
        distributed, people_reached = contribution.risk_group(row)
        figures = pending.risk_groups[(unit.id, item_id, day, row.risk_group_id)]
        figures[0] += distributed
        figures[1] += people_reached


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
    """Write the session's pending deltas (one statement per table touched):
    the `before_commit` hook."""
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
known_reports: set = set()
_KNOWN_LIMIT = 500_000
_TO_REMEMBER = "masklog_reports_to_remember"


def _apply_reports(session: Session, reports: dict) -> None:
    """Record the day's first report of each unit; only reports that are new
    (the insert returned them) count in the report rollups above."""
    database = str(session.get_bind().url)
    reports = {key: value for key, value in reports.items() if (database, *key) not in known_reports}
    if not reports:
        return
    now = datetime.datetime.utcnow()
    statement = upsert_insert(session, DailyReport).values([
        {"unit_id": unit_id, "day": day, "first_kind": kind, "actor_id": actor_id, "created_on": now}
        for (unit_id, day), (_path, _level, kind, actor_id) in sorted(reports.items())])
    new = [tuple(row) for row in session.execute(statement.on_conflict_do_nothing(index_elements=["unit_id", "day"])
                                                 .returning(DailyReport.unit_id, DailyReport.day))]
    if len(known_reports) > _KNOWN_LIMIT:
        known_reports.clear()
    # Not returned: another transaction's row, already committed (the insert waited for it).
    known_reports.update((database, *key) for key in reports if key not in set(new))
    session.info.setdefault(_TO_REMEMBER, []).extend((database, *key) for key in new)
    if not new:
        return
    counts: dict = defaultdict(int)
    for unit_id, day in new:
        path, level, _kind, _actor = reports[(unit_id, day)]
        for ancestor in ancestor_ids(path)[:-1]:  # the units above: its own report is the daily_report row
            counts[(ancestor, day, level)] += 1
    _add_rows(session, ReportRollup, ("unit_id", "day", "level"), ("reported",),
              [{"unit_id": u, "day": d, "level": lvl, "reported": n} for (u, d, lvl), n in sorted(counts.items())])


def _add_rows(session: Session, model, key: tuple, figures: tuple, rows: list) -> None:
    """Multi-row upserts adding `figures` of `rows` (sorted by key) to the rows
    with the same `key`, in key order. Compiled once per process and number of
    rows (app/db/compiled.py), in batches of at most BATCH_ROWS rows."""
    table, columns = model.__table__, key + tuple(figures)
    for start in range(0, len(rows), BATCH_ROWS):
        batch = rows[start:start + BATCH_ROWS]

        def build(dialect_name, size=len(batch)):
            statement = dialect_insert(dialect_name, table).values(values_binds(table, columns, size))
            return statement.on_conflict_do_update(
                index_elements=list(key),
                set_={name: table.c[name] + getattr(statement.excluded, name) for name in figures})

        run_compiled(session, ("add_rows", table.name, columns, len(batch)), build, values_params(batch, columns))


# ---------------------------------------------------------------- session hooks (app/db/hooks.py)

# Goes up whenever this process commits a unit's first report of a day: what
# is derived from the reports and kept for a while (the menu's count of units
# not reported, app/views/navbar.py) is recomputed at once in this process.
reports_generation = 0


def remember_committed_reports(session: Session) -> None:
    """after_commit: the day's reports this transaction wrote are now known."""
    global reports_generation
    new = session.info.pop(_TO_REMEMBER, ())
    if new:
        known_reports.update(new)
        reports_generation += 1


def discard_pending(session: Session, _previous_transaction=None) -> None:
    """after_soft_rollback: deltas of a rolled-back transaction are forgotten."""
    session.info.pop(_PENDING, None)
    session.info.pop(_TO_REMEMBER, None)
