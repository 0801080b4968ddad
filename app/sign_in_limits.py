"""Sign-in limits that never lock out an office (OWASP ASVS 2.2.1: slow down
password guessing without letting anyone lock out a legitimate user by
accident or on purpose more than the rule says).

Only FAILED sign-ins count, and they count twice:
- per username: SIGN_IN_USER_LIMIT failures (default 10 per 15 minutes) lock
  that username for SIGN_IN_LOCK_MINUTES (15); while locked even the right
  password is refused. Other usernames from the same address are not affected.
- per address, more loosely: SIGN_IN_ADDRESS_LIMIT failures (100 per 15
  minutes) lock every sign-in from that address for SIGN_IN_LOCK_MINUTES — a
  script trying many usernames, not a provincial hall behind one NAT address.
A successful sign-in never counts, so 40 officers of one office signing in from
one address in a minute all get in.

The counters live in the `limits` library's storage at RATELIMIT_STORAGE_URI
(the store flask-limiter uses): memory:// for one process, redis:// so several
app servers share them. A window starts at its first failure (a counter with an
expiry: atomic INCR + EXPIRE in Redis). If the store cannot be reached, sign-in
stays open (logged): an outage of the counters must not lock everyone out.

The form login and the API login both come through
MaskLogSecurityManager.auth_user_db, which calls `check` and `record_failure`."""
from __future__ import annotations

import datetime
import logging
import math
import time
from dataclasses import dataclass
from typing import Optional

from limits import parse
from limits.errors import StorageError
from limits.storage import storage_from_string

from app.logs import while_it_lasts

log = logging.getLogger(__name__)

_PREFIX = "masklog-sign-in"
_EXTENSION = "masklog_sign_in_limits"


class SignInLocked(Exception):
    """A sign-in refused until `until` (epoch seconds); `by` is "username" or "address"."""

    def __init__(self, until: float, by: str):
        super().__init__(by)
        self.until = until
        self.by = by

    @property
    def retry_after(self) -> int:
        """Whole seconds to wait, at least 1 (Retry-After)."""
        return max(1, math.ceil(self.until - time.time()))


@dataclass(frozen=True)
class _Rule:
    what: str  # "username" or "address"
    failures: int
    window_seconds: int


class SignInLimits:
    def __init__(self, storage, user_limit: str, address_limit: str, lock_minutes: float):
        self.storage = storage
        # What the store raises when it cannot be reached (redis' errors, or limits' own).
        self.store_errors = (StorageError,) + tuple(
            storage.base_exceptions if isinstance(storage.base_exceptions, tuple) else (storage.base_exceptions,))
        self.lock_seconds = max(1, int(lock_minutes * 60))
        self.rules = []
        for what, text in (("username", user_limit), ("address", address_limit)):
            item = parse(text)
            self.rules.append(_Rule(what, item.amount, item.get_expiry()))

    # Keys: what is counted and whose. Usernames are already normalised.
    @staticmethod
    def _key(kind: str, what: str, value: str) -> str:
        return f"{_PREFIX}/{kind}/{what}/{(value or '')[:256]}"

    def _subjects(self, username: str, address: Optional[str]):
        return [(rule, username if rule.what == "username" else (address or "unknown")) for rule in self.rules]

    def locked_until(self, what: str, value: str) -> Optional[float]:
        key = self._key("lock", what, value)
        if self.storage.get(key) <= 0:
            return None
        return self.storage.get_expiry(key)

    def check(self, username: str, address: Optional[str]) -> None:
        """Raise SignInLocked if the username or the address is locked now."""
        try:
            for rule, value in self._subjects(username, address):
                until = self.locked_until(rule.what, value)
                if until is not None:
                    raise SignInLocked(until, rule.what)
        except SignInLocked:
            raise
        except self.store_errors as error:  # the store is down: stay open, say so in the log
            while_it_lasts(log, "sign-in limits: the counter store cannot be reached; sign-in is not limited", error)

    def record_failure(self, username: str, address: Optional[str]) -> None:
        """Count one failed sign-in; the failure that reaches a limit starts its lock."""
        try:
            for rule, value in self._subjects(username, address):
                counter = self._key("failures", rule.what, value)
                if self.storage.incr(counter, rule.window_seconds) >= rule.failures:
                    # INCR on a new key sets its expiry once: a second server
                    # reaching the limit at the same moment does not extend it.
                    self.storage.incr(self._key("lock", rule.what, value), self.lock_seconds)
                    self.storage.clear(counter)  # after the lock, counting starts afresh
                    log.warning("sign-in limits: %s %r locked for %s s", rule.what, value, self.lock_seconds)
        except self.store_errors as error:
            while_it_lasts(log, "sign-in limits: the counter store cannot be reached; failure not counted", error)

    def unlock(self, username: str) -> Optional[float]:
        """Lift a username's lock and forget its failures; returns when the
        lock would have ended, None if it was not locked. Store errors propagate:
        an administrator must not be told a user is unlocked when they are not."""
        until = self.locked_until("username", username)
        self.storage.clear(self._key("lock", "username", username))
        self.storage.clear(self._key("failures", "username", username))
        return until


def for_app(app) -> Optional[SignInLimits]:
    """The app's sign-in limits, or None when SIGN_IN_LIMITED is off (tests)."""
    if not app.config.get("SIGN_IN_LIMITED"):
        return None
    limits = app.extensions.get(_EXTENSION)
    if limits is None:
        config = app.config
        storage = storage_from_string(config.get("RATELIMIT_STORAGE_URI") or "memory://",
                                      **(config.get("RATELIMIT_STORAGE_OPTIONS") or {}))
        limits = app.extensions[_EXTENSION] = SignInLimits(
            storage, config["SIGN_IN_USER_LIMIT"], config["SIGN_IN_ADDRESS_LIMIT"], config["SIGN_IN_LOCK_MINUTES"])
    return limits


def clock_time(epoch: float) -> str:
    """14:35, in Thailand's time whatever the server's zone."""
    from app.thai import BANGKOK

    return datetime.datetime.fromtimestamp(epoch, BANGKOK).strftime("%H:%M")


def locked_message(error: SignInLocked) -> str:
    """When the person may try again, as a clock time in Thailand and in minutes."""
    from flask_babel import gettext

    at = clock_time(error.until)
    minutes = max(1, math.ceil(error.retry_after / 60))
    if error.by == "address":
        return gettext("Too many failed sign-ins from this network. Try again at %(time)s "
                       "(in about %(minutes)s minutes).", time=at, minutes=minutes)
    return gettext("Too many wrong passwords for this username, so it is locked for safety. Try again at "
                   "%(time)s (in about %(minutes)s minutes), or ask your administrator to unlock it.",
                   time=at, minutes=minutes)
