"""The signed-in user, kept per app for a few seconds — checked against the
database on every request.

Every request needs its user with roles and unit (permissions, scoping).
Loading them took one query and ~1 ms of ORM work per request, a fifth of a
submission (bench/submissions.py). A snapshot of the loaded rows is kept per
app and merged into the request's session without SQL
(`Session.merge(load=False)`), so the request works on an ordinary attached
user.

Staleness rule (README, "Signed-in user cache"):
- every request first reads what may lock a user out or change their area:
  the user's active flag and unit, that unit's active flag and path (one
  compiled primary-key SELECT, `standing`). A snapshot that differs is not
  used, so a deactivated user, a user of a deactivated unit, a user moved to
  another unit or a unit moved elsewhere is refused or rescoped on the next
  request on every app server;
- a change committed through the ORM in this app (user, role, unit) drops
  the affected snapshots at once;
- a role change made on another app server reaches this one within
  USER_CACHE_SECONDS (default 10 s). 0 turns the cache off (then the user is
  loaded in full on every request, and `standing` is not needed).

The state lives in the Flask app (`app.extensions`), not in the module: two
apps in one process (the tests) behave like two app servers.
"""
from __future__ import annotations

import threading
import time
import weakref
from typing import Callable, Optional

from flask import current_app, has_app_context
from flask_appbuilder.security.sqla.models import Role
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.db.compiled import run_compiled
from app.models.unit import Unit
from app.models.user import MaskLogUser

_MAX_ENTRIES = 5000
_EXTENSION = "masklog_user_cache"


class _Cache:
    def __init__(self):
        self.lock = threading.Lock()
        self.entries: dict = {}  # (database, user id) -> (expires at, detached snapshot, generations)
        self.generation = 0  # bumped by a role or unit change: every snapshot is then stale
        self.user_generations: dict = {}  # user id -> bumped by a change of that user


_outside_apps = _Cache()  # code running without an app context (none in practice)
_all_caches: "weakref.WeakSet[_Cache]" = weakref.WeakSet([_outside_apps])


def _cache() -> _Cache:
    if not has_app_context():
        return _outside_apps
    extensions = current_app.extensions
    cache = extensions.get(_EXTENSION)
    if cache is None:
        cache = extensions.setdefault(_EXTENSION, _Cache())
        _all_caches.add(cache)
    return cache


def _standing_statement(_dialect):
    user, unit = MaskLogUser.__table__, Unit.__table__
    return (select(user.c.active, user.c.unit_id, unit.c.active, unit.c.path)
            .select_from(user.outerjoin(unit, unit.c.id == user.c.unit_id))
            .where(user.c.id == bindparam("user_id", type_=user.c.id.type)))


def standing(session: Session, user_id: int) -> Optional[tuple]:
    """(user active, unit id, unit active, unit path) as stored now; None
    when there is no such user."""
    row = run_compiled(session, "user_standing", _standing_statement, {"user_id": user_id}).first()
    return None if row is None else (bool(row[0]), row[1], None if row[2] is None else bool(row[2]), row[3])


def _standing_of(user: MaskLogUser) -> tuple:
    unit = user.unit
    return (bool(user.active), user.unit_id, None if unit is None else bool(unit.active),
            None if unit is None else unit.path)


def load_signed_in_user(session: Session, user_id: int, seconds: float,
                        load: Callable[[Session, int], Optional[MaskLogUser]]) -> Optional[MaskLogUser]:
    """The user `user_id`, attached to `session`: from the snapshot when it is
    fresh and agrees with the database's `standing`, otherwise from
    `load(session, user_id)` (which must bring roles and unit), leaving a new
    snapshot behind."""
    if seconds <= 0:
        return load(session, user_id)
    cache = _cache()
    now = time.monotonic()
    key = (session.get_bind().url, user_id)  # one app may serve two databases (the tests do)
    entry = cache.entries.get(key)
    # A snapshot is only good if no change was noted since its load began: a
    # request that loaded the user just before another thread committed a
    # change must not store what it read after that change's forget().
    generations = (cache.generation, cache.user_generations.get(user_id, 0))
    if entry is not None and entry[0] > now and entry[2] == generations:
        stored = standing(session, user_id)
        if stored is not None and stored == _standing_of(entry[1]):
            return session.merge(entry[1], load=False)
    user = load(session, user_id)
    if user is not None:
        snapshot = _detached_copy(user)
        with cache.lock:
            if len(cache.entries) >= _MAX_ENTRIES:
                cache.entries.clear()
            cache.entries[key] = (now + seconds, snapshot, generations)
    return user


def forget(user_ids=None) -> None:
    """Drop the snapshots of `user_ids`, or all of them, in this app (outside
    an app context: in every app of the process)."""
    for cache in ([_cache()] if has_app_context() else list(_all_caches)):
        _forget(cache, user_ids)


def _forget(cache: _Cache, user_ids) -> None:
    with cache.lock:
        if user_ids is None:
            cache.generation += 1
            cache.entries.clear()
        else:
            for user_id in user_ids:
                cache.user_generations[user_id] = cache.user_generations.get(user_id, 0) + 1
            for key in [key for key in cache.entries if key[1] in user_ids]:
                cache.entries.pop(key, None)


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
