"""The signed-in user, kept per process for a few seconds.

Every request needs its user with roles and unit (permissions, scoping).
Loading them took one query and ~1 ms of ORM work per request, a fifth of a
submission (bench/submissions.py). A snapshot of the loaded rows is kept per
process and merged into the request's session without SQL
(`Session.merge(load=False)`), so the request works on an ordinary attached
user.

Staleness rule (README, "Signed-in user cache"):
- a change committed through the ORM in this process (user, role, unit) drops
  the affected snapshots at once;
- a change made by another app server reaches this one within
  USER_CACHE_SECONDS (default 10 s): a deactivated user or a removed role
  keeps working for at most that long there. 0 turns the cache off.
"""
from __future__ import annotations

import threading
import time
from typing import Callable, Optional

from flask_appbuilder.security.sqla.models import Role
from sqlalchemy.orm import Session

from app.models.unit import Unit
from app.models.user import MaskLogUser

_MAX_ENTRIES = 5000
_lock = threading.Lock()
_entries: dict = {}  # (database, user id) -> (expires at, detached snapshot, generations)
_generation = 0  # bumped by a role or unit change: every snapshot is then stale
_user_generations: dict = {}  # user id -> bumped by a change of that user


def load_signed_in_user(session: Session, user_id: int, seconds: float,
                        load: Callable[[Session, int], Optional[MaskLogUser]]) -> Optional[MaskLogUser]:
    """The user `user_id`, attached to `session`: from the snapshot when it is
    fresh, otherwise from `load(session, user_id)` (which must bring roles and
    unit), leaving a new snapshot behind."""
    if seconds <= 0:
        return load(session, user_id)
    now = time.monotonic()
    key = (session.get_bind().url, user_id)  # one process may serve two databases (the tests do)
    entry = _entries.get(key)
    # A snapshot is only good if no change was noted since its load began: a
    # request that loaded the user just before another thread committed a
    # change must not store what it read after that change's forget().
    generations = (_generation, _user_generations.get(user_id, 0))
    if entry is not None and entry[0] > now and entry[2] == generations:
        return session.merge(entry[1], load=False)
    user = load(session, user_id)
    if user is not None:
        snapshot = _detached_copy(user)
        with _lock:
            if len(_entries) >= _MAX_ENTRIES:
                _entries.clear()
            _entries[key] = (now + seconds, snapshot, generations)
    return user


def forget(user_ids=None) -> None:
    """Drop the snapshots of `user_ids`, or all of them."""
    global _generation
    with _lock:
        if user_ids is None:
            _generation += 1
            _entries.clear()
        else:
            for user_id in user_ids:
                _user_generations[user_id] = _user_generations.get(user_id, 0) + 1
            for key in [key for key in _entries if key[1] in user_ids]:
                _entries.pop(key, None)


def _detached_copy(user: MaskLogUser) -> MaskLogUser:
    """A copy of the freshly loaded user (and its loaded roles and unit) that
    belongs to no session, so later requests can merge it without SQL."""
    holder = Session()
    copy = holder.merge(user, load=False)
    holder.expunge_all()
    return copy


def note_bulk_unit_change(session: Session) -> None:
    """Units were changed by bulk statements, which the flush hook below does
    not see: drop every snapshot when this session commits."""
    session.info.setdefault("_masklog_user_changes", set()).add(None)


# ---------------------------------------------------------------- session hooks (app/db/hooks.py)

def note_changes(session, _flush_context):
    """after_flush: which users (None: every user) a committed change affects."""
    changed = session.info.setdefault("_masklog_user_changes", set())
    for instance in (*session.new, *session.dirty, *session.deleted):
        if isinstance(instance, MaskLogUser):
            changed.add(instance.id)
        elif isinstance(instance, (Role, Unit)):
            changed.add(None)


def forget_committed_changes(session):
    """after_commit: drop the snapshots the transaction made stale."""
    changed = session.info.pop("_masklog_user_changes", None)
    if changed:
        forget(None if None in changed else changed)


def discard_notes(session):
    """after_rollback: nothing changed after all."""
    session.info.pop("_masklog_user_changes", None)
