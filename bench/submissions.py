"""Submissions per second through the real path: HTTP -> gunicorn -> FAB view
-> domain command -> PostgreSQL, with CSRF on, next to a bare Flask endpoint
doing one INSERT on the same server configuration, and the today page's
views per second. Starts its own throwaway PostgreSQL (app/devtools/throwaway_postgres.py).

Receipts go through the form and through the REST API (JSON, JWT, an
Idempotency-Key each) in alternating runs, so the two compare in one run.

Usage: .venv/bin/python bench/submissions.py [--seconds 15] [--clients 16] [--workers 4] [--user cm-officer]

The clients sign in as --user: by default the demo district officer (อำเภอเมือง
เชียงใหม่, 18 units below), whose day this is; `--user admin` is the central
unit, whose today page lists all 77 provinces on its allocation sheet."""
import argparse
import datetime
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from app.devtools.throwaway_postgres import ThrowawayPostgres, find_pg_bindir  # noqa: E402
from app.thai import today as thai_today  # noqa: E402

PORT_APP, PORT_BARE = 5091, 5092
BIN = os.path.dirname(sys.executable)


class Session:
    """One keep-alive HTTP/1.1 connection with cookies, like one officer's phone.

    A plain socket rather than http.client: the load generator shares the two
    cores with the servers, and http.client's e-mail header parser cost ~0.5 ms
    of CPU per request, taken from whichever server was being measured."""

    def __init__(self, port):
        self.port = port
        self.socket = None
        self.cookies = {}

    def request(self, method, path, form=None, keep_cookies=True, json_body=None, headers=()):
        if json_body is not None:
            body = json.dumps(json_body).encode()
        else:
            body = urllib.parse.urlencode(form).encode() if form is not None else b""
        head = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{self.port}", f"Content-Length: {len(body)}",
                *headers]
        if json_body is not None:
            head.append("Content-Type: application/json")
        elif form is not None:
            head.append("Content-Type: application/x-www-form-urlencoded")
        if self.cookies:
            head.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        if self.socket is None:  # gunicorn's sync workers close after every response
            self.socket = socket.create_connection(("127.0.0.1", self.port), timeout=30)
            self.buffer = b""
        self.socket.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + body)
        while b"\r\n\r\n" not in self.buffer:
            self._receive()
        header_block, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        status_line, *header_lines = header_block.decode("latin-1").split("\r\n")
        headers = [line.split(":", 1) for line in header_lines]
        length = next((int(v) for k, v in headers if k.lower() == "content-length"), None)
        if length is None:
            raise http.client.HTTPException("response without Content-Length")
        while len(self.buffer) < length:
            self._receive()
        data, self.buffer = self.buffer[:length], self.buffer[length:]
        self.location = next((v.strip() for k, v in headers if k.lower() == "location"), None)
        if any(k.lower() == "connection" and v.strip().lower() == "close" for k, v in headers):
            self.socket.close()
            self.socket = None
        for name, value in headers if keep_cookies else ():
            if name.lower() == "set-cookie":
                cookie_name, _, rest = value.strip().partition("=")
                self.cookies[cookie_name] = rest.split(";")[0]
        return int(status_line.split(" ", 2)[1]), data.decode("utf-8", "replace")

    def _receive(self):
        chunk = self.socket.recv(262144)
        if not chunk:
            raise http.client.HTTPException("connection closed")
        self.buffer += chunk


def login(port, username):
    session = Session(port)
    _, page = session.request("GET", "/login/")
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    status, _ = session.request("POST", "/login/", {"username": username, "password": "masklog-demo",
                                                    "csrf_token": token})
    assert status == 302, status
    return session


def api_login(port, username):
    """A script's session: a JWT from the API sign-in, sent as a header."""
    session = Session(port)
    status, answer = session.request("POST", "/api/v1/security/login", json_body={
        "username": username, "password": "masklog-demo", "provider": "db"})
    assert status == 200, (status, answer)
    session.bearer = "Authorization: Bearer " + json.loads(answer)["access_token"]
    return session


def run_load(seconds, clients, make_session, one_request):
    latencies, errors = [], []
    # Sign every client in before the clock starts: a sign-in hashes a password on
    # purpose slowly (~0.3 s of CPU), and 16 of them would eat a fifth of a 15 s run.
    sessions = [make_session(n) for n in range(clients)]
    deadline = time.perf_counter() + seconds

    def worker(n):
        session = sessions[n]
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                ok = one_request(session, n)
            except (OSError, http.client.HTTPException) as error:
                ok = False
                if not errors:
                    print("first error:", repr(error), file=sys.stderr)
                session.failed = True  # a caller that keeps sessions between runs makes a new one
                session = make_session(n)
            latencies.append(time.perf_counter() - started) if ok else errors.append(1)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    if not latencies:
        raise RuntimeError(f"no request succeeded ({len(errors)} failed)")
    pct = lambda p: latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000  # noqa: E731
    return {"per_second": len(latencies) / elapsed, "p50": pct(0.50), "p95": pct(0.95),
            "count": len(latencies), "errors": len(errors)}


