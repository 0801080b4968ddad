"""Dashboards and exports at national scale, on a throwaway PostgreSQL (or a new SQLite file):
generates the synthetic dataset (all real units + ~70,000 end units × N days),
then prints
- national and province dashboard p50/p95 over real HTTP (Flask test client),
- the completeness pages (national; a province's missing list) and a unit's
  report calendar over HTTP (target: p95 <= 300 ms),
- the same headline, risk-group and child-unit figures from the rollups vs a
  GROUP BY over the raw ledger and documents, in the same run (speed-up),
- the xlsx export of the whole country (one row per unit) and of one
  province: seconds, rows and peak RSS growth while it ran.
Usage: .venv/bin/python bench/dashboards.py [--end-units 70000] [--days 365]
       [--activity 0.1] [--database-url URL] [--sqlite PATH] [--pages-only]
       (needs PostgreSQL server binaries unless --sqlite or --database-url;
       --database-url measures a database generated before, skipping generation;
       --keep leaves the generated database running and prints its URL, to be
       measured again with --database-url; stop it with the pg_ctl line printed)"""
import argparse
import datetime
import gc
import os
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import flask_migrate  # noqa: E402
from sqlalchemy import and_, case, func, select  # noqa: E402

from app import create_app  # noqa: E402
from app.queries import figures, periods  # noqa: E402
from app.queries import exports  # noqa: E402
from app.thai import today  # noqa: E402
from app.queries.reference import active_items  # noqa: E402
from app.devtools.demo import prepare_demo  # noqa: E402
from app.devtools.synthetic import generate  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models.ledger import (Allocation, AllocationLine, DailyCount, DailyCountLine, Distribution,  # noqa: E402
                               DistributionLine, LedgerLine)
from app.models.unit import Unit  # noqa: E402
from app import scoping  # noqa: E402
from config import TestConfig  # noqa: E402
from app.devtools.throwaway_postgres import ThrowawayPostgres, find_pg_bindir  # noqa: E402


def rss_kib() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") // 1024


class PeakRss:
    """Samples this process's RSS every 20 ms while a block runs."""

    def __enter__(self):
        self.start, self.peak, self.running = rss_kib(), rss_kib(), True
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        return self

    def _sample(self):
        while self.running:
            self.peak = max(self.peak, rss_kib())
            time.sleep(0.02)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()


def raw_figures(session, unit, item_id, period):
    """The dashboard's figures without rollups: GROUP BY over the raw rows of
    the subtree (ledger lines, documents), one query per figure group."""
    in_tree = scoping.subtree_clause(Unit.path, unit.path)
    ledger = session.execute(
        select(func.sum(case((LedgerLine.entry_date >= period.start, case(
            (LedgerLine.kind == "distribution", -LedgerLine.quantity), else_=0)), else_=0)),
            func.sum(LedgerLine.quantity))
        .join(Unit, Unit.id == LedgerLine.unit_id)
        .where(in_tree, LedgerLine.item_id == item_id, LedgerLine.entry_date <= period.end)).one()
    received = session.execute(
        select(func.sum(DailyCountLine.quantity_sent)).join(DailyCount, DailyCount.id == DailyCountLine.count_id)
        .join(Unit, Unit.id == DailyCount.unit_id)
        .where(in_tree, DailyCount.item_id == item_id, DailyCount.status == "signed",
               DailyCount.count_date.between(period.start, period.end))).scalar()
    transit = session.execute(
        select(func.sum(AllocationLine.quantity_sent)).join(Allocation, Allocation.id == AllocationLine.allocation_id)
        .join(Unit, Unit.id == AllocationLine.unit_id)
        .where(in_tree, Allocation.item_id == item_id, Allocation.allocation_date <= period.end,
               (AllocationLine.status == "in_transit") | (AllocationLine.confirm_date > period.end))).scalar()
    groups = session.execute(
        select(DistributionLine.risk_group_id, func.sum(DistributionLine.quantity),
               func.sum(DistributionLine.people_reached))
        .join(Distribution, Distribution.id == DistributionLine.distribution_id)
        .join(Unit, Unit.id == Distribution.unit_id)
        .where(in_tree, Distribution.item_id == item_id,
               Distribution.distribution_date.between(period.start, period.end))
        .group_by(DistributionLine.risk_group_id)).all()
    kids = []
    for kid in session.execute(select(Unit).where(Unit.parent_id == unit.id)).scalars():
        kids.append(session.execute(
            select(func.sum(case((and_(LedgerLine.entry_date >= period.start, LedgerLine.kind == "distribution"),
                                  -LedgerLine.quantity), else_=0)), func.sum(LedgerLine.quantity))
            .join(Unit, Unit.id == LedgerLine.unit_id)
            .where(scoping.subtree_clause(Unit.path, kid.path), LedgerLine.item_id == item_id,
                   LedgerLine.entry_date <= period.end)).one())
    return ledger, received, transit, groups, kids


def rollup_figures(session, unit, item_id, period):
    return (figures.headline(session, unit, item_id, period), figures.by_risk_group(session, unit, item_id, period),
            figures.children(session, unit, item_id, period), figures.trend(session, unit, item_id, period))


