"""Fixtures: every test that takes `app` runs once per database backend —
SQLite always, PostgreSQL whenever its server binaries are on the machine (or
TEST_DATABASE_URL points at an empty database)."""
from __future__ import annotations

import os
import re

import flask_migrate
import pytest

from app import create_app
from app.devtools.demo import prepare_demo
from app.devtools.demo import DEMO_PASSWORD
from app.extensions import db
from config import TestConfig
from app.devtools.throwaway_postgres import ThrowawayPostgres, find_pg_bindir

PG_AVAILABLE = bool(os.environ.get("TEST_DATABASE_URL") or find_pg_bindir())
BACKENDS = ["sqlite"] + (["postgresql"] if PG_AVAILABLE else [])


def pytest_report_header(config):
    return f"MaskLog database backends: {', '.join(BACKENDS)}"


def pytest_configure(config):
    config.addinivalue_line("markers", "database_independent: run on the first backend only (SQLite)")


def pytest_collection_modifyitems(config, items):
    """Tests marked database_independent (page words, fonts, parsing, the
    import graph) run once, not once per backend."""
    kept, dropped = [], []
    for item in items:
        backend = getattr(getattr(item, "callspec", None), "params", {}).get("backend", BACKENDS[0])
        independent = item.get_closest_marker("database_independent") is not None
        (dropped if independent and backend != BACKENDS[0] else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


@pytest.fixture(scope="session")
def pg_server():
    """One throwaway cluster for the session (None when TEST_DATABASE_URL is set)."""
    if os.environ.get("TEST_DATABASE_URL"):
        yield None
        return
    bindir = find_pg_bindir()
    if not bindir:
        pytest.skip("PostgreSQL server binaries not installed")
    server = ThrowawayPostgres(bindir)
    server.url = server.start()
    yield server
    server.stop()


def make_config(url: str):
    return type("BoundTestConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url})


@pytest.fixture(scope="session")
def empty_database_url(request, tmp_path_factory):
    """A factory of fresh, empty databases on the backend under test."""
    counter = iter(range(1, 10_000))

    def make(backend: str) -> str:
        n = next(counter)
        if backend == "sqlite":
            return "sqlite:///" + str(tmp_path_factory.mktemp("db") / f"empty{n}.db")
        server = request.getfixturevalue("pg_server")
        if server is None:
            pytest.skip("TEST_DATABASE_URL gives one database only")
        return server.create_database(f"masklog_empty{n}")

    return make


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def app(backend, request, tmp_path_factory):
    if backend == "sqlite":
        url = "sqlite:///" + str(tmp_path_factory.mktemp("sqlite") / "masklog.db")
    elif os.environ.get("TEST_DATABASE_URL"):
        url = os.environ["TEST_DATABASE_URL"]
    else:
        url = request.getfixturevalue("pg_server").url
    app = create_app(make_config(url))
    with app.app_context():
        flask_migrate.upgrade()
        prepare_demo(db.session)
        db.session.commit()
    return app


@pytest.fixture()
def ctx(app):
    with app.app_context():
        yield
        db.session.rollback()


@pytest.fixture()
def client(app):
    return app.test_client()


def login(client, username: str, password: str = DEMO_PASSWORD):
    response = client.post("/login/", data={"username": username, "password": password})
    assert response.status_code == 302, f"login of {username} failed"
    return client


@pytest.fixture()
def as_user(app):
    """as_user('cm-admin') -> a test client signed in as that demo user."""

    def make(username: str):
        return login(app.test_client(), username)

    return make


def flashed_text(html: str) -> str:
    """The text of FAB's flash messages on a page."""
    return " ".join(re.findall(r'class="alert[^"]*"[^>]*>(.*?)</div>', html, re.S))
