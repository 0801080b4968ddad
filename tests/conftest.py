"""Fixtures: every test that takes `app` runs once per database backend —
SQLite always, PostgreSQL whenever its server binaries are on the machine (or
TEST_DATABASE_URL points at an empty database)."""
from __future__ import annotations

import os

import flask_migrate
import pytest

from app import create_app
from app.devtools.demo import prepare_demo
from app.extensions import db
from app.devtools.throwaway_postgres import ThrowawayPostgres, find_pg_bindir
from app.models.ledger import Item, RiskGroup
from tests.helpers import fresh_tree, login, make_config

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




@pytest.fixture()
def as_user(app):
    """as_user('cm-admin') -> a test client signed in as that demo user."""

    def make(username: str):
        return login(app.test_client(), username)

    return make


@pytest.fixture()
def tree(app):
    """A fresh LAO with two end units and their users (ids, for HTTP tests)."""
    with app.app_context():
        lao, children, people = fresh_tree(2)
        item_id = db.session.query(Item.id).filter_by(code="SURGICAL_MASK").scalar()
        groups = [g.id for g in db.session.query(RiskGroup).order_by(RiskGroup.sort_order)]
        return {"lao": lao.id, "children": [c.id for c in children], "item": item_id, "groups": groups,
                **{name: person.id for name, person in people.items()}}
