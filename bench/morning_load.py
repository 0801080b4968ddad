"""The letter's morning as a bounded load test (no locust: a plain script, so
it needs nothing beyond the project's packages): throwaway PostgreSQL, Redis
and gunicorn on loopback with the demo data, many users of many units at once
for --minutes (10 by default):

- the officer of each unit below อำเภอเมืองเชียงใหม่ (18, each with a stock of
  its own): first the day's receipt and the committee's signed count, then
  distributions, "nothing today", and the confirmation of every shipment that
  reaches it — through the REST API (JSON, JWT, an Idempotency-Key each);
- the district's officer allocating to those units (each share confirmed by
  its receiver);
- people reading: the district's today page and the province's dashboard and
  completeness page (signed-in browser sessions).

Printed: requests and writes per second, p95 per kind, errors (any answer
not 2xx/3xx, or a refused write that is not a stock refusal). Then in SQL:
the ledger equals the balances, no balance below zero on any day, every
shipment's sent = confirmed + discrepancy + in transit + recalled, and the
rollups equal a rebuild from the documents.
Usage: .venv/bin/python bench/morning_load.py [--minutes 10] [--workers 4]"""
import argparse
import json
import os
import queue
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from app.devtools.throwaway_redis import free_port  # noqa: E402
from faults import ledger_verdict, sql, verdict, workers_of  # noqa: E402
from stack import Stack, run_app_script  # noqa: E402
from submissions import BIN, ROOT, STOCK_UP, api_login, login, start_gunicorn  # noqa: E402

# One officer per stocked unit (the demo has users at a few units only), who also
# sits on the unit's counting committee (signs the day's count through the API).
MAKE_OFFICERS = """
import sys
from app import create_app
from app.commands.passwords import hash_password
from app.commands.setup import system_actor
from app.commands.users import create_user
from app.devtools.demo import DEMO_PASSWORD
from app.extensions import db
from app.models.unit import Unit
from app.roles import COUNTING_COMMITTEE, OFFICER
with create_app().app_context():
    actor, password = system_actor(db.session), hash_password(DEMO_PASSWORD)
    for unit_id in sys.argv[1:]:
        unit = db.session.get(Unit, int(unit_id))
        user = create_user(db.session, actor, username=f"load-{unit.id}", first_name="เจ้าหน้าที่",
                           last_name=unit.code, email=f"load-{unit.id}@example.invalid", unit=unit,
                           role_names=[OFFICER, COUNTING_COMMITTEE])
        user.password = password
    db.session.commit()
"""
COMMITTEE = [{"name": f"กรรมการ {n}", "position": "ปลัดอำเภอ"} for n in range(3)]


class Stats:
    def __init__(self):
        self.lock, self.latency, self.errors, self.refused = threading.Lock(), defaultdict(list), Counter(), Counter()
        self.writes = 0

    def add(self, kind, seconds, status, write, answer=""):
        with self.lock:
            self.latency[kind].append(seconds)
            if status >= 400 and not (status == 422 and ("คงเหลือ" in answer or "insufficient" in answer)):
                self.errors[(kind, status)] += 1
            elif status == 422:
                self.refused[kind] += 1  # not enough stock left: the rule working, not an error
            elif write:
                self.writes += 1


def timed(stats, kind, call, write=True):
    started = time.perf_counter()
    try:
        status, answer = call()
    except Exception as error:  # noqa: BLE001  (a dropped connection is an error of the run)
        stats.add(kind, time.perf_counter() - started, 599, write, type(error).__name__)
        return 599, ""
    stats.add(kind, time.perf_counter() - started, status, write, answer if status >= 400 else "")
    return status, answer


def peak_rss_mib(pid: int) -> float:
    """A process's peak resident memory (VmHWM) so far."""
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmHWM")) / 1024


def api(session, method, path, body=None):
    return session.request(method, path, json_body=body,
                           headers=[session.bearer, f"Idempotency-Key: {uuid.uuid4().hex}"] if body is not None
                           else [session.bearer])


def officer_loop(port, unit_id, group_id, shipments, deadline, stats, rng):
    session = api_login(port, f"load-{unit_id}")
    status, answer = timed(stats, "receipt", lambda: api(session, "POST", "/api/v1/receipt/", {
        "unit_id": unit_id, "source": "ศบค.มท.", "reference_no": f"L-{unit_id}", "quantity_sent": 500}))
    if status == 201:
        receipt = json.loads(answer)["id"]
        timed(stats, "count (signed)", lambda: api(session, "POST", "/api/v1/count/", {
            "unit_id": unit_id, "lines": [{"receipt_id": receipt, "counted": 500}], "members": COMMITTEE,
            "chair_name": COMMITTEE[0]["name"], "physical_count": 500, "sign": True}))
    while time.monotonic() < deadline:
        try:
            line = shipments.get_nowait()
            timed(stats, "confirmation", lambda: api(session, "POST", f"/api/v1/shipment/{line}/confirm",
                                                     {"received": 1}))
            continue
        except queue.Empty:
            pass
        if rng.random() < 0.12:
            timed(stats, "nothing today", lambda: api(session, "POST", "/api/v1/no_activity/", {"unit_id": unit_id}))
        else:
            timed(stats, "distribution", lambda: api(session, "POST", "/api/v1/distribution/", {
                "unit_id": unit_id, "lines": [{"risk_group_id": group_id, "quantity": rng.randint(1, 3),
                                               "people_reached": 1}]}))


