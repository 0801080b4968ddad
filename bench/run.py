"""`make bench`: every benchmark in one run, one table (issue #20).

Starts a throwaway PostgreSQL and Redis with the demo data (bench/stack.py),
times the hierarchy import on fresh databases, generates the synthetic national
dataset (every real unit plus ~70,000 end units x 365 days,
app/devtools/synthetic.py), starts gunicorn (the app, a bare Flask endpoint
doing one INSERT, and the app with one form more that does only that INSERT —
bench/floor_app.py, the stack's floor; same workers, same database) on
loopback, and measures each figure --runs times: the table gives the median,
min-max and, where there is one, the ratio to a yardstick measured in the same
run (the bare endpoint and the floor for writes, a raw GROUP BY over the
ledger for dashboards).

Writes and page views: --clients concurrent clients for --seconds each run.
Forms are the today page's (CSRF on), the API is JSON with a JWT and an
Idempotency-Key per write. Dashboards, completeness and the unit picker are
timed one request at a time (p95 of each run's requests).

Usage: .venv/bin/python bench/run.py [--runs 3] [--seconds 5] [--end-units 70000] [--days 365]
The other scripts in bench/ are its parts, each runnable alone with more detail."""
import argparse
import http.client
import io
import os
import statistics
import sys
import time
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

import flask_migrate  # noqa: E402

from app import create_app  # noqa: E402
from app.commands.hierarchy import sync_hierarchy  # noqa: E402
from app.devtools.demo import DEMO_PASSWORD  # noqa: E402
from app.devtools.synthetic import generate  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models.unit import Unit  # noqa: E402
from app.queries import periods  # noqa: E402
from app.queries.reference import active_items  # noqa: E402
from bulk_import import users_csv  # noqa: E402
from config import TestConfig  # noqa: E402
from dashboards import raw_figures  # noqa: E402
from faults import sql, workers_of  # noqa: E402
from form_reconcile import reconcile  # noqa: E402
from morning_load import COMMITTEE, MAKE_OFFICERS, api, peak_rss_mib  # noqa: E402
from profiles import profile, profiling_app  # noqa: E402
from stack import Stack, run_app_script  # noqa: E402
from submissions import (STOCK_UP, Session, api_client, api_login, api_receipt, form_distribution,  # noqa: E402
                         form_distributor, form_officer, form_receipt, login, run_load, start_gunicorn, today_page)
from unit_picker import KINDS, percentiles  # noqa: E402
from app.devtools.throwaway_redis import free_port  # noqa: E402


class Table:
    def __init__(self):
        self.rows = []

    def add(self, name, samples, unit, ratio="", target="", ok=None):
        self.rows.append((name, samples, unit, ratio, target, ok))
        median = statistics.median(samples)
        print(f"  {name}: {median:,.1f} {unit} ({', '.join(f'{s:,.1f}' for s in samples)})", flush=True)
        return median

    def print(self):
        print()
        print(f"{'figure':44s} {'median':>9s} {'min-max':>17s} {'unit':5s} {'ratio to yardstick':42s} "
              f"{'target':14s} verdict")
        for name, samples, unit, ratio, target, ok in self.rows:
            spread = f"{min(samples):,.1f}-{max(samples):,.1f}"
            verdict = "" if ok is None else ("met" if ok else "MISSED")
            print(f"{name:44s} {statistics.median(samples):9,.1f} {spread:>17s} {unit:5s} {ratio:42s} "
                  f"{target:14s} {verdict}")


def app_for(url):
    return create_app(type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))


def sequential_p95(session, paths, requests):
    """p95 in ms of `requests` GETs cycling through `paths`, one at a time."""
    timings = []
    for n in range(requests):
        started = time.perf_counter()
        status, _ = session.request("GET", paths[n % len(paths)])
        timings.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"{paths[n % len(paths)]}: HTTP {status}")
    return percentiles(timings)[1]


