"""Completeness at national scale, on a throwaway PostgreSQL: generates the
synthetic dataset (all real units + ~70,000 end units × N days; the number
of days hardly matters here, the number of units does), then prints p50/p95
of
- figures.completeness (obligation-aware: every obliged unit of the subtree
  joined to its daily_report row of the day) for the nation and the largest
  province, next to the way it was counted before obligations (the
  report_rollup row of the day plus the active units per level, same run);
- figures.not_reported of the province's end units and subdistricts;
- the completeness page and the dashboard over HTTP (Flask test client).
Usage: .venv/bin/python bench/completeness.py [--end-units 70000] [--days 14]
       [--database-url URL]   (needs PostgreSQL server binaries)"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import flask_migrate  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from app import create_app, scoping  # noqa: E402
from app.devtools.demo import prepare_demo  # noqa: E402
from app.devtools.synthetic import generate  # noqa: E402
from app.devtools.throwaway_postgres import ThrowawayPostgres, find_pg_bindir  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models.rollup import ReportRollup  # noqa: E402
from app.models.unit import Unit  # noqa: E402
from app.queries import figures  # noqa: E402
from app.thai import today  # noqa: E402
from bench.dashboards import timed  # noqa: E402
from config import TestConfig  # noqa: E402


def before_obligations(session, unit, day):
    """How completeness was counted before obligations: active units per level
    (then cached for five minutes) and the day's report_rollup row."""
    counts = dict(session.execute(select(Unit.level, func.count()).where(
        scoping.subtree_clause(Unit.path, unit.path), Unit.active.is_(True)).group_by(Unit.level)).all())
    reported = dict(session.execute(select(ReportRollup.level, ReportRollup.reported).where(
        ReportRollup.unit_id == unit.id, ReportRollup.day == day)).all())
    return counts, reported


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--end-units", type=int, default=70_000)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--activity", type=float, default=0.1)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    server = None
    if args.database_url:
        url = args.database_url
    else:
        bindir = find_pg_bindir()
        if not bindir:
            sys.exit("PostgreSQL server binaries are needed (apt install postgresql)")
        server = ThrowawayPostgres(bindir)
        url = server.start()
    try:
        app = create_app(type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
        with app.app_context():
            if server is not None:
                flask_migrate.upgrade()
                prepare_demo(db.session)
                db.session.commit()
                generate(db.session, end_units=args.end_units, days=args.days, activity=args.activity,
                         progress=lambda line: print("  " + line, flush=True))
                db.session.commit()
                db.session.execute(db.text("ANALYZE"))
                db.session.commit()
            central = db.session.query(Unit).filter_by(level="central").one()
            province = db.session.query(Unit).filter_by(code="30").one()  # Nakhon Ratchasima, the largest
            day = today()
            print(f"dataset: {db.session.query(Unit).count():,} units; day {day}")
            print("\nCompleteness of one day (p50 / p95 ms):")
            for name, unit in (("national", central), ("province", province)):
                levels = figures.completeness(db.session, unit, day)
                p50, p95 = timed(lambda: figures.completeness(db.session, unit, day), args.requests)
                b50, b95 = timed(lambda: before_obligations(db.session, unit, day), args.requests)
                print(f"  {name:9s} obliged  p50 {p50:7.1f}  p95 {p95:7.1f}   before obligations "
                      f"p50 {b50:6.1f}  p95 {b95:6.1f}   "
                      + ", ".join(f"{row['level']} {row['reported']:,}/{row['units']:,}" for row in levels))
            for level in ("subdistrict", "end_unit"):
                p50, p95 = timed(lambda: figures.not_reported(db.session, province, day, level), args.requests)
                print(f"  province  not_reported({level}) p50 {p50:7.1f}  p95 {p95:7.1f}")
            ids = {"national": central.id, "province": province.id}
        client = app.test_client()
        client.post("/login/", data={"username": "admin", "password": "masklog-demo"})
        print("\nOver HTTP (p50 / p95 ms):")
        for name, unit_id in ids.items():
            for page in (f"/dashboard/{unit_id}", f"/dashboard/{unit_id}/completeness"):
                assert client.get(page).status_code == 200, page
                p50, p95 = timed(lambda: client.get(page), args.requests)
                print(f"  {name:9s} {page:28s} p50 {p50:7.1f}  p95 {p95:7.1f}")
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