def timed(function, repeat):
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    return statistics.median(timings), timings[min(len(timings) - 1, int(len(timings) * 0.95))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--end-units", type=int, default=70_000)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--activity", type=float, default=0.1)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--database-url", help="measure an existing synthetic database instead of generating one")
    parser.add_argument("--keep", action="store_true", help="leave the generated database running")
    parser.add_argument("--sqlite", metavar="PATH", help="generate into a new SQLite file instead of PostgreSQL")
    parser.add_argument("--pages-only", action="store_true",
                        help="HTTP page timings only (skip rollups vs raw GROUP BY and the exports)")
    args = parser.parse_args()
    server, generate_data = None, not args.database_url
    if args.database_url:
        url = args.database_url
    elif args.sqlite:
        if os.path.exists(args.sqlite):
            sys.exit(f"{args.sqlite} exists: generate into a new file, or measure it with --database-url")
        url = f"sqlite:///{os.path.abspath(args.sqlite)}"
    else:
        bindir = find_pg_bindir()
        if not bindir:
            sys.exit("PostgreSQL server binaries are needed (apt install postgresql)")
        server = ThrowawayPostgres(bindir)
        url = server.start()
    try:
        app = create_app(type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
        gc.freeze()  # as run.py does after start-up
        with app.app_context():
            if generate_data:
                flask_migrate.upgrade()
                prepare_demo(db.session)
                db.session.commit()
                started = time.perf_counter()
                counts = generate(db.session, end_units=args.end_units, days=args.days, activity=args.activity,
                                  progress=lambda line: print("  " + line, flush=True))
                db.session.commit()
                db.session.execute(db.text("ANALYZE"))
                db.session.commit()
                print(f"dataset: {db.session.query(Unit).count():,} units, {args.days} days, "
                      f"{counts.get('ledger_line', 0):,} ledger lines, {counts.get('distribution', 0):,} "
                      f"distributions, {counts.get('daily_rollup', 0):,} rollup rows; generated in "
                      f"{time.perf_counter() - started:.0f} s")
            central = db.session.query(Unit).filter_by(level="central").one()
            province = db.session.query(Unit).filter_by(code="30").one()  # Nakhon Ratchasima, the largest
            item_id = active_items(db.session)[0][0]
            year = periods.Period(today() - datetime.timedelta(days=args.days - 1),
                                  today())
            month = periods.parse_period(None, None)
            ids = {"central": central.id, "province": province.id}
            # A subdistrict's end unit: the calendar of a unit that must report.
            end_unit = db.session.query(Unit).filter(scoping.subtree_clause(Unit.path, province.path),
                                                     Unit.level == "end_unit").order_by(Unit.id).first()
        client = app.test_client()
        client.post("/login/", data={"username": "admin", "password": "masklog-demo"})
        print("\nDashboard over HTTP (p50 / p95 ms):")
        for name, unit_id in ids.items():
            for label, period in (("30 days", month), (f"{args.days} days", year)):
                query = f"start={period.start.isoformat()}&end={period.end.isoformat()}"
                assert client.get(f"/dashboard/{unit_id}?{query}").status_code == 200
                p50, p95 = timed(lambda: client.get(f"/dashboard/{unit_id}?{query}"), args.requests)
                print(f"  {name:9s} {label:9s} p50 {p50:7.1f}  p95 {p95:7.1f}")
        print("\nCompleteness and history over HTTP (p50 / p95 ms, target p95 <= 300):")
        # Today (reports still coming in: the longest lists) and yesterday (a whole day).
        yesterday = (today() - datetime.timedelta(days=1)).isoformat()
        pages = [("national completeness", f"/dashboard/{ids['central']}/completeness"),
                 ("  the day before", f"/dashboard/{ids['central']}/completeness?day={yesterday}"),
                 ("province completeness", f"/dashboard/{ids['province']}/completeness"),
                 ("  the day before", f"/dashboard/{ids['province']}/completeness?day={yesterday}")]
        if end_unit is not None:
            pages.append(("end unit calendar", f"/dashboard/{end_unit.id}/calendar"))
        for label, path in pages:
            response = client.get(path)
            if response.status_code != 200:
                print(f"  {label:22s} HTTP {response.status_code}, skipped")
                continue
            p50, p95 = timed(lambda: client.get(path), args.requests)
            print(f"  {label:22s} p50 {p50:7.1f}  p95 {p95:7.1f}  ({len(response.data) / 1024:,.0f} KiB)")
        if args.pages_only:
            return
        print("\nSame figures: rollups vs GROUP BY over the raw ledger (p50 ms, same run):")
        with app.app_context():
            for name, unit_id in ids.items():
                unit = db.session.get(Unit, unit_id)
                for label, period in (("30 days", month), (f"{args.days} days", year)):
                    fast, _ = timed(lambda: rollup_figures(db.session, unit, item_id, period), 10)
                    slow, _ = timed(lambda: raw_figures(db.session, unit, item_id, period), 3)
                    print(f"  {name:9s} {label:9s} rollups {fast:8.1f}  raw {slow:9.1f}  ×{slow / fast:6.0f}")
            print("\nxlsx export (one row per unit, every level below):")
            for name, unit_id in (("province", ids["province"]), ("national", ids["central"])):
                unit = db.session.get(Unit, unit_id)
                rows = db.session.query(Unit).filter(scoping.subtree_clause(Unit.path, unit.path),
                                                     Unit.id != unit.id).count()
                with PeakRss() as memory:
                    started = time.perf_counter()
                    path = exports.write_xlsx(db.session, unit, item_id, year)
                    seconds = time.perf_counter() - started
                size = os.path.getsize(path)
                os.unlink(path)
                print(f"  {name:9s} {rows:7,d} rows  {seconds:5.1f} s  {size / 1e6:5.1f} MB  "
                      f"RSS before {memory.start / 1024:6.1f} MiB, peak {memory.peak / 1024:6.1f} MiB "
                      f"(+{(memory.peak - memory.start) / 1024:.1f})")
    finally:
        if server is not None and args.keep:
            print(f"\nkept: --database-url {url}\n  stop: runuser -u postgres -- {server.bindir}/pg_ctl "
                  f"-D {server.datadir} -m immediate stop; rm -rf {server.root}")
        elif server is not None:
            server.stop()


if __name__ == "__main__":
    main()
