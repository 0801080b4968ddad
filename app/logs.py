"""Log lines that would repeat on every request while a service is down (the
sign-in counters' Redis, say): one warning a minute per kind, without the
traceback, instead of a traceback per request."""
from __future__ import annotations

import logging
import time

_said: dict = {}
EVERY_SECONDS = 60


def while_it_lasts(logger: logging.Logger, message: str, error: BaseException) -> None:
    now = time.monotonic()
    if now - _said.get(message, -EVERY_SECONDS) >= EVERY_SECONDS:
        _said[message] = now
        logger.warning("%s (%s: %s; said once a minute while it lasts)", message, type(error).__name__, error)
