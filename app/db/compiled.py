"""Statements compiled once per process: what every submission and every
today page runs.

Measured per statement on PostgreSQL (bench/statement_cost.py): an ORM
add+flush or ORM-enabled INSERT costs ~0.6 ms of Python, a Core SELECT through
the session ~0.4 ms (much of it building the cache key), a statement compiled
once and executed again 0.1–0.15 ms. And SQLAlchemy 2.0 never caches INSERT …
ON CONFLICT: the PostgreSQL and SQLite `Insert` classes say `inherit_cache =
False`, so every upsert was compiled from scratch. The hot statements
therefore go through `run_compiled`: built and compiled once per process,
database dialect and statement shape, then executed with parameters. Column
types and Python-side defaults (`created_on`) are applied as for any compiled
statement (Connection.execute of a Compiled, SQLAlchemy 2.0; pinned).

`run_compiled` runs on the session's connection and transaction but does not
autoflush: ORM objects still pending are written at the next flush. Callers
that need them in the database first flush first.
"""
from __future__ import annotations

import copy
import hashlib
import re
from functools import lru_cache
from typing import Callable, Hashable, Iterable, Optional

from sqlalchemy import bindparam, insert, inspect, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

_compiled: dict = {}
_COMPILED_LIMIT = 2000  # shapes differ by row count; a few hundred in practice


def upsert_insert(session: Session, model):
    """An INSERT that accepts ON CONFLICT clauses, on PostgreSQL and SQLite."""
    return dialect_insert(session.get_bind().dialect.name, model)


def dialect_insert(dialect_name: str, target):
    """`upsert_insert` for a statement built by name of the dialect (run_compiled)."""
    return (pg_insert if dialect_name == "postgresql" else sqlite_insert)(target)


def run_compiled(session: Session, key: Hashable, build: Callable, params):
    """Execute the statement `build(dialect_name)` returns, compiled once per
    process for this `key` and database dialect, in the session's transaction.
    `key` must name everything the statement's text depends on.

    On PostgreSQL the statement is also prepared once per connection (PREPARE,
    then EXECUTE with the parameters): PostgreSQL otherwise parses and plans
    each statement every time, and for the today page's five statements the
    planning took ~3 times as long as their execution (EXPLAIN ANALYZE:
    1.0 ms against 0.35 ms)."""
    connection = session.connection()
    dialect = connection.dialect
    # What a compiled statement depends on besides `key`: database, driver, its
    # parameter style, the server version.
    full_key = (dialect.name, dialect.driver, dialect.paramstyle, dialect.server_version_info, key)
    entry = _compiled.get(full_key)
    if entry is None:
        if len(_compiled) >= _COMPILED_LIMIT:
            _compiled.clear()
        compiled = build(dialect.name).compile(dialect=dialect)
        entry = _compiled[full_key] = (compiled, _prepared_form(compiled, dialect) if PREPARE[0] else None)
    compiled, prepared = entry
    if prepared is not None:
        name, prepare_sql, compiled = prepared
        # The pool's record of the DBAPI connection: cleared when it is replaced (a restart).
        done = connection.connection.info.setdefault("_masklog_prepared", set())
        if name not in done:
            # Not a statement of the request's (statement counts, logs): set-up of the connection.
            # A PREPARE outlives the transaction it was made in, even one rolled back.
            with connection.connection.dbapi_connection.cursor() as cursor:
                cursor.execute(prepare_sql)
            done.add(name)
    return connection.execute(compiled, params)


# Whether run_compiled prepares statements on PostgreSQL (config MASKLOG_PREPARE_STATEMENTS;
# off behind a pooler that shares server connections between clients, as PgBouncer's transaction mode does).
PREPARE = [True]
_PLACEHOLDER = re.compile(r"%\(([^)]+)\)s")


def _prepared_form(compiled, dialect) -> Optional[tuple]:
    """(name, PREPARE text, a copy of `compiled` whose text is the EXECUTE) for
    psycopg2 on PostgreSQL; None where a statement cannot be prepared as it is
    (another driver, IN lists expanded at execution, a parameter of no type)."""
    text = compiled.string
    if dialect.name != "postgresql" or dialect.driver != "psycopg2" or "POSTCOMPILE" in text:
        return None
    names = list(dict.fromkeys(_PLACEHOLDER.findall(text)))
    unescaped = {compiled.escaped_bind_names.get(name, name): name for name in compiled.binds} \
        if compiled.escaped_bind_names else {name: name for name in compiled.binds}
    types = []
    for name in names:
        bind = compiled.binds.get(unescaped.get(name, name))
        if bind is None or bind.type._isnull:
            return None
        types.append(bind.type.compile(dialect=dialect))
    position = {name: n for n, name in enumerate(names, start=1)}
    body = _PLACEHOLDER.sub(lambda match: f"${position[match.group(1)]}", text).replace("%%", "%")
    statement_name = "masklog_" + hashlib.sha1(body.encode()).hexdigest()[:20]
    prepare_sql = f"PREPARE {statement_name} ({', '.join(types)}) AS {body}" if types \
        else f"PREPARE {statement_name} AS {body}"
    executed = copy.copy(compiled)
    executed.string = f"EXECUTE {statement_name}" + (
        "(" + ", ".join(f"%({name})s" for name in names) + ")" if names else "")
    return statement_name, prepare_sql, executed


