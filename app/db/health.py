"""Stale-connection checks that cost nothing under load.

SQLAlchemy's `pool_pre_ping` sends `SELECT 1` every time a request takes a
connection from the pool: one extra round trip per request (8.5% of a
submission's worker time in the py-spy profile). A connection that was in use
a moment ago is alive; only one that sat idle long enough to be cut (database
restart, failover, a firewall dropping idle TCP) needs the check. So: ping
on checkout only after IDLE_SECONDS in the pool; a failed ping raises
DisconnectionError, which makes the pool discard it and connect afresh, so a
user never sees the dead connection."""
from __future__ import annotations

import time

from sqlalchemy import event, exc

IDLE_SECONDS = 10.0


def install_idle_ping(engine, idle_seconds: float = IDLE_SECONDS) -> None:
    if engine.dialect.name == "sqlite":
        return  # a file, not a socket: nothing goes stale

    @event.listens_for(engine, "checkin")
    def remember_when_returned(dbapi_connection, record):
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def ping_if_idle(dbapi_connection, record, proxy):
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at < idle_seconds:
            return  # fresh from connect, or in use moments ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # the driver's own "connection closed" errors
            raise exc.DisconnectionError() from error
        if not alive:
            raise exc.DisconnectionError()