def download(port, session, path):
    """A streamed answer (no Content-Length, which Session needs): status and bytes."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    connection.request("GET", path, headers={"Cookie": "; ".join(f"{k}={v}" for k, v in session.cookies.items())})
    response = connection.getresponse()
    size = len(response.read())
    connection.close()
    return response.status, size


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--end-units", type=int, default=70_000)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    runs, table, began = range(args.runs), Table(), time.perf_counter()
    print(f"{os.cpu_count()} cores; {args.runs} runs per figure; writes and views: {args.clients} clients, "
          f"{args.seconds:g} s per run, gunicorn -w {args.workers}", flush=True)
    stack = Stack().__enter__()
    processes = []
    try:
        url, env = stack.url, stack.env
        print("hierarchy import (fresh databases)", flush=True)
        seconds = []
        for n in runs:
            fresh = app_for(stack.server.create_database(f"bench_hierarchy_{n}"))
            with fresh.app_context():
                flask_migrate.upgrade()
                started = time.perf_counter()
                sync_hierarchy(db.session)
                db.session.commit()
                seconds.append(time.perf_counter() - started)
                db.session.remove()
                db.engine.dispose()
        table.add("hierarchy import (8,438 units)", seconds, "s")

        print(f"national dataset: {args.end_units:,} end units x {args.days} days", flush=True)
        national = app_for(url)
        with national.app_context():
            started = time.perf_counter()
            counts = generate(db.session, end_units=args.end_units, days=args.days, rollups_side_by_side=True,
                              progress=lambda line: print("  " + line, flush=True))
            db.session.commit()
            units = db.session.query(Unit).count()
            db.session.remove()
        generated = time.perf_counter() - started
        # As a database in service would be: its rows vacuumed and analysed
        # (autovacuum would otherwise spend a core on them during the measures).
        sql(url, "VACUUM (ANALYZE)")
        print(f"  {units:,} units, {counts['ledger_line']:,} ledger lines, {counts['daily_rollup']:,} rollup "
              f"rows: generated in {generated:.0f} s, vacuumed in {time.perf_counter() - started - generated:.0f} s",
              flush=True)

        run_app_script(env, STOCK_UP, "cm-admin")  # the districts' own stock, for the allocations
        stocked = stack.stocked
        run_app_script(env, MAKE_OFFICERS, *map(str, stocked))
        sql(url, "CREATE TABLE bench_bare (id serial primary key, note text)")
        app_port, bare_port, floor_port = free_port(), free_port(), free_port()
        processes.append(start_gunicorn("run:app", app_port, args.workers, env))
        processes.append(start_gunicorn("bench.bare_app:app", bare_port, args.workers, env))
        processes.append(start_gunicorn("bench.floor_app:app", floor_port, args.workers, env))
        district = int(sql(url, "SELECT unit_id FROM ab_user WHERE username = 'cm-officer'"))
        central = int(sql(url, "SELECT id FROM unit WHERE level = 'central'"))
        province = int(sql(url, "SELECT id FROM unit WHERE code = '50'"))
        group = int(sql(url, "SELECT id FROM risk_group WHERE active ORDER BY sort_order LIMIT 1"))

        def load(make_session, one_request):
            # Each client signs in once for all the runs of a figure (a sign-in hashes a
            # password, ~0.3 s of CPU on purpose); a client whose request failed gets a new session.
            sessions = {}

            def session_of(n):
                sessions[n] = sessions[n] if n in sessions and not getattr(sessions[n], "failed", False) \
                    else make_session(n)
                return sessions[n]

            # A first second unmeasured: workers still starting, pools still connecting.
            run_load(1, args.clients, session_of, one_request)
            return [run_load(args.seconds, args.clients, session_of, one_request) for _ in runs]

        def add_load(name, results, yardstick=None, share=None, p95_target=None, rate_target=None, floor=None):
            rates = [r["per_second"] for r in results]
            median = statistics.median(rates)
            ratio, ok, target = "", None, ""
            if yardstick:
                ratio = f"{100 * median / yardstick:.0f}% of the bare INSERT"
            if floor:
                ratio += f", {100 * median / floor:.0f}% of the floor"
            if share is not None:
                ok, target = 100 * median / yardstick >= share, f">= {share}%"
            if rate_target is not None:
                ok, target = median >= rate_target, f">= {rate_target}/s"
            errors = sum(r["errors"] for r in results)
            table.add(name + (f" ({errors} errors)" if errors else ""), rates, "/s", ratio, target,
                      None if ok is None else ok and not errors)
            latency = [r["p95"] for r in results]
            latency_ok = None if p95_target is None else statistics.median(latency) <= p95_target
            table.add("  p95", latency, "ms", "", f"<= {p95_target} ms" if p95_target else "", latency_ok)
            if ok is False or latency_ok is False:
                missed.add(name)
            return median

        missed, profiles, profiling = set(), [], {}

        def profile_if_missed(name, page, one_request, username="cm-officer"):
            """A missed figure's profile (bench/profiles.py), taken now: printed after the table."""
            if name in missed:
                if "app" not in profiling:
                    profiling["app"] = profiling_app(url)
                profiles.append(profile(profiling["app"], name, username, DEMO_PASSWORD, page, one_request))

        def today_page_in_process(client, _token, _n):
            assert client.get(f"/today/{district}").status_code == 200

        print("page views, then writes", flush=True)
        # Before the writes, which pile thousands of documents on the district's own day.
        add_load("today page views (district)", load(lambda n: form_officer(app_port, "cm-officer"), today_page),
                 rate_target=300)
        profile_if_missed("today page views (district)", f"/today/{district}", today_page_in_process)
        bare = add_load("bare Flask + one INSERT (yardstick)",
                        load(lambda n: Session(bare_port), lambda s, n: s.request("POST", "/bare")[0] == 200))

        def floor_form(session, _n):
            return session.request("POST", "/bench-floor/", {"csrf_token": session.token}, keep_cookies=False)[0] == 302

        # What the stack itself costs a signed-in form (bench/floor_app.py): no write can be faster.
        floor = add_load("stack's floor: signed-in form + one INSERT",
                         load(lambda n: form_officer(floor_port, "cm-officer"), floor_form), bare)
        add_load("receipts, form", load(lambda n: form_officer(app_port, "cm-officer"), form_receipt), bare,
                 share=50, p95_target=50, floor=floor)
        add_load("receipts, API", load(lambda n: api_client(app_port, "cm-officer"), api_receipt), bare)
        add_load("distributions, form",
                 load(lambda n: form_distributor(app_port, "cm-officer", stocked[n % len(stocked)]),
                      form_distribution), bare, share=40, floor=floor)

        def api_officer(n):
            session = api_login(app_port, f"load-{stocked[n % len(stocked)]}")
            session.unit = stocked[n % len(stocked)]
            return session

        def api_distribution(session, _n):
            return api(session, "POST", "/api/v1/distribution/", {
                "unit_id": session.unit, "lines": [{"risk_group_id": group, "quantity": 1,
                                                    "people_reached": 1}]})[0] == 201

        add_load("distributions, API", load(api_officer, api_distribution), bare)

        def api_allocation(session, _n):
            """The district sends one piece to each of its units (a line each to confirm)."""
            return api(session, "POST", "/api/v1/allocation/", {
                "unit_id": district, "document_no": f"ชม {uuid.uuid4().hex[:8]}",
                "shares": [{"unit_id": unit, "quantity": 1} for unit in stocked]})[0] == 201

        add_load(f"allocations, API ({len(stocked)} shares each)",
                 load(lambda n: api_login(app_port, "cm-officer"), api_allocation), bare)

        def confirmer(n):
            session = api_officer(n)
            session.lines = sql(url, f"SELECT id FROM allocation_line WHERE unit_id = {session.unit} "
                                     f"AND status = 'in_transit' ORDER BY id").split()
            return session

        def api_confirmation(session, _n):
            if not session.lines:
                time.sleep(0.05)  # this client's shipments are all confirmed
                return False
            return api(session, "POST", f"/api/v1/shipment/{session.lines.pop()}/confirm",
                       {"received": 1})[0] == 200

        add_load("confirmations, API", load(confirmer, api_confirmation), bare)

        def api_count(session, _n):
            """The committee saves the day's count sheet (a draft, saved again and again)."""
            return api(session, "POST", "/api/v1/count/", {
                "unit_id": session.unit, "members": COMMITTEE, "chair_name": COMMITTEE[0]["name"],
                "physical_count": 1})[0] in (200, 201)

        add_load("counts (draft saves), API", load(api_officer, api_count), bare)

        def receipt_in_process(client, token, n):
            assert client.post(f"/today/{district}/receipt", data={
                "csrf_token": token, "source": "bench", "reference_no": f"P-{n}", "quantity_sent": "10",
                "form_token": uuid.uuid4().hex}).status_code == 302

        def distribution_in_process(client, token, _n):
            assert client.post(f"/today/{stocked[0]}/distribute", data={
                "csrf_token": token, f"pieces-{group}": "2", f"people-{group}": "1",
                "form_token": uuid.uuid4().hex}).status_code == 302

        profile_if_missed("receipts, form", f"/today/{district}", receipt_in_process)
        profile_if_missed("distributions, form", f"/today/{stocked[0]}", distribution_in_process)

        print("dashboards (one request at a time)", flush=True)
        with national.app_context():
            item = active_items(db.session)[0][0]
            month = periods.parse_period(None, None)
            raw = {}
            for label, unit_id in (("national", central), ("province", province), ("district", district)):
                # Once each: the country's GROUP BY takes ~15 s, and its order of size is the point.
                started = time.perf_counter()
                raw_figures(db.session, db.session.get(Unit, unit_id), item, month)
                raw[label] = (time.perf_counter() - started) * 1000
                db.session.rollback()
        readers = {"national": login(app_port, "admin"), "province": login(app_port, "cm-admin"),
                   "district": login(app_port, "cm-officer")}
        for label, unit_id in (("national", central), ("province", province), ("district", district)):
            samples = [sequential_p95(readers[label], [f"/dashboard/{unit_id}"], 20) for _ in runs]
            median = statistics.median(samples)
            table.add(f"dashboard p95, {label}", samples, "ms",
                      f"{100 * median / raw[label]:.1f}% of raw GROUP BY ({raw[label]:,.0f} ms)", "<= 50 ms",
                      median <= 50)
        for label, unit_id in (("national", central), ("province", province)):
            samples = [sequential_p95(readers[label], [f"/dashboard/{unit_id}/completeness"], 10) for _ in runs]
            table.add(f"completeness page p95, {label}", samples, "ms", "", "<= 300 ms",
                      statistics.median(samples) <= 300)
        searches = [f"/api/v1/unit/search?term={urllib.parse.quote(typed)}" for _kind, typed in KINDS]
        for label in ("national", "province"):
            samples = [sequential_p95(readers[label], searches, 3 * len(searches)) for _ in runs]
            table.add(f"unit picker per keystroke p95, {label}", samples, "ms", "", "<= 50 ms",
                      statistics.median(samples) <= 50)

        print("imports and exports", flush=True)
        seconds = []
        for _ in runs:
            started = time.perf_counter()
            status, size = download(app_port, readers["national"], f"/dashboard/{central}/report.xlsx")
            seconds.append(time.perf_counter() - started)
            assert status == 200 and size > units * 20, (status, size)
        table.add(f"export, every unit ({units:,} rows, xlsx)", seconds, "s")
        client = national.test_client()
        client.post("/login/", data={"username": "cm-admin", "password": DEMO_PASSWORD})
        with national.app_context():
            province_unit = db.session.get(Unit, province)
            codes = [code for (code,) in db.session.query(Unit.code).filter(
                Unit.path.like(province_unit.path + "%"), Unit.level == "subdistrict")]
        seconds = []
        for n in runs:
            data = users_csv(codes, 5000, prefix=f"bench{n}")
            started = time.perf_counter()
            response = client.post("/registration/upload", data={"file": (io.BytesIO(data), "users.csv"),
                                                                  "mode": "all"}, content_type="multipart/form-data")
            seconds.append(time.perf_counter() - started)
            created = sql(url, f"SELECT count(*) FROM ab_user WHERE username LIKE 'bench{n}.%'")
            assert response.status_code in (200, 302) and created == "5000", (response.status_code, created)
        table.add("5,000-user import (upload, check, create)", seconds, "s")
        seconds = reconcile(national, 20_000, args.runs)
        table.add("Google-Form reconciliation, 20,000 rows", seconds, "s", "", "<= 10 s",
                  statistics.median(seconds) <= 10)
        peaks = [peak_rss_mib(pid) for pid in workers_of(processes[0].pid)]
        table.add("peak RSS per worker (max of the workers)", [max(peaks)], "MiB", "", "<= 150 MiB",
                  max(peaks) <= 150)
    finally:
        for process in processes:
            process.terminate()
            process.wait()
        stack.__exit__()
    table.print()
    for text in profiles:
        print("\n" + text)
    print(f"\nfinished in {(time.perf_counter() - began) / 60:.1f} min")


if __name__ == "__main__":
    main()
