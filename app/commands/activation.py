"""One-time activation links: a new user opens the link (or scans its QR code)
and chooses a password. The link is signed, expires after 14 days, stops
working once a password is set, and an administrator can reissue it (older
links then stop working too)."""
from __future__ import annotations

from typing import Optional

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from app.errors import DomainError
from app.db.audit import record
from app.commands.users import can_manage_user, hash_password
from app.models.user import MaskLogUser

MAX_AGE_SECONDS = 14 * 24 * 3600
MIN_PASSWORD_LENGTH = 8
# The most common passwords (and Thai keyboard favourites) are refused outright.
COMMON_PASSWORDS = {
    "12345678", "123456789", "1234567890", "11111111", "00000000", "88888888", "12341234", "87654321",
    "password", "password1", "password123", "passw0rd", "qwerty12", "qwerty123", "qwertyui", "asdfghjk",
    "iloveyou", "abcd1234", "1q2w3e4r", "1qaz2wsx", "zaq12wsx", "admin123", "administrator", "welcome1",
    "letmein1", "sunshine", "football", "baseball", "superman", "trustno1", "thailand", "bangkok1",
    "masklog1", "masklog-demo", "changeme", "default1", "aaaaaaaa", "abc12345", "11223344", "12121212",
}


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="masklog-activation")


def make_token(user: MaskLogUser) -> str:
    return _serializer().dumps({"u": user.id, "v": user.activation_version or 0})


def user_for_token(session: Session, token: str) -> MaskLogUser:
    """The user a valid, unused, current link belongs to; a Thai DomainError otherwise."""
    try:
        data = _serializer().loads(token, max_age=MAX_AGE_SECONDS)
    except SignatureExpired:
        raise DomainError(_("This activation link has expired (links last 14 days). Ask your administrator "
                            "for a new one."))
    except BadSignature:
        raise DomainError(_("This activation link is not valid. Check that it was copied whole."))
    user = session.get(MaskLogUser, data.get("u"))
    if user is None or not user.active:
        raise DomainError(_("This account does not exist or has been deactivated."))
    if user.password:
        raise DomainError(_("This link has already been used: the account has a password. Please sign in."))
    if (user.activation_version or 0) != data.get("v"):
        raise DomainError(_("A newer activation link was issued for this account; please use that one."))
    return user


def check_password_rules(user: MaskLogUser, password: Optional[str], confirm: Optional[str]) -> str:
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(_("The password needs at least %(n)s characters.", n=MIN_PASSWORD_LENGTH))
    if password != (confirm or ""):
        raise DomainError(_("The two passwords are not the same."))
    lowered = password.lower()
    if lowered == (user.username or "").lower() or (user.username and user.username.lower() in lowered):
        raise DomainError(_("The password must not contain the username."))
    if lowered in COMMON_PASSWORDS or len(set(password)) <= 2:
        raise DomainError(_("This password is too common; please choose another."))
    return password


def activate(session: Session, token: str, password: str, confirm: str) -> MaskLogUser:
    user = user_for_token(session, token)
    check_password_rules(user, password, confirm)
    user.password = hash_password(password)
    record(session, user, "activate", "user", user.id, user.unit_id, before={"activated": False},
           after={"activated": True})
    return user


def reissue(session: Session, actor, user: MaskLogUser) -> str:
    """A new link for a user who lost theirs; earlier links stop working."""
    if not can_manage_user(actor, user):
        raise DomainError(_("You may not change this user."))
    if user.password:
        raise DomainError(_("This user has already set a password; use password reset instead."))
    user.activation_version = (user.activation_version or 0) + 1
    record(session, actor, "reissue_activation", "user", user.id, user.unit_id,
           after={"activation_version": user.activation_version})
    return make_token(user)
