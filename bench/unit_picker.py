"""The unit picker's search at national scale: every real unit plus ~70,000
synthetic end units (app/devtools/synthetic.py add_end_units; no activity
needed), on SQLite and on a throwaway PostgreSQL. Prints p50/p95 per query
kind of app/queries/unit_search.search_results (what one keystroke costs the
database: every statement of the search, the parents' names included) for the
central administrator, a province administrator and a district officer, then
the same over HTTP (/api/v1/unit/search through the test client).
Usage: .venv/bin/python bench/unit_picker.py [--end-units 70000] [--repeat 30]
       [--backend sqlite|postgresql|both]"""
import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import flask_migrate  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from app import create_app  # noqa: E402
from app.devtools.demo import prepare_demo  # noqa: E402
from app.devtools.synthetic import add_end_units  # noqa: E402
from app.devtools.throwaway_postgres import ThrowawayPostgres, find_pg_bindir  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models.unit import Unit  # noqa: E402
from app.models.user import MaskLogUser  # noqa: E402
from app.queries.unit_search import search_results  # noqa: E402
from config import TestConfig  # noqa: E402

USERS = {"central": "admin", "province": "cm-admin", "district": "cm-officer"}
# (kind, what is typed): one keystroke's search each.
KINDS = [
    ("exact code", "500107"),
    ("code, Thai digits", "๕๐๐๑"),
    ("code prefix", "S5001"),
    ("name prefix, 1 letter", "ก"),
    ("name prefix", "เชียง"),
    ("name prefix, many end units", "โรงเรียน"),
    ("with จังหวัด in front", "จังหวัดเชียงใหม่"),
    ("contains only", "ใหม่"),
    ("nothing matches", "ฮฮฮฮ"),
    ("empty (own unit)", ""),
]


def percentiles(samples):
    samples = sorted(samples)
    return statistics.median(samples), samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]


def measure(url: str, end_units: int, repeat: int, fresh: bool) -> None:
    app = create_app(type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    with app.app_context():
        if fresh:
            flask_migrate.upgrade()
            prepare_demo(db.session)
            started = time.perf_counter()
            add_end_units(db.session, end_units)
            db.session.commit()
            db.session.execute(db.text("ANALYZE"))
            db.session.commit()
            print(f"  {db.session.query(func.count(Unit.id)).scalar():,} units "
                  f"(end units added in {time.perf_counter() - started:.0f} s)")
    dialect = "PostgreSQL" if url.startswith("postgresql") else "SQLite"
    print(f"\n{dialect}: search_results per keystroke, p50 / p95 ms wall (median CPU ms of this process; "
          f"{repeat} runs each; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    print(f"  {'query kind':30s} " + "".join(f"{name:>23s}" for name in USERS))
    worst = 0.0
    with app.test_request_context(headers={"Accept-Language": "th"}):
        actors = {name: db.session.execute(select(MaskLogUser).where(MaskLogUser.username == username))
                  .scalar_one() for name, username in USERS.items()}
        for actor in actors.values():
            _ = actor.unit.path  # loaded once, as the signed-in user is per request
        for kind, typed in KINDS:
            cells = []
            for name, actor in actors.items():
                search_results(db.session, actor, typed)  # warm the statement cache
                samples, cpu = [], []
                for _ in range(repeat):
                    started, started_cpu = time.perf_counter(), time.process_time()
                    search_results(db.session, actor, typed)
                    samples.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - started_cpu) * 1000)
                p50, p95 = percentiles(samples)
                worst = max(worst, p95)
                cells.append(f"{p50:6.1f} / {p95:5.1f} ({statistics.median(cpu):4.1f})")
            print(f"  {kind:30s} " + "".join(f"{cell:>23s}" for cell in cells))
        db.session.rollback()
    print(f"  worst p95: {worst:.2f} ms (target: 50 ms)")
    client = app.test_client()
    client.post("/login/", data={"username": "admin", "password": "masklog-demo"})
    print(f"{dialect}: GET /api/v1/unit/search as the central administrator (whole request), p50 / p95 ms")
    for kind, typed in (("name prefix", "เชียง"), ("nothing matches", "ฮฮฮฮ")):
        assert client.get("/api/v1/unit/search", query_string={"term": typed}).status_code == 200
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get("/api/v1/unit/search", query_string={"term": typed})
            samples.append((time.perf_counter() - started) * 1000)
        p50, p95 = percentiles(samples)
        print(f"  {kind:30s} {p50:7.2f} / {p95:6.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--end-units", type=int, default=70_000)
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        print("SQLite: building the national database")
        measure("sqlite:///" + os.path.join(tempfile.mkdtemp(), "picker.db"), args.end_units, args.repeat, True)
    if args.backend in ("postgresql", "both"):
        bindir = find_pg_bindir()
        if not bindir:
            sys.exit("PostgreSQL server binaries are needed (apt install postgresql)")
        server = ThrowawayPostgres(bindir)
        try:
            print("\nPostgreSQL: building the national database")
            measure(server.start(), args.end_units, args.repeat, True)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
