"""The kept count of active units per level below each unit (unit_census,
app/models/rollup.UnitCensus): completeness's denominators without counting
the subtree on every page.

Units change seldom (an administrator adds, moves or switches off a unit; the
DOPA list is synced), so the counts are not adjusted by deltas: the units a
change touches note their paths in the transaction (`note_changed`, or the
flush hook for ORM units), and just before COMMIT the subtrees at those paths
and every unit above them are counted again from the unit table. A unit added
under a province recounts the province and the country (~20 ms at national
size); an import of hundreds of units recounts them once."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import and_, delete, func, insert, inspect, or_, select
from sqlalchemy.orm import Session, aliased

from app import scoping
from app.models.rollup import UnitCensus
from app.models.unit import Unit

_PENDING = "_masklog_census_paths"
EVERY_UNIT = "/"  # a "path" whose recount is the whole census

# The attributes of a unit the counts depend on.
_COUNTED_ATTRIBUTES = ("active", "path", "parent_id", "level")


def note_changed(session: Session, path: str) -> None:
    """The units at `path` and below were added, moved or switched on or off
    by a bulk statement (the flush hook sees only ORM units): recount that
    subtree and every unit above it before this transaction commits."""
    if path:
        session.info.setdefault(_PENDING, set()).add(path)


def _census_rows(roots):
    """INSERT … SELECT of the census rows of the units `roots` (a condition on
    the aliased root unit): each member lies in its root's path range
    [root.path, root.path less its last '/' + '0')."""
    root, member = aliased(Unit), aliased(Unit)
    upper = func.substr(root.path, 1, func.length(root.path) - 1).concat("0")
    rows = (select(root.id, member.level, func.count())
            .join(member, and_(member.path >= root.path, member.path < upper))
            .where(member.active.is_(True), roots(root)).group_by(root.id, member.level))
    return insert(UnitCensus).from_select(["unit_id", "level", "active_units"], rows)


def recount_all(session: Session) -> None:
    """The whole census again from the units (rebuild-rollups, a DOPA sync,
    the synthetic generator): each active unit counted under its own id and
    every id of its path, here (SQLite plans the range join of every unit
    with its subtree as a scan per unit: 7 s for the demo's 8,442 units)."""
    counts: Counter = Counter()
    for path, level in session.execute(select(Unit.path, Unit.level).where(Unit.active.is_(True))):
        for unit_id in scoping.ancestor_ids(path):
            counts[(unit_id, level)] += 1
    session.execute(delete(UnitCensus))
    rows = [{"unit_id": unit_id, "level": level, "active_units": units} for (unit_id, level), units in counts.items()]
    for start in range(0, len(rows), 10_000):
        session.execute(insert(UnitCensus), rows[start:start + 10_000])


def recount(session: Session, paths) -> None:
    """The census rows of every unit in the subtrees at `paths` and of every
    unit above them, from the units as they are in this transaction."""
    paths = set(paths)
    if EVERY_UNIT in paths:
        recount_all(session)
        return
    above = sorted({unit_id for path in paths for unit_id in scoping.ancestor_ids(path)})

    def roots(unit):
        return or_(unit.id.in_(above), *(scoping.subtree_clause(unit.path, path) for path in sorted(paths)))

    root_ids = select(Unit.id).where(roots(Unit))
    session.execute(delete(UnitCensus).where(UnitCensus.unit_id.in_(root_ids)))
    session.execute(_census_rows(roots))


# ---------------------------------------------------------------- session hooks (app/db/hooks.py)

def note_flushed_units(session: Session, _flush_context) -> None:
    """after_flush: a unit added (or deleted), or one whose status, parent or
    path changed through the ORM (the unit forms), is noted with its old and
    new paths."""
    for instance in (*session.new, *session.dirty, *session.deleted):
        if not isinstance(instance, Unit):
            continue
        state = inspect(instance)
        if instance in session.new or instance in session.deleted:
            note_changed(session, instance.path)
            continue
        for name in _COUNTED_ATTRIBUTES:
            history = state.attrs[name].history
            if history.has_changes():
                note_changed(session, instance.path)
                for old_path in (history.deleted if name == "path" else ()):
                    note_changed(session, old_path)


def recount_noted(session: Session) -> None:
    """before_commit: recount what the transaction changed. The country's row
    is locked first (FOR NO KEY UPDATE: documents referring to it still go
    in), so two changes recount one after the other and the second counts
    with the first committed."""
    session.flush()  # the ORM units changed since the last flush note themselves now
    if not session.info.get(_PENDING):
        return
    paths = session.info.pop(_PENDING, set())
    tops = {scoping.ancestor_ids(path)[0] for path in paths if path != EVERY_UNIT}
    if EVERY_UNIT in paths:
        tops = set(session.execute(select(Unit.id).where(Unit.parent_id.is_(None))).scalars())
    if tops:
        session.execute(select(Unit.id).where(Unit.id.in_(sorted(tops))).with_for_update(key_share=True))
    recount(session, paths)


def discard_noted(session: Session, _previous_transaction=None) -> None:
    """after_soft_rollback: nothing to recount after all."""
    session.info.pop(_PENDING, None)
