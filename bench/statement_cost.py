"""What one SQL statement costs the app server in Python CPU, by the way it is
issued: ORM entity query, Core statement, compiled once (app/db/compiled.py),
text, driver. The numbers behind app/db/compiled.py. Starts a throwaway
PostgreSQL (app/devtools/throwaway_postgres.py).

Usage: .venv/bin/python bench/statement_cost.py [--repeat 2000]"""
import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from app.devtools.throwaway_postgres import ThrowawayPostgres, find_pg_bindir  # noqa: E402


def measure(name, run, repeat):
    for n in range(100):
        run(n)
    cpu, wall = time.process_time(), time.perf_counter()
    for n in range(repeat):
        run(n)
    print(f"{name:52s} {1e3 * (time.process_time() - cpu) / repeat:6.3f} ms CPU  "
          f"{1e3 * (time.perf_counter() - wall) / repeat:6.3f} ms wall")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=2000)
    repeat = parser.parse_args().repeat
    server = ThrowawayPostgres(find_pg_bindir())
    url = server.start()
    env = dict(os.environ, DATABASE_URL=url, MASKLOG_CONFIG="demo", FLASK_APP="run.py")
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    try:
        subprocess.run([flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
        subprocess.run([flask, "masklog", "setup", "--demo"], cwd=ROOT, env=env, check=True, capture_output=True)
        os.environ.update(env)
        from sqlalchemy import insert, select, text

        from app import create_app
        from app.db.compiled import insert_row, run_compiled, upsert_insert, values_binds, values_params
        from app.extensions import db
        from app.models.ledger import AuditEntry, Receipt, StockBalance

        from config import config_from_env

        # config.py read DATABASE_URL when `app` was first imported (above), before it was set.
        app = create_app(type("BenchConfig", (config_from_env(),), {"SQLALCHEMY_DATABASE_URI": url}))
        with app.app_context():
            session = db.session
            connection = session.connection()
            table = Receipt.__table__
            print(f"PostgreSQL, one connection, {repeat} statements each")
            measure("SELECT: ORM entity", lambda n: session.execute(
                select(Receipt).where(Receipt.form_token == f"x{n}")).scalar_one_or_none(), repeat)
            measure("SELECT: Core statement through the session", lambda n: session.execute(
                select(Receipt.id).where(Receipt.form_token == f"x{n}")).scalar(), repeat)
            measure("SELECT: text()", lambda n: connection.execute(
                text("SELECT id FROM receipt WHERE form_token = :t"), {"t": f"x{n}"}).scalar(), repeat)
            measure("SELECT: compiled once (run_compiled)", lambda n: run_compiled(
                session, "bench.select", lambda _d: select(table.c.id).where(
                    table.c.form_token == values_binds(table, ["form_token"])[0]["form_token"]),
                {"form_token_0": f"x{n}"}).scalar(), repeat)
            measure("SELECT: driver SQL", lambda n: connection.exec_driver_sql(
                "SELECT id FROM receipt WHERE form_token = %(t)s", {"t": f"x{n}"}).scalar(), repeat)

            from app.user_cache import standing
            officer_id = session.execute(text("SELECT id FROM ab_user WHERE username = 'cm-officer'")).scalar()
            # What every signed-in request pays on top of the cached user (README, "Signed-in user cache").
            measure("SELECT: the signed-in user's standing (every request)", lambda n: standing(
                session, officer_id), repeat)

            audit = {"action": "bench", "object_type": "bench", "after": "{}"}

            def orm_add(n):
                session.add(AuditEntry(object_id=n, **audit))
                session.flush()
            measure("INSERT: ORM add + flush", orm_add, repeat)
            measure("INSERT: ORM-enabled insert().values()", lambda n: session.execute(
                insert(AuditEntry).values(object_id=n, **audit)), repeat)
            columns = ("action", "object_type", "after", "object_id")
            audit_table = AuditEntry.__table__
            measure("INSERT: compiled once (run_compiled)", lambda n: run_compiled(
                session, "bench.audit", lambda _d: insert(audit_table).values(values_binds(audit_table, columns)[0]),
                values_params([{**audit, "object_id": n}], columns)), repeat)
            measure("INSERT … ON CONFLICT: dialect insert (never cached)", lambda n: session.execute(
                upsert_insert(session, StockBalance).values(unit_id=1, item_id=1, quantity=1)
                .on_conflict_do_nothing(index_elements=["unit_id", "item_id"])), repeat)
            demo_unit = session.execute(text("SELECT id FROM unit ORDER BY id LIMIT 1")).scalar()
            measure("INSERT … RETURNING as ORM object: insert_row", lambda n: insert_row(
                session, Receipt, {"unit_id": demo_unit, "item_id": 1, "receipt_date": "2026-01-01",
                                   "source": "bench", "reference_no": f"B{n}", "quantity_sent": 1,
                                   "form_token": f"bench-{n}"}, do_nothing_on=("form_token",)), repeat)
            session.rollback()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
