"""Idempotency-Key for the REST API's writes: a retried request (a script
that timed out, the phone's offline queue sending again) gets the first
answer back, never a second document.

The key is claimed by an `INSERT … ON CONFLICT DO NOTHING` in the same
transaction as the write, and the answer is stored in that row before COMMIT:
- the first request inserts the row, runs the operation, stores its answer;
- a copy arriving while the first is still running waits on the row's unique
  index entry (PostgreSQL), then finds it committed and answers what it holds;
- if the first one failed (a refused rule, a crash), its row rolled back with
  it, so the retry runs the operation itself — an error is never remembered;
- the same key with a different request (method, path or body) is refused, 422.
Keys are each user's own (two users may pick the same key) and kept
IDEMPOTENCY_KEEP_DAYS (`flask masklog forget-idempotency-keys` prunes them)."""
from __future__ import annotations

import datetime
import hashlib
import json
from typing import Optional

from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, select, update
from sqlalchemy.orm import Session

from app.api.errors import ApiError
from app.db.compiled import dialect_insert, run_compiled
from app.models.idempotency import ApiIdempotencyKey

HEADER = "Idempotency-Key"
MAX_KEY = 255
KEEP_DAYS = 30


def request_hash(body) -> str:
    """What makes two requests "the same": method, path and the JSON body (key order ignored)."""
    text = json.dumps([request.method, request.path, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def key_of_request() -> Optional[str]:
    key = request.headers.get(HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY or not key.isprintable():
        raise ApiError(400, _l("The Idempotency-Key header must be 1 to 255 printable characters."),
                       field=HEADER, code="invalid_idempotency_key")
    return key


def _claim_statement(dialect_name):
    table = ApiIdempotencyKey.__table__
    return dialect_insert(dialect_name, table).values(
        user_id=bindparam("user_id"), key=bindparam("key"), request_hash=bindparam("request_hash"),
        created_on=bindparam("created_on", type_=table.c.created_on.type),
    ).on_conflict_do_nothing(index_elements=["user_id", "key"])


def _remember_statement(_dialect_name):
    table = ApiIdempotencyKey.__table__
    return (update(table).where(table.c.user_id == bindparam("user_id"), table.c.key == bindparam("key"))
            .values(status_code=bindparam("status_code"), response=bindparam("response")))


def claim(session: Session, user_id: int, key: str, hashed: str) -> Optional[tuple[int, dict]]:
    """None: this request now holds the key (it runs the write, then calls
    `remember`). Otherwise (status, body): the answer the key's first request got.
    Both statements are compiled once (app/db/compiled.py): SQLAlchemy never
    caches an INSERT … ON CONFLICT, and every scripted write pays them."""
    claimed = run_compiled(session, "idempotency.claim", _claim_statement, {
        "user_id": user_id, "key": key, "request_hash": hashed, "created_on": datetime.datetime.utcnow()})
    if claimed.rowcount == 1:
        return None
    row = session.execute(select(ApiIdempotencyKey).where(
        ApiIdempotencyKey.user_id == user_id, ApiIdempotencyKey.key == key)
        .execution_options(populate_existing=True)).scalar_one()
    if row.request_hash != hashed:
        raise ApiError(422, _l("This Idempotency-Key was already used for a different request. "
                               "Use a new key for a new request."), field=HEADER, code="idempotency_key_reused")
    if row.status_code is None:  # cannot be seen committed, but never answer nothing
        raise ApiError(409)
    return row.status_code, json.loads(row.response)


def remember(session: Session, user_id: int, key: str, status: int, body: dict) -> None:
    """Store the answer in the claimed row (same transaction as the write)."""
    run_compiled(session, "idempotency.remember", _remember_statement, {
        "user_id": user_id, "key": key, "status_code": status,
        "response": json.dumps(body, ensure_ascii=False, default=str)})


def forget_older_than(session: Session, days: int = KEEP_DAYS) -> int:
    """Delete keys older than `days`; returns how many (the caller commits)."""
    cutoff = datetime.datetime.utcnow() - datetime.timedelta(days=days)
    return session.execute(delete(ApiIdempotencyKey).where(ApiIdempotencyKey.created_on < cutoff)).rowcount
