"""Faults under load, each with a printed verdict. Starts a throwaway
PostgreSQL, Redis (the sign-in counters) and gunicorn (2 workers) on loopback
with the demo data, then keeps writers busy: officers' programs posting
distributions through the REST API, each with an Idempotency-Key, and
retrying with the same key until an answer comes (what a careful client, or
the phone's offline queue with its form token, does). Meanwhile:

1. PostgreSQL restarts (stopped ~3 s): requests fail cleanly (503 with the Thai
   message, never 500), and the service recovers by itself, no app restart;
2. a gunicorn worker is killed (SIGKILL) mid-load: no half-written document,
   and the retries make each distribution exactly once;
3. Redis stops: sign-in stays open (documented), the writes go on;
4. the disk under the documents' tables fills up (a 30 MB loop-mounted
   filesystem as their tablespace; needs root and a loop device, else
   skipped): writes are refused 503 with the Thai "no room left" message,
   never 500, and go on once space returns.
At the end, in SQL: every write the clients meant exists exactly once, the
ledger adds up to the balances and no balance is negative.
Usage: .venv/bin/python bench/faults.py [--writers 4] [--seconds 4]"""
import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from stack import Stack  # noqa: E402
from submissions import api_login, start_gunicorn  # noqa: E402

PORT = 5093


class Writer(threading.Thread):
    """One program posting 1-piece distributions, retrying each with its key."""

    def __init__(self, number, unit_id, group_id, log, port=PORT):
        super().__init__(daemon=True)
        self.number, self.unit_id, self.group_id, self.log, self.port = number, unit_id, group_id, log, port
        self.stop, self.done, self.session = threading.Event(), [], None

    def _send(self, key):
        if self.session is None:
            self.session = api_login(self.port, "cm-officer")
        body = {"unit_id": self.unit_id, "lines": [{"risk_group_id": self.group_id, "quantity": 1,
                                                    "people_reached": 1}]}
        return self.session.request("POST", "/api/v1/distribution/", json_body=body,
                                    headers=[self.session.bearer, f"Idempotency-Key: {key}"])

    def run(self):
        while not self.stop.is_set():
            key, first = uuid.uuid4().hex, time.monotonic()
            while True:  # the same key until the server answers: never a second document
                try:
                    status, answer = self._send(key)
                except Exception as error:  # noqa: BLE001  (a killed worker or a refused connection)
                    self.log.append((time.monotonic(), "connection", type(error).__name__))
                    self.session = None
                    time.sleep(0.2)
                    continue
                self.log.append((time.monotonic(), status, answer if status >= 500 else ""))
                if status in (200, 201):
                    self.done.append(key)
                    break
                if status == 401:
                    self.session = None
                time.sleep(0.2)
                if time.monotonic() - first > 120:
                    raise RuntimeError(f"writer {self.number}: no answer for 120 s")


def workers_of(master: int) -> list:
    with open(f"/proc/{master}/task/{master}/children") as f:
        return [int(pid) for pid in f.read().split()]