def start_gunicorn(target, port, workers, env):
    process = subprocess.Popen([os.path.join(BIN, "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
                                "--log-level", "warning", target], cwd=ROOT, env=env)
    for _ in range(100):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/health")
            return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{target} did not start")


# Run in a child process with the bench's environment: put 10,000,000 pieces in
# stock at every active unit below the user's own (a receipt, counted and
# signed three days ago, so that back-dated distributions have stock on their
# day), so that each distributing client spends from a unit of its own.
STOCK_UP = """
import sys
from app import create_app
from app.commands.count import CountLineInput, save_count, sign_count
from app.commands.receipt import record_receipt
from app.extensions import db
from app.models.ledger import DailyCount
from app.models.unit import Unit
from app.models.user import MaskLogUser
from app.thai import today
import datetime
STOCKED_ON = today() - datetime.timedelta(days=3)
with create_app().app_context():
    session = db.session
    actor = session.query(MaskLogUser).filter_by(username=sys.argv[1]).one()
    members = [{"name": f"กรรมการ {n}", "position": "ปลัดอำเภอ"} for n in range(3)]
    units = session.query(Unit).filter(Unit.parent_id == actor.unit_id, Unit.active.is_(True)).order_by(Unit.code)
    for unit in units:  # registered before the stock arrived
        unit.created_on -= datetime.timedelta(days=7)
    session.commit()
    for unit in units:
        if session.query(DailyCount.id).filter_by(unit_id=unit.id, count_date=STOCKED_ON).first():
            continue  # the demo's own days of work already signed this unit's count
        receipt = record_receipt(session, actor, unit=unit, receipt_date=STOCKED_ON, source="bench",
                                 reference_no=f"S-{unit.id}", quantity_sent=10_000_000)
        count = save_count(session, actor, unit=unit, count_date=STOCKED_ON, members=members,
                           lines=[CountLineInput(receipt.id, counted=10_000_000)], chair_name=members[0]["name"],
                           physical_count=10_000_000)
        sign_count(session, actor, count)
        print(unit.id)
    session.commit()
"""


def form_officer(port, username):
    """A signed-in browser on the user's own today page (its CSRF token and unit)."""
    session = login(port, username)
    session.request("GET", "/today/")
    _, page = session.request("GET", urllib.parse.urlparse(session.location).path)
    session.token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    session.unit = re.search(r'/today/(\d+)/receipt', page).group(1)
    return session


def form_receipt(session, n):
    status, _ = session.request("POST", f"/today/{session.unit}/receipt", {
        "csrf_token": session.token, "source": "bench", "reference_no": f"B-{n}",
        "quantity_sent": "10", "form_token": os.urandom(12).hex()}, keep_cookies=False)
    # A browser would follow the redirect and show the flash; this client does not,
    # so it keeps its first cookie instead of one that piles up unread flashes.
    return status == 302


def api_client(port, username):
    session = api_login(port, username)
    status, answer = session.request("GET", "/api/v1/unit/?q=(page_size:1)", headers=[session.bearer])
    session.unit = int(json.loads(answer)["result"][0]["id"])  # the user's own unit comes first (path order)
    return session


def api_receipt(session, n):
    """What a province's script sends: JSON, a JWT, an Idempotency-Key per receipt."""
    status, _ = session.request("POST", "/api/v1/receipt/", json_body={
        "unit_id": session.unit, "source": "bench", "reference_no": f"B-{n}", "quantity_sent": 10},
        headers=[session.bearer, f"Idempotency-Key: {os.urandom(12).hex()}"])
    return status == 201


def form_distributor(port, username, unit):
    """A browser on a stocked unit's today page, ready to distribute to its first risk group."""
    session = form_officer(port, username)
    session.unit = unit
    _, page = session.request("GET", f"/today/{session.unit}")
    session.group = re.search(r'name="pieces-(\d+)"', page).group(1)
    return session


def form_distribution(session, _n, day=None):
    """Two pieces to one person; `day` (ISO) dates it back (the back-dating rule
    then reads the unit's ledger lines after that day)."""
    form = {"csrf_token": session.token, f"pieces-{session.group}": "2", f"people-{session.group}": "1",
            "form_token": os.urandom(12).hex()}
    if day:
        form["date"] = day
    status, _ = session.request("POST", f"/today/{session.unit}/distribute", form, keep_cookies=False)
    return status == 302


def today_page(session, _n):
    status, _ = session.request("GET", f"/today/{session.unit}")
    return status == 200


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--user", default="cm-officer")
    args = parser.parse_args()
    server = ThrowawayPostgres(find_pg_bindir())
    url = server.start()
    # 16 officers sign in from one address within a second: the sign-in limits stay
    # on as in production (successful sign-ins never count, so none is held back).
    env = dict(os.environ, DATABASE_URL=url, MASKLOG_CONFIG="demo", FLASK_APP="run.py")
    processes = []
    try:
        subprocess.run([os.path.join(BIN, "flask"), "db", "upgrade"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        subprocess.run([os.path.join(BIN, "flask"), "masklog", "setup", "--demo"], cwd=ROOT, env=env, check=True,
                       capture_output=True)
        subprocess.run(["psql", url, "-qc", "CREATE TABLE bench_bare (id serial primary key, note text)"],
                       check=True, capture_output=True)
        stocking = subprocess.run([sys.executable, "-c", STOCK_UP, args.user], cwd=ROOT, env=env,
                                  capture_output=True, text=True)
        if stocking.returncode:
            sys.exit(f"stocking up failed:\n{stocking.stderr[-3000:]}")
        stocked = stocking.stdout.split()
        processes.append(start_gunicorn("run:app", PORT_APP, args.workers, env))
        processes.append(start_gunicorn("bench.bare_app:app", PORT_BARE, args.workers, env))

        def officer(_n):
            return form_officer(PORT_APP, args.user)

        def api_officer(_n):
            return api_client(PORT_APP, args.user)

        def distributor(n):
            return form_distributor(PORT_APP, args.user, stocked[n % len(stocked)])

        two_days_ago = (thai_today() - datetime.timedelta(days=2)).isoformat()

        bare = run_load(args.seconds, args.clients, lambda n: Session(PORT_BARE),
                        lambda s, n: s.request("POST", "/bare")[0] == 200)
        # Form and API receipts alternate (form, API, API, form): the machine's speed drifts between runs.
        form_runs, api_runs = [], []
        for first, second in ((form_runs, api_runs), (api_runs, form_runs)):
            for runs in (first, second):
                runs.append(run_load(args.seconds, args.clients, officer, form_receipt) if runs is form_runs
                            else run_load(args.seconds, args.clients, api_officer, api_receipt))
        submissions = max(form_runs, key=lambda result: result["per_second"])
        api_submissions = max(api_runs, key=lambda result: result["per_second"])
        distributions = run_load(args.seconds, args.clients, distributor, form_distribution)
        back_dated = run_load(args.seconds, args.clients, distributor,
                              lambda session, n: form_distribution(session, n, two_days_ago))
        pages = run_load(args.seconds, args.clients, officer, today_page)
        print(f"gunicorn -w {args.workers}, {args.clients} concurrent clients, {args.seconds:.0f} s each, "
              f"PostgreSQL, {os.cpu_count()} cores, signed in as {args.user}")
        for name, result in (("bare INSERT endpoint", bare), ("receipt submission", submissions),
                             ("receipt through the API", api_submissions),
                             (f"distribution ({len(stocked)} units)", distributions),
                             ("  dated two days back", back_dated), ("today page view", pages)):
            print(f"{name:26s} {result['per_second']:7.1f}/s  p50 {result['p50']:6.1f} ms  "
                  f"p95 {result['p95']:6.1f} ms  ({result['count']} ok, {result['errors']} failed)")
        print("receipts, form runs: " + ", ".join(f"{r['per_second']:.1f}/s" for r in form_runs)
              + "; API runs: " + ", ".join(f"{r['per_second']:.1f}/s" for r in api_runs)
              + f"; best API / best form = {100 * api_submissions['per_second'] / submissions['per_second']:.0f}%")
        print(f"receipts reach {100 * submissions['per_second'] / bare['per_second']:.0f}% of the bare endpoint, "
              f"distributions {100 * distributions['per_second'] / bare['per_second']:.0f}%; a back-dated "
              f"distribution runs at {100 * back_dated['per_second'] / distributions['per_second']:.0f}% of one "
              f"dated today")
    finally:
        for process in processes:
            process.terminate()
            process.wait()
        server.stop()


if __name__ == "__main__":
    main()
