"""The one rule for a password, wherever one is set: the activation page (by
link or short code), FAB's administrator reset and "reset my password" forms,
and `flask masklog create-admin --password`. A person's password is only ever
chosen by that person: administrators create accounts without one and hand
out an activation sheet (app/commands/activation.py)."""
from __future__ import annotations

from typing import Optional

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from app.db.audit import record
from app.errors import DomainError

MIN_PASSWORD_LENGTH = 8
# The most common passwords (and Thai keyboard favourites) are refused outright.
COMMON_PASSWORDS = {
    "12345678", "123456789", "1234567890", "11111111", "00000000", "88888888", "12341234", "87654321",
    "password", "password1", "password123", "passw0rd", "qwerty12", "qwerty123", "qwertyui", "asdfghjk",
    "iloveyou", "abcd1234", "1q2w3e4r", "1qaz2wsx", "zaq12wsx", "admin123", "administrator", "welcome1",
    "letmein1", "sunshine", "football", "baseball", "superman", "trustno1", "thailand", "bangkok1",
    "masklog1", "masklog-demo", "changeme", "default1", "aaaaaaaa", "abc12345", "11223344", "12121212",
}


def check_password(username: Optional[str], password: Optional[str], confirm: Optional[str] = None) -> str:
    """The password if it may be used by this username; a Thai DomainError
    otherwise. `confirm` is compared when given (forms that check the second
    box themselves, and the CLI, pass None)."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(_("The password needs at least %(n)s characters.", n=MIN_PASSWORD_LENGTH))
    if confirm is not None and password != confirm:
        raise DomainError(_("The two passwords are not the same."))
    lowered = password.lower()
    username = (username or "").strip().lower()
    if username and username in lowered:
        raise DomainError(_("The password must not contain the username."))
    if lowered in COMMON_PASSWORDS or len(set(password)) <= 2:
        raise DomainError(_("This password is too common; please choose another."))
    return password


def hash_password(password: str) -> str:
    return generate_password_hash(
        password,
        method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
        salt_length=current_app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16),
    )


def set_password(session: Session, actor, user, password: Optional[str], confirm: Optional[str] = None,
                 activation: bool = False) -> None:
    """Check, hash and store a password; audited by `actor` as the account's
    activation (the user's first password) or a password reset. Does not commit."""
    check_password(user.username, password, confirm)
    user.password = hash_password(password)
    if activation:
        record(session, actor, "activate", "user", user.id, user.unit_id, before={"activated": False},
               after={"activated": True})
    else:
        record(session, actor, "reset_password", "user", user.id, user.unit_id)
