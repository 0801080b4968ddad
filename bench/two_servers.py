"""Two app servers behind nginx (Debian's), sharing one PostgreSQL and one
Redis, all on loopback: what a national deployment does with more servers.
nginx alternates the servers (round robin), so consecutive requests of one
client land on different ones; each check prints a verdict:

1. signed in on one server, the next requests on the other go on signed in;
2. a form sent twice with its one-time token makes one document, whichever
   server each copy reaches;
3. failed sign-ins are counted across the servers (Redis): the lock holds on both;
4. a deactivated user is refused on both servers at once;
5. API writers through nginx for a while: every write meant exists exactly
   once, the ledger equals the balances.
Needs nginx, redis-server and PostgreSQL (apt-get install nginx redis-server postgresql).
Usage: .venv/bin/python bench/two_servers.py [--writers 8] [--seconds 10]"""
import argparse
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

from app.devtools.throwaway_redis import free_port  # noqa: E402
from faults import Writer, ledger_verdict, sql, verdict  # noqa: E402
from stack import Stack  # noqa: E402
from submissions import BIN, ROOT, api_login, start_gunicorn  # noqa: E402

NGINX_CONF = """
worker_processes 1;  # one round-robin counter: consecutive requests alternate servers
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    upstream masklog {{ server 127.0.0.1:{a}; server 127.0.0.1:{b}; }}
    server {{
        listen 127.0.0.1:{port};
        client_max_body_size 10m;
        location / {{
            proxy_pass http://masklog;
            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            add_header X-Upstream $upstream_addr always;
        }}
    }}
}}
"""


class Browser:
    """A person's browser through nginx: cookies, and which server answered."""

    def __init__(self, port):
        self.port, self.cookies, self.upstreams = port, {}, []

    def request(self, method, path, form=None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        body = urllib.parse.urlencode(form) if form is not None else None
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read().decode("utf-8", "replace")
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";")[0]
        self.upstreams.append(response.getheader("X-Upstream"))
        connection.close()
        return response.status, response.getheader("Location"), data

    def sign_in(self, username, password="masklog-demo"):
        _s, _l, page = self.request("GET", "/login/")
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        status, location, _ = self.request("POST", "/login/", {"username": username, "password": password,
                                                               "csrf_token": token})
        return status, location


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    if not shutil.which("nginx") and not os.path.exists("/usr/sbin/nginx"):
        sys.exit("needs nginx: apt-get install nginx-light")
    port_a, port_b, port = free_port(), free_port(), free_port()
    stack = Stack(PROXY_COUNT="1").__enter__()  # nginx in front: the sign-in limits see each client's own address
    url, env, stocked = stack.url, stack.env, stack.stocked
    root, processes, results = tempfile.mkdtemp(prefix="masklog-nginx-"), [], []
    try:
        processes.append(start_gunicorn("run:app", port_a, 2, env))
        processes.append(start_gunicorn("run:app", port_b, 2, env))
        with open(os.path.join(root, "nginx.conf"), "w") as f:
            f.write(NGINX_CONF.format(root=root, a=port_a, b=port_b, port=port))
        processes.append(subprocess.Popen([shutil.which("nginx") or "/usr/sbin/nginx", "-p", root, "-c",
                                           os.path.join(root, "nginx.conf"), "-g", "daemon off;"]))
        time.sleep(1)

        print("1. signed in on one server, working on the other")
        officer = Browser(port)
        status, location = officer.sign_in("cm-officer")
        answers = []
        for path in ("/today/", "/dashboard/", "/today/", "/dashboard/"):
            status_of_page, where, _page = officer.request("GET", path)
            answers.append(f"{status_of_page} {urllib.parse.urlparse(where or '').path}")
        servers = {upstream for upstream in officer.upstreams if upstream}
        results.append(verdict(status == 302 and len(servers) == 2 and not any("/login" in a for a in answers),
                               f"sign-in {status}, then {answers} from {sorted(servers)} (own pages, not the sign-in)"))

        print("2. one form sent twice, each copy to another server")
        _s, location, _ = officer.request("GET", "/today/")
        today_path = urllib.parse.urlparse(location).path
        _s, _l, page = officer.request("GET", today_path)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        group = re.search(r'name="pieces-(\d+)"', page).group(1)
        # The officer's own unit holds no stock: distribute from a stocked unit below it.
        below = stocked[0]
        form = {"csrf_token": csrf, f"pieces-{group}": "3", f"people-{group}": "1", "form_token": os.urandom(16).hex()}
        sent = [officer.request("POST", f"/today/{below}/distribute", form)[0] for _ in range(2)]
        made = int(sql(url, f"SELECT count(*) FROM distribution WHERE unit_id = {below} "
                            f"AND form_token = '{form['form_token']}'"))
        results.append(verdict(made == 1 and sent == [302, 302] and len(set(officer.upstreams[-2:])) == 2,
                               f"answers {sent} from {officer.upstreams[-2:]}; documents with that token: {made}"))

        print("3. failed sign-ins counted across the servers")
        intruder = Browser(port)
        for _ in range(10):
            intruder.sign_in("cm-viewer", "wrong-password")
        refused = []
        for _ in range(2):  # the right password, on each server in turn
            person = Browser(port)
            status, location = person.sign_in("cm-viewer")
            refused.append(status != 302 or "/login" in (location or ""))
        results.append(verdict(all(refused), f"after 10 failures spread over {len(set(intruder.upstreams))} "
                                             f"servers, the right password is refused on both: {refused}"))
        subprocess.run([os.path.join(BIN, "flask"), "masklog", "unlock", "--username", "cm-viewer"], cwd=ROOT, env=env,
                       check=True, capture_output=True)

        print("4. a deactivated user is refused on both servers at once")
        viewer = Browser(port)
        viewer.sign_in("cm-viewer")
        sql(url, "UPDATE ab_user SET active = false WHERE username = 'cm-viewer'")
        after = [viewer.request("GET", "/dashboard/") for _ in range(2)]
        refused = [status == 302 and "/login" in (location or "") for status, location, _ in after]
        results.append(verdict(all(refused), f"next requests, on {viewer.upstreams[-2:]}: "
                                             f"{[(s, l) for s, l, _ in after]}"))

        print(f"5. {args.writers} API writers through nginx for {args.seconds:.0f} s")
        probe = api_login(port, "cm-officer")
        _s, groups = probe.request("GET", "/api/v1/risk_group/", headers=[probe.bearer])
        group_id = json.loads(groups)["result"][0]["id"]
        log: list = []
        writers = [Writer(n, stocked[n % len(stocked)], group_id, log, port=port) for n in range(args.writers)]
        start = time.monotonic()
        for writer in writers:
            writer.start()
        time.sleep(args.seconds)
        for writer in writers:
            writer.stop.set()
        for writer in writers:
            writer.join(timeout=30)
        meant = sum(len(writer.done) for writer in writers)
        units = ",".join(map(str, stocked[:args.writers]))
        written = int(sql(url, f"SELECT count(*) FROM distribution WHERE unit_id IN ({units}) "
                               "AND form_token IS NULL"))
        answers = Counter(entry[1] for entry in log)
        rate = meant / (time.monotonic() - start)
        results.append(verdict(written == meant and answers.get(500, 0) == 0,
                               f"{meant} writes ({rate:,.0f}/s), {written} documents; answers {dict(answers)}"))
        results.append(ledger_verdict(url))
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait()
        stack.__exit__()
        shutil.rmtree(root, ignore_errors=True)
    print(f"verdict: {'PASS' if all(results) else 'FAIL'} ({sum(results)}/{len(results)})")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
