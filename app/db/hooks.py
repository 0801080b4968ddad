"""Every SQLAlchemy session hook MaskLog installs, in one place, each with
why; installed once per process by create_app.

| event              | hook                                   | why |
|--------------------|----------------------------------------|-----|
| after_flush        | rollups.census.note_flushed_units      | units added, moved or switched through the ORM ... |
| before_commit      | rollups.census.recount_noted           | ... and by bulk statements are counted again (unit_census) |
| after_soft_rollback| rollups.census.discard_noted           | a rolled-back change is not recounted |
| before_commit      | rollups.pending.apply_pending          | rollup deltas written last, so the national row is locked only for COMMIT |
| after_commit       | rollups.pending.remember_committed_reports | a unit's later submissions that day skip the daily_report insert |
| after_soft_rollback| rollups.pending.discard_pending        | a rolled-back transaction's deltas never reach the rollups |
| after_commit       | db.compiled.inserted_rows_are_committed | rows inserted with RETURNING are real now |
| after_soft_rollback| db.compiled.forget_rolled_back_rows    | instances of rows that never were leave the session |
| after_flush        | user_cache.note_changes                | which signed-in users a change affects ... |
| after_commit       | user_cache.forget_committed_changes    | ... their cached copies are dropped once it commits |
| after_rollback     | user_cache.discard_notes               | ... and kept when it does not |

Per-process caches (each bounded; none holds data a write reads):

| cache                                   | holds                                   | fresh for |
|-----------------------------------------|-----------------------------------------|-----------|
| db/compiled.py `_compiled`              | compiled hot statements per dialect     | the process (text never changes) |
| rollups/pending.py `known_reports`      | (database, unit, day) already reported  | the process (restart after restoring a backup) |
| user_cache.py (per app)                 | signed-in user, roles, unit             | USER_CACHE_SECONDS (10 s), used only while the user's and unit's active flags, unit and path match the database (read every request); a change in this app drops it at once |
| queries/reference.py `_cache`           | active items and risk groups            | 60 s; an edit in this process clears it |
| queries/obligations.py `_rules_cache`  | who must report, per level (six rows)   | 60 s; a change in this process clears it |
| views/navbar.py `_cache`                | the rendered menu per user, roles, language | until roles or name change (the key) |
| assets.py                               | versioned static URLs                   | the process |
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from app import user_cache
from app.db import compiled
from app.rollups import census, pending

SESSION_HOOKS = (
    ("after_flush", census.note_flushed_units),
    ("before_commit", census.recount_noted),  # before the rollups: their national row is locked last
    ("after_soft_rollback", census.discard_noted),
    ("before_commit", pending.apply_pending),
    ("after_commit", pending.remember_committed_reports),
    ("after_soft_rollback", pending.discard_pending),
    ("after_commit", compiled.inserted_rows_are_committed),
    ("after_soft_rollback", compiled.forget_rolled_back_rows),
    ("after_flush", user_cache.note_changes),
    ("after_commit", user_cache.forget_committed_changes),
    ("after_rollback", user_cache.discard_notes),
)


def install_session_hooks() -> None:
    """Listen on every Session of the process (idempotent: tests make many apps)."""
    for name, hook in SESSION_HOOKS:
        if not event.contains(Session, name, hook):
            event.listen(Session, name, hook)