def values_binds(table, columns: Iterable[str], rows: int = 1) -> list:
    """Typed bind parameters for a VALUES clause of `rows` rows: `name_0`, …"""
    return [{name: bindparam(f"{name}_{n}", type_=table.c[name].type) for name in columns} for n in range(rows)]


def values_params(rows: list, columns: Iterable[str]) -> dict:
    """The parameters for `values_binds` of the same rows."""
    return {f"{name}_{n}": row[name] for n, row in enumerate(rows) for name in columns}


@lru_cache(maxsize=None)
def _attributes_of(model) -> tuple:
    """(attribute name, column name) of every column of the model's table."""
    mapper = inspect(model)
    return tuple((mapper.get_property_by_column(column).key, column.name) for column in model.__table__.c)


def insert_values(session: Session, model, values: dict) -> None:
    """INSERT one row of `model`, compiled once; nothing is read back (audit
    entries, ledger lines: written, never re-read in the same request)."""
    table, columns = model.__table__, tuple(sorted(values))
    run_compiled(session, ("insert_values", table.name, columns),
                 lambda _dialect: insert(table).values(values_binds(table, columns)[0]),
                 values_params([values], columns))


BATCH_ROWS = 50  # rows per multi-row statement: bounds the number of compiled shapes


def insert_rows(session: Session, model, rows: list) -> list:
    """INSERT `rows` of `model` (dicts with the same keys), at most BATCH_ROWS
    per statement, and return them as ORM instances in the session, loaded
    from RETURNING, in primary-key order."""
    table = model.__table__
    columns = tuple(sorted(rows[0])) if rows else ()
    instances = []
    for start in range(0, len(rows), BATCH_ROWS):
        batch = rows[start:start + BATCH_ROWS]

        def build(dialect_name, size=len(batch)):
            return dialect_insert(dialect_name, table).values(values_binds(table, columns, size)).returning(*table.c)

        result = run_compiled(session, ("insert_rows", table.name, columns, len(batch)), build,
                              values_params(batch, columns))
        instances.extend(_loaded(session, model, row) for row in result)
    key = inspect(model).primary_key[0].name
    return sorted(instances, key=lambda instance: getattr(instance, key))


def _loaded(session: Session, model, row):
    """An ORM instance of a row just returned, persistent in the session as if
    loaded. Unlike a pending object, a rollback would only expire it, leaving
    an instance of a row that never was: the rollback hook (app/db/hooks.py) removes it."""
    mapping = row._mapping
    instance = model(**{key: mapping[name] for key, name in _attributes_of(model)})
    make_transient_to_detached(instance)
    session.add(instance)
    session.info.setdefault(_INSERTED, []).append(instance)
    return instance


_INSERTED = "masklog_inserted_rows"


def inserted_rows_are_committed(session: Session) -> None:
    """after_commit (app/db/hooks.py): the rows are real now."""
    session.info.pop(_INSERTED, None)


def forget_rolled_back_rows(session: Session, _previous_transaction=None) -> None:
    """after_soft_rollback (app/db/hooks.py): instances of rows that never were leave the session."""
    for instance in session.info.pop(_INSERTED, ()):
        if instance in session:
            session.expunge(instance)


def load_row(session: Session, model, primary_key):
    """The row as the database has it now, as the session's instance of it:
    `session.get(model, pk, populate_existing=True)` in one compiled SELECT
    (~0.1 ms of Python instead of ~0.5 ms). An instance already in the
    session is refreshed in place; it must have no unsaved changes."""
    table = model.__table__
    key_column = inspect(model).primary_key[0]

    def build(_dialect):
        return select(table).where(key_column == bindparam("pk", type_=key_column.type))

    row = run_compiled(session, ("load_row", table.name), build, {"pk": primary_key}).first()
    if row is None:
        return None
    values = {key: row._mapping[name] for key, name in _attributes_of(model)}
    instance = session.identity_map.get(identity_key(model, primary_key))
    if instance is None:
        instance = model(**values)
        make_transient_to_detached(instance)
        session.add(instance)
    else:
        for key, value in values.items():
            set_committed_value(instance, key, value)
    return instance


def insert_row(session: Session, model, values: dict, *, do_nothing_on: Optional[tuple] = None):
    """INSERT one row of `model` and return it as an ORM instance in the
    session, loaded from RETURNING (no further query). With `do_nothing_on`
    (the columns of a unique constraint) an existing row wins: ON CONFLICT DO
    NOTHING, and None is returned."""
    table = model.__table__
    columns = tuple(sorted(values))

    def build(dialect_name):
        statement = dialect_insert(dialect_name, table).values(values_binds(table, columns)[0])
        if do_nothing_on:
            statement = statement.on_conflict_do_nothing(index_elements=list(do_nothing_on))
        return statement.returning(*table.c)

    row = run_compiled(session, ("insert_row", table.name, columns, do_nothing_on), build,
                       values_params([values], columns)).first()
    return None if row is None else _loaded(session, model, row)