def sql(url, query):
    done = subprocess.run(["psql", url, "-Atqc", query], capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{query}: {done.stderr}")
    return done.stdout.strip()


def tiny_filesystem(size_mb=30):
    """A small ext4 filesystem mounted on a loop device, or None (not root, no loop device)."""
    root = tempfile.mkdtemp(prefix="masklog-tiny-")
    os.chmod(root, 0o755)  # the postgres user reaches its tablespace through it
    image, mount = os.path.join(root, "fs.img"), os.path.join(root, "mnt")
    os.makedirs(mount)
    try:
        subprocess.run(["dd", "if=/dev/zero", f"of={image}", "bs=1M", f"count={size_mb}", "status=none"], check=True)
        subprocess.run(["mkfs.ext4", "-q", image], check=True, capture_output=True)
        subprocess.run(["mount", "-o", "loop", image, mount], check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        shutil.rmtree(root, ignore_errors=True)
        return None
    os.chmod(mount, 0o755)
    return mount


def fill(path) -> str:
    """Writes zeros into a file until the filesystem is full; returns the file."""
    filler = os.path.join(path, "filler")
    with open(filler, "wb") as f:
        try:
            while True:
                f.write(b"\0" * (1 << 20))
                f.flush()
        except OSError:
            pass
    return filler


def ledger_verdict(url) -> bool:
    """The ledger adds up to the balances, and no balance is below zero."""
    mismatched = sql(url, "SELECT count(*) FROM stock_balance b LEFT JOIN (SELECT unit_id, item_id, "
                          "sum(quantity) q FROM ledger_line GROUP BY unit_id, item_id) l USING (unit_id, item_id) "
                          "WHERE b.quantity <> coalesce(l.q, 0) OR b.quantity < 0")
    return verdict(mismatched == "0", f"ledger = balances, none negative ({mismatched} mismatches)")


def verdict(ok: bool, text: str) -> bool:
    print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    return ok


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=4)
    args = parser.parse_args()
    stack = Stack().__enter__()
    server, url, env, redis, stocked = stack.server, stack.url, stack.env, stack.redis, stack.stocked
    gunicorn, results, mount = None, [], None
    try:
        gunicorn = start_gunicorn("run:app", PORT, 2, env)
        probe = api_login(PORT, "cm-officer")
        _s, groups = probe.request("GET", "/api/v1/risk_group/", headers=[probe.bearer])
        group = json.loads(groups)["result"][0]["id"]
        log: list = []
        writers = [Writer(n, stocked[n % len(stocked)], group, log) for n in range(args.writers)]
        for writer in writers:
            writer.start()
        time.sleep(args.seconds)

        print("1. PostgreSQL restarts under load")
        down = time.monotonic()
        server.pause()
        time.sleep(3)
        server.resume()
        up = time.monotonic()
        time.sleep(args.seconds)
        during = [entry for entry in log if down <= entry[0] <= up + 1]
        answers = Counter(entry[1] for entry in during)
        recovered = next((entry[0] - up for entry in log if entry[0] > up and entry[1] in (200, 201)), None)
        results.append(verdict(answers.get(500, 0) == 0 and answers.get(503, 0) > 0,
                               f"while it was down: {dict(answers)} (503 with the Thai message, no 500)"))
        thai = next((entry[2] for entry in during if entry[1] == 503), "")
        results.append(verdict(recovered is not None and recovered < 10,
                               f"writes succeed again {recovered:.1f} s after it is back, no app restart"
                               if recovered is not None else "writes never succeeded again"))

        print("2. a gunicorn worker is killed (SIGKILL) mid-load")
        before = sum(len(writer.done) for writer in writers)
        victim = workers_of(gunicorn.pid)[0]
        os.kill(victim, signal.SIGKILL)
        killed = time.monotonic()
        time.sleep(args.seconds)
        after = sum(len(writer.done) for writer in writers)
        broken = Counter(entry[1] for entry in log if killed <= entry[0] <= killed + args.seconds)
        results.append(verdict(after > before and broken.get(500, 0) == 0,
                               f"worker {victim} killed; {after - before} writes done since, answers {dict(broken)}; "
                               f"gunicorn runs {len(workers_of(gunicorn.pid))} workers again"))

        print("3. Redis (the sign-in counters) stops")
        redis.terminate()
        redis.wait()
        try:
            session = api_login(PORT, "cm-officer")
            signed_in = bool(session.bearer)
        except (AssertionError, OSError):
            signed_in = False
        before = sum(len(writer.done) for writer in writers)
        time.sleep(args.seconds)
        after = sum(len(writer.done) for writer in writers)
        results.append(verdict(signed_in and after > before,
                               f"sign-in {'stays open' if signed_in else 'FAILED'} without Redis; "
                               f"{after - before} writes went on"))

        print("4. the disk under the documents' tables fills up")
        mount = tiny_filesystem()
        if mount is None:
            print("  SKIP  no loop device or not root: cannot mount a small filesystem")
        else:
            tablespace = os.path.join(mount, "pg")
            os.makedirs(tablespace)
            shutil.chown(tablespace, "postgres", "postgres")
            sql(url, f"CREATE TABLESPACE tiny LOCATION '{tablespace}'")
            for table in ("distribution", "distribution_line", "ledger_line"):
                sql(url, f"ALTER TABLE {table} SET TABLESPACE tiny")
            filler = fill(mount)
            full_at = time.monotonic()
            time.sleep(args.seconds)
            os.unlink(filler)  # space returns
            freed_at = time.monotonic()
            time.sleep(args.seconds)
            during = Counter(entry[1] for entry in log if full_at + 0.5 <= entry[0] <= freed_at)
            said = next((entry[2] for entry in log if full_at <= entry[0] <= freed_at and entry[1] == 503), "")
            after = next((entry[0] - freed_at for entry in log if entry[0] > freed_at and entry[1] in (200, 201)),
                         None)
            results.append(verdict(during.get(500, 0) == 0 and "database_full" in said,
                                   f"while full: {dict(during)} (503 \"no room left\", no 500)"))
            results.append(verdict(after is not None and after < 10,
                                   f"writes succeed again {after:.1f} s after space returns" if after is not None
                                   else "writes never succeeded again"))
            if said:
                print(f"  the answer said: {json.loads(said).get('message_th', '')[:80]}…")

        for writer in writers:
            writer.stop.set()
        for writer in writers:
            writer.join(timeout=30)
        print("At the end, in SQL")
        meant = sum(len(writer.done) for writer in writers)
        units = ",".join(map(str, stocked[:args.writers]))
        written = int(sql(url, f"SELECT count(*) FROM distribution WHERE unit_id IN ({units})"))
        results.append(verdict(written == meant, f"{meant} distributions meant, {written} written (exactly once)"))
        results.append(ledger_verdict(url))
        if thai:
            print(f"  the 503 answer said: {json.loads(thai).get('message_th', thai)[:80]}…")
    finally:
        if gunicorn is not None:
            gunicorn.terminate()
            gunicorn.wait()
        stack.__exit__()
        if mount is not None:
            subprocess.run(["umount", mount], check=False)
            shutil.rmtree(os.path.dirname(mount), ignore_errors=True)
    print(f"verdict: {'PASS' if all(results) else 'FAIL'} ({sum(results)}/{len(results)})")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
