"""The hot statements (app/db/compiled.run_compiled) are prepared once per
PostgreSQL connection and executed by name: the same answers as the plain
statement, a PREPARE that outlives a rolled-back transaction, and a fresh
PREPARE on a connection that replaced a lost one."""
import datetime

import pytest
from sqlalchemy import Date, Integer, bindparam, literal_column, select, text

from app.db import compiled
from app.db.compiled import run_compiled
from app.extensions import db
from app.models.unit import Unit
from app.queries.today import today_page
from app.thai import today
from tests.helpers import unit


def _units_below(_dialect):
    # '%' in the text: the PREPARE is sent without parameters, so '%%' must become '%'.
    return (select(Unit.id, Unit.code)
            .where(Unit.parent_id == bindparam("parent", type_=Integer), Unit.code.like(literal_column("'5%'")),
                   Unit.created_on >= bindparam("since", type_=Date))
            .order_by(Unit.code))


def _prepared_names() -> set:
    return set(db.session.execute(text("SELECT name FROM pg_prepared_statements")).scalars())


@pytest.fixture
def postgresql_only(backend):
    if backend != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")


def test_prepared_once_per_connection_same_answers(app, postgresql_only):
    with app.app_context():
        province = unit("50")
        params = {"parent": province.id, "since": datetime.date(2000, 1, 1)}
        plain = db.session.execute(_units_below("postgresql"), params).all()
        assert len(plain) > 10  # Chiang Mai's districts: something to compare
        first = run_compiled(db.session, "test.units_below", _units_below, params).all()
        mine = db.session.execute(text("SELECT name, parameter_types::text FROM pg_prepared_statements "
                                       "WHERE statement LIKE '%unit.code LIKE ''5%'")).all()
        assert len(mine) == 1 and mine[0][0].startswith("masklog_") and mine[0][1] == "{integer,date}", mine
        names = {name for name in _prepared_names() if name.startswith("masklog_")}
        second = run_compiled(db.session, "test.units_below", _units_below, params).all()
        assert first == second == plain
        assert {name for name in _prepared_names() if name.startswith("masklog_")} == names  # not prepared again
        db.session.rollback()
        # A PREPARE is not undone by a rollback: the connection keeps it, and the note of it holds.
        assert run_compiled(db.session, "test.units_below", _units_below, params).all() == plain
        db.session.rollback()


def _fresh_pool():
    """No pooled connection left: the next statement opens a new one (other tests' connections
    have statements of their own prepared)."""
    db.session.rollback()
    db.session.close()
    db.engine.dispose()


def test_a_replaced_connection_prepares_again(app, postgresql_only):
    with app.app_context():
        _fresh_pool()
        district = unit("5005")
        expected = today_page(db.session, district.id, 1, today())["children"]
        assert expected
        backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar()
        db.session.connection().invalidate()  # the server connection is gone (a restart)
        db.session.rollback()
        # The pool's only record reconnects: its note of what was prepared went with the old connection.
        assert today_page(db.session, district.id, 1, today())["children"] == expected
        assert db.session.execute(text("SELECT pg_backend_pid()")).scalar() != backend
        prepared = db.session.execute(text("SELECT statement FROM pg_prepared_statements "
                                           "WHERE name LIKE 'masklog_%'")).scalars().all()
        assert any("unit.parent_id = $1" in statement for statement in prepared), prepared
        db.session.rollback()


def test_switched_off_statements_run_as_they_are(app, postgresql_only):
    with app.app_context():
        params = {"parent": unit("50").id, "since": datetime.date(2000, 1, 1)}
        compiled.PREPARE[0] = False
        compiled._compiled.clear()
        try:
            _fresh_pool()
            rows = run_compiled(db.session, "test.units_below", _units_below, params).all()
            assert rows and not any(name.startswith("masklog_") for name in _prepared_names())
        finally:
            compiled.PREPARE[0] = True
            compiled._compiled.clear()
            db.session.rollback()
