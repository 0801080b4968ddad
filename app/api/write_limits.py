"""A generous per-user limit on the REST API's writes, so one runaway script
cannot starve the morning's officers: API_WRITE_LIMIT (default 1200 per
minute, 20 a second sustained, far above any person) counted per signed-in
user in the store the sign-in limits use (RATELIMIT_STORAGE_URI: Redis shared
by app servers, memory for one process). Reads are not limited. When the
store cannot be reached, writes go through (logged): an outage of the
counters must not stop the daily work."""
from __future__ import annotations

import logging
import math
import time

from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import parse
from limits.errors import StorageError
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter

from app.api.errors import ApiError
from app.logs import while_it_lasts

log = logging.getLogger(__name__)
_EXTENSION = "masklog_api_write_limits"


def _limiter(app):
    state = app.extensions.get(_EXTENSION)
    if state is None:
        storage = storage_from_string(app.config.get("RATELIMIT_STORAGE_URI") or "memory://",
                                      **(app.config.get("RATELIMIT_STORAGE_OPTIONS") or {}))
        errors = storage.base_exceptions if isinstance(storage.base_exceptions, tuple) else (storage.base_exceptions,)
        state = app.extensions[_EXTENSION] = (FixedWindowRateLimiter(storage), parse(app.config["API_WRITE_LIMIT"]),
                                              (StorageError,) + errors)
    return state


def check_write_limit(user_id: int) -> None:
    """Count one write of the user; ApiError 429 (with Retry-After) past the limit."""
    app = current_app._get_current_object()
    if not app.config.get("API_WRITE_LIMITED"):
        return
    limiter, limit, store_errors = _limiter(app)
    try:
        if limiter.hit(limit, "masklog-api-write", str(user_id)):
            return
        reset_at, _remaining = limiter.get_window_stats(limit, "masklog-api-write", str(user_id))
    except store_errors as error:
        while_it_lasts(log, "API write limits: the counter store cannot be reached; writes are not limited", error)
        return
    error = ApiError(429, _l("Too many writes from this account in a short time (at most %(limit)s). "
                             "Please wait a moment and try again.", limit=str(limit)))
    error.headers = {"Retry-After": str(max(1, math.ceil(reset_at - time.time())))}
    raise error
