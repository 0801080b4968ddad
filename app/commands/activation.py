"""One-time activation: a new user opens the link (or scans its QR code, or
types the short code printed beside it) and chooses a password.

A link is signed and carries (user id, activation_version) and the day it was
printed: its timestamp is the start of that day, Thai time, so every link
printed on one day is the same link, and it stops working 14 days after that
day began. It also stops once a password is set or when an administrator
reissues it (activation_version goes up).

The short code is not stored: it is an HMAC, keyed by SECRET_KEY, of exactly
what the link carries (user id, activation_version, print day). So it stops
working exactly when its link does: the code is checked by rebuilding that
day's link and checking the link. It is 8 characters of an alphabet without
look-alikes (no 0/O, 1/I/L), typed case-insensitively with the username.
Guesses are bounded per username: a wrong code counts as a failed sign-in
(FAB's fail_login_count goes up and the audit trail says "sign-in failed");
after MAX_WRONG_CODES the code is refused until an administrator reissues the
link (which resets the count) — the QR link keeps working meanwhile."""
from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import DomainError
from app.db.audit import record
from app.commands.passwords import set_password
from app.commands.users import can_manage_user, normalise_username
from app.models.user import MaskLogUser

MAX_AGE_SECONDS = 14 * 24 * 3600
DAY_SECONDS = 24 * 3600
THAI_OFFSET_SECONDS = 7 * 3600  # days start at midnight in Thailand (UTC+7, no summer time)
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0 O 1 I L
CODE_LENGTH = 8
MAX_WRONG_CODES = 5
RECOGNISED_EXTRA_DAYS = 30


def issue_day() -> int:
    """Today's number (days since 1970-01-01, Thai time): the day a link printed now carries."""
    return int(time.time() + THAI_OFFSET_SECONDS) // DAY_SECONDS


def _day_start(day: int) -> int:
    return day * DAY_SECONDS - THAI_OFFSET_SECONDS


@lru_cache(maxsize=32)
def _signer_for_day(day: int):
    class DaySigner(TimestampSigner):
        def get_timestamp(self) -> int:
            return _day_start(day)
    return DaySigner


def _serializer(day: Optional[int] = None) -> URLSafeTimedSerializer:
    signer = _signer_for_day(issue_day() if day is None else day)
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="masklog-activation", signer=signer)


def make_token(user: MaskLogUser, day: Optional[int] = None) -> str:
    return _serializer(day).dumps({"u": user.id, "v": user.activation_version or 0})


def short_code(user: MaskLogUser, day: Optional[int] = None) -> str:
    """The code printed beside the link of this user, version and day."""
    day = issue_day() if day is None else day
    message = f"masklog-activation-code:{user.id}:{user.activation_version or 0}:{day}".encode()
    key = current_app.config["SECRET_KEY"]
    digest = hmac.new(key.encode() if isinstance(key, str) else key, message, hashlib.sha256).digest()
    number = int.from_bytes(digest[:10], "big")
    chars = []
    for _i in range(CODE_LENGTH):
        number, index = divmod(number, len(CODE_ALPHABET))
        chars.append(CODE_ALPHABET[index])
    return "".join(chars)


def format_code(code: str) -> str:
    """As printed: two groups of four, easier to read out and type."""
    return f"{code[:4]}-{code[4:]}"


def _clean_code(typed: Optional[str]) -> str:
    return "".join(ch for ch in (typed or "").upper() if ch.isalnum())


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


@dataclass
class CodeResult:
    token: Optional[str] = None  # the link the code stands for, when it is right
    error: Optional[str] = None


def redeem_code(session: Session, username: Optional[str], typed_code: Optional[str],
                ip: Optional[str] = None) -> CodeResult:
    """The activation link a (username, short code) pair stands for. A wrong
    code is written down as a failed sign-in, so the caller commits in both
    cases; errors come back in the result instead of a DomainError (which
    would roll the count back)."""
    username = normalise_username(username)
    code = _clean_code(typed_code)
    wrong = _("The username or the code is not right. Check both on your activation sheet.")
    if not username or not code:
        return CodeResult(error=_("Please type your username and the code from your activation sheet."))
    user = session.execute(select(MaskLogUser).where(func.lower(MaskLogUser.username) == username)).scalars().first()
    if user is None or not user.active:
        return CodeResult(error=wrong)
    if (user.fail_login_count or 0) >= MAX_WRONG_CODES:
        return CodeResult(error=_("Too many wrong attempts for this username. Scan the QR code on your sheet, "
                                  "or ask your administrator to issue a new activation link."))
    # The print days a code may come from: the link's 14 days and a month more,
    # so that an expired code says so (by its link's own check) instead of "wrong".
    today = issue_day()
    for day in range(today, today - MAX_AGE_SECONDS // DAY_SECONDS - RECOGNISED_EXTRA_DAYS, -1):
        if len(code) == CODE_LENGTH and hmac.compare_digest(code, short_code(user, day)):
            token = make_token(user, day)
            try:
                user_for_token(session, token)  # the code stops exactly when its link stops
            except DomainError as error:
                return CodeResult(error=str(error))
            return CodeResult(token=token)
    user.fail_login_count = (user.fail_login_count or 0) + 1
    record(session, None, "login_failed", "user", user.id, user.unit_id,
           after={"username": username, "ip": ip, "via": "activation_code"})
    return CodeResult(error=wrong)


def activate(session: Session, token: str, password: str, confirm: str) -> MaskLogUser:
    user = user_for_token(session, token)
    set_password(session, user, user, password, confirm, activation=True)
    return user


def reissue(session: Session, actor, user: MaskLogUser) -> str:
    """A new link for a user who lost theirs; earlier links and codes stop
    working, and wrong-code attempts start again from zero."""
    if not can_manage_user(actor, user):
        raise DomainError(_("You may not change this user."))
    if user.password:
        raise DomainError(_("This user has already set a password; use password reset instead."))
    user.activation_version = (user.activation_version or 0) + 1
    user.fail_login_count = 0
    record(session, actor, "reissue_activation", "user", user.id, user.unit_id,
           after={"activation_version": user.activation_version})
    return make_token(user)
