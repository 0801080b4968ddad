"""A 20,000-row Google Form export reconciled end to end over HTTP (Flask test
client, target <= 10 s): upload (the file read and kept), the columns saved,
the result page (read, match every row, MaskLog's own figures of each unit
and day from the rollups, compare), the xlsx of every line.

The rows name the districts, subdistricts and any other units of Nakhon
Ratchasima (the largest province) as people type them (bench/form_matching.py's
variants), over 30 days, last answers winning over earlier ones.
Database: a new SQLite file with the demo data (default), a throwaway
PostgreSQL (--postgres), or one generated before (--database-url, e.g. the
synthetic national database kept by bench/dashboards.py --keep: its end units
then have a year of activity).
Usage: .venv/bin/python bench/form_reconcile.py [--rows 20000] [--postgres | --database-url URL]"""
import argparse
import csv
import datetime
import io
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import flask_migrate  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app import create_app, scoping  # noqa: E402
from app.devtools.demo import DEMO_PASSWORD, prepare_demo  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models.unit import Unit  # noqa: E402
from app.reconcile.unit_matching import units_of_province  # noqa: E402
from app.thai import today  # noqa: E402
from config import TestConfig  # noqa: E402
from form_matching import typed_forms  # noqa: E402

HEADER = ["ประทับเวลา", "ที่อยู่อีเมล", "จังหวัด", "อำเภอ", "ชื่อหน่วยงาน", "จำนวนที่ได้รับ (ชิ้น)", "แจกจ่ายรวม (ชิ้น)"]
MAPPING = {"role-timestamp": "ประทับเวลา", "role-email": "ที่อยู่อีเมล", "role-province": "จังหวัด",
           "role-district": "อำเภอ", "role-unit": "ชื่อหน่วยงาน", "role-received": "จำนวนที่ได้รับ (ชิ้น)",
           "role-distributed": "แจกจ่ายรวม (ชิ้น)"}


def export(units, rows: int, rng: random.Random) -> bytes:
    """The CSV Google gives: B.E. timestamps over the last 30 days, typed names."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    start = datetime.datetime.combine(today() - datetime.timedelta(days=29), datetime.time(7, 0))
    for n in range(rows):
        unit = rng.choice(units)
        text, district = typed_forms(unit, rng)
        stamp = start + datetime.timedelta(days=n % 30, seconds=(n * 7) % 36_000)
        writer.writerow([f"{stamp.day}/{stamp.month}/{stamp.year + 543} {stamp:%H:%M:%S}", f"p{n}@example.com",
                         "นครราชสีมา", district, text, str(rng.randrange(0, 500)), str(rng.randrange(0, 300))])
    return out.getvalue().encode("utf-8")


def timed(label, function, show=print):
    started = time.perf_counter()
    response = function()
    seconds = time.perf_counter() - started
    show(f"  {label:34s} {seconds:6.2f} s  (HTTP {response.status_code}, {len(response.data) / 1024:,.0f} KiB)")
    return response, seconds


def reconcile(app, rows: int, runs: int, verbose=False) -> list:
    """Upload a `rows`-row export of Nakhon Ratchasima as the central
    administrator, save its columns, then time the result page `runs` times
    (seconds each)."""
    with app.app_context():
        province = db.session.execute(select(Unit).where(Unit.code == "30")).scalar_one()
        units = [unit for unit in units_of_province(db.session, province) if unit.level != "province"]
        province_id = province.id
        in_province = db.session.query(Unit).filter(scoping.subtree_clause(Unit.path, province.path)).count()
    data = export(units, rows, random.Random(7))
    show = print if verbose else (lambda *_args: None)
    show(f"{rows:,} rows naming {len(units):,} of the province's {in_province:,} units "
         f"({len(data) / 1e6:.1f} MB CSV):")
    client = app.test_client()
    client.post("/login/", data={"username": "admin", "password": DEMO_PASSWORD})
    response, upload_s = timed("upload (read and keep)", lambda: client.post(
        "/reconcile/", data={"file": (io.BytesIO(data), "responses.csv"), "province": str(province_id)},
        content_type="multipart/form-data"), show)
    location = response.headers["Location"].split("?")[0]
    _r, columns_s = timed("columns saved (then the result)", lambda: client.post(
        f"{location}/columns", data=MAPPING, follow_redirects=True), show)
    seconds = [timed("result page", lambda: client.get(location), show)[1] for _ in range(runs)]
    _r, xlsx_s = timed("xlsx of every line", lambda: client.get(f"{location}/reconciliation.xlsx"), show)
    show(f"reconciled in {min(seconds):.2f} s (best of {runs}; target <= 10 s); upload + first result "
         f"{upload_s + columns_s:.2f} s; xlsx {xlsx_s:.2f} s")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--database-url")
    args = parser.parse_args()
    server = None
    if args.database_url:
        url = args.database_url
    elif args.postgres:
        from app.devtools.throwaway_postgres import ThrowawayPostgres, find_pg_bindir

        server = ThrowawayPostgres(find_pg_bindir())
        url = server.start()
    else:
        url = f"sqlite:///{tempfile.mkdtemp()}/reconcile.db"
    try:
        app = create_app(type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
        with app.app_context():
            if not args.database_url:
                flask_migrate.upgrade()
                prepare_demo(db.session)
                db.session.commit()
            else:
                flask_migrate.upgrade()  # a database generated by an older release
        reconcile(app, args.rows, 3, verbose=True)
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
