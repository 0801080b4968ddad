"""A connection the database dropped while it sat in the pool is replaced
before a request uses it (app/db/health.py), on a real PostgreSQL."""
import pytest
from sqlalchemy import create_engine, text

from app.db.health import install_idle_ping


@pytest.mark.parametrize("idle_seconds", [0.0])
def test_a_connection_killed_while_idle_is_replaced_before_use(pg_server, idle_seconds):
    if pg_server is None:
        pytest.skip("needs the throwaway PostgreSQL server")
    engine = create_engine(pg_server.url, pool_size=1, max_overflow=0)
    install_idle_ping(engine, idle_seconds=idle_seconds)
    killer = create_engine(pg_server.url)
    try:
        with engine.connect() as connection:
            first_pid = connection.execute(text("SELECT pg_backend_pid()")).scalar()
        with killer.connect() as admin:  # the server drops the pooled connection (as a restart would)
            assert admin.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first_pid}).scalar()
        with engine.connect() as connection:
            second_pid = connection.execute(text("SELECT pg_backend_pid()")).scalar()
        assert second_pid != first_pid
    finally:
        engine.dispose()
        killer.dispose()


def test_only_connections_idle_long_enough_are_pinged(pg_server):
    if pg_server is None:
        pytest.skip("needs the throwaway PostgreSQL server")
    engine = create_engine(pg_server.url, pool_size=1, max_overflow=0)
    pings = []
    real_ping = engine.dialect.do_ping
    engine.dialect.do_ping = lambda dbapi_connection: pings.append(1) or real_ping(dbapi_connection)
    install_idle_ping(engine, idle_seconds=0.3)
    try:
        for _ in range(3):  # back to back: no ping
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        assert pings == []
        import time
        time.sleep(0.4)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        assert pings == [1]
    finally:
        engine.dispose()