def allocator_loop(port, own, units, queues, deadline, stats, rng):
    session = api_login(port, "cm-officer")
    while time.monotonic() < deadline:
        receiver = rng.choice(units)
        status, answer = timed(stats, "allocation", lambda: api(session, "POST", "/api/v1/allocation/", {
            "unit_id": own, "document_no": f"ชม {rng.randrange(10 ** 6)}",
            "shares": [{"unit_id": receiver, "quantity": 1}]}))
        if status == 201:
            queues[receiver].put(json.loads(answer)["result"]["lines"][0]["id"])


def reader_loop(port, username, paths, deadline, stats):
    session = login(port, username)
    while time.monotonic() < deadline:
        for kind, path in paths:
            timed(stats, kind, lambda: session.request("GET", path), write=False)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--readers", type=int, default=4)
    args = parser.parse_args()
    port = free_port()
    stack = Stack().__enter__()
    url, env, stocked = stack.url, stack.env, stack.stocked
    gunicorn, results = None, []
    try:
        run_app_script(env, STOCK_UP, "cm-admin")  # the districts' own stock, for the allocations
        run_app_script(env, MAKE_OFFICERS, *map(str, stocked))
        gunicorn = start_gunicorn("run:app", port, args.workers, env)
        probe = api_login(port, "cm-officer")
        group_id = json.loads(api(probe, "GET", "/api/v1/risk_group/")[1])["result"][0]["id"]
        own = json.loads(api(probe, "GET", "/api/v1/unit/?q=(page_size:1)")[1])["result"][0]["id"]
        district_page = f"/today/{own}"
        province = sql(url, "SELECT id FROM unit WHERE code = '50'")
        stats, deadline = Stats(), time.monotonic() + args.minutes * 60
        queues = {unit: queue.Queue() for unit in stocked}
        threads = [threading.Thread(target=officer_loop, args=(port, unit, group_id, queues[unit], deadline, stats,
                                                               random.Random(unit)), daemon=True) for unit in stocked]
        threads.append(threading.Thread(target=allocator_loop, args=(port, own, stocked, queues, deadline, stats,
                                                                     random.Random(1)), daemon=True))
        pages = [("today page", district_page), ("dashboard", f"/dashboard/{province}"),
                 ("completeness", f"/dashboard/{province}/completeness")]
        for n in range(args.readers):
            threads.append(threading.Thread(target=reader_loop, args=(port, "cm-officer" if n % 2 else "cm-viewer",
                                                                      pages if n % 2 == 0 else pages[:1], deadline,
                                                                      stats), daemon=True))
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        total = sum(len(values) for values in stats.latency.values())
        print(f"{args.minutes:g} min, {len(stocked)} officers' programs, 1 allocator, {args.readers} readers, "
              f"gunicorn -w {args.workers}:")
        print(f"  {total / elapsed:,.0f} requests/s, {stats.writes / elapsed:,.0f} writes/s "
              f"(target >= 300 writes/s); refused for lack of stock: {dict(stats.refused)}")
        for kind, values in sorted(stats.latency.items()):
            values.sort()
            p95 = values[min(len(values) - 1, int(len(values) * 0.95))] * 1000
            print(f"  {kind:16s} {len(values):7,d}  p95 {p95:7.1f} ms")
        results.append(verdict(not stats.errors, f"errors: {dict(stats.errors) or 0}"))
        peaks = [peak_rss_mib(pid) for pid in workers_of(gunicorn.pid)]
        results.append(verdict(max(peaks) <= 150, f"peak RSS per worker {', '.join(f'{p:.0f}' for p in peaks)} MiB "
                                                   "(target <= 150)"))

        print("Invariants in SQL")
        results.append(ledger_verdict(url))
        negative_days = sql(url, "SELECT count(*) FROM (SELECT sum(sum(quantity)) OVER (PARTITION BY unit_id, item_id "
                                 "ORDER BY entry_date) AS closing FROM ledger_line GROUP BY unit_id, item_id, "
                                 "entry_date) d WHERE closing < 0")
        results.append(verdict(negative_days == "0", f"no closing balance below zero on any day ({negative_days})"))
        unbalanced = sql(url, "SELECT count(*) FROM allocation_line WHERE quantity_sent <> coalesce(confirmed_quantity, 0)"
                              " + coalesce(discrepancy, 0) + CASE WHEN status IN ('in_transit', 'recalled') "
                              "THEN quantity_sent ELSE 0 END")
        shipped = sql(url, "SELECT count(*), count(*) FILTER (WHERE status = 'confirmed') FROM allocation_line")
        results.append(verdict(unbalanced == "0", f"sent = confirmed + discrepancy + in transit + recalled "
                                                  f"(shipments, confirmed: {shipped.replace('|', ', ')})"))
        sql(url, "CREATE TABLE daily_before AS SELECT * FROM daily_rollup; "
                 "CREATE TABLE groups_before AS SELECT * FROM risk_group_rollup")
        subprocess.run([os.path.join(BIN, "flask"), "masklog", "rebuild-rollups"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        differ = sql(url, "SELECT (SELECT count(*) FROM ((SELECT * FROM daily_before EXCEPT SELECT * FROM daily_rollup) "
                          "UNION ALL (SELECT * FROM daily_rollup EXCEPT SELECT * FROM daily_before)) a) + "
                          "(SELECT count(*) FROM ((SELECT * FROM groups_before EXCEPT SELECT * FROM risk_group_rollup) "
                          "UNION ALL (SELECT * FROM risk_group_rollup EXCEPT SELECT * FROM groups_before)) b)")
        rows = sql(url, "SELECT count(*) FROM daily_rollup")
        results.append(verdict(differ == "0", f"rollups = rebuild from the documents ({rows} rows, {differ} differ)"))
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait()
        stack.__exit__()
    print(f"verdict: {'PASS' if all(results) else 'FAIL'} ({sum(results)}/{len(results)})")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
