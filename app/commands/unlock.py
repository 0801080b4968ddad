"""Unlock a user's sign-in before the lock expires (app/sign_in_limits.py): an
administrator's action — a province administrator for the users they manage,
the central administrator for anyone — and audited."""
from __future__ import annotations

from typing import Optional

from flask_babel import gettext
from sqlalchemy.orm import Session

from app.commands.users import can_manage_user
from app.db.audit import record
from app.errors import DomainError


def unlock_sign_in(session: Session, actor, user, limits) -> bool:
    """Lift the user's sign-in lock; False if it was not locked (nothing
    recorded). The caller's transaction commits the audit entry; a store
    error raises, so the entry is rolled back with it."""
    if not can_manage_user(actor, user):
        raise DomainError(gettext("You may not change this user."))
    if limits is None:
        return False
    try:
        until: Optional[float] = limits.locked_until("username", user.username)
        if until is None:
            return False
        record(session, actor, "unlock", "user", user.id, user.unit_id, after={"username": user.username})
        limits.unlock(user.username)
    except limits.store_errors as error:
        raise DomainError(gettext("Sign-in could not be unlocked: the sign-in counter store cannot be "
                                  "reached. Please try again.")) from error
    return True
