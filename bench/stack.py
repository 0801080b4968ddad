"""The throwaway stack the load, fault and multi-server scripts run on
(bench/faults.py, bench/two_servers.py, bench/morning_load.py): PostgreSQL
and Redis on loopback, the schema and the demo data, 10,000,000 pieces in
stock at each unit below the demo district officer's own
(bench/submissions.py's STOCK_UP), and the environment gunicorn runs with.

    with Stack(PROXY_COUNT="1") as stack:   # extra environment for the app
        stack.url, stack.env, stack.stocked, stack.server (pause/resume), stack.redis (a Popen)"""
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

from app.devtools.throwaway_postgres import ThrowawayPostgres, find_pg_bindir  # noqa: E402
from app.devtools.throwaway_redis import free_port  # noqa: E402
from submissions import BIN, ROOT, STOCK_UP  # noqa: E402


def run_app_script(env, code, *args) -> str:
    """A snippet of Python run with the app's environment (its stdout)."""
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          check=True).stdout


class Stack:
    def __init__(self, **extra_env):
        self.extra_env, self.server, self.redis = extra_env, None, None

    def __enter__(self):
        self.server = ThrowawayPostgres(find_pg_bindir())
        self.url = self.server.start()
        port = free_port()
        self.redis = subprocess.Popen([shutil.which("redis-server"), "--port", str(port), "--bind", "127.0.0.1",
                                       "--save", "", "--appendonly", "no"], stdout=subprocess.DEVNULL)
        # The clients are a few officers' programs: the API's per-user write limit would hold
        # them back long before anything under test (it is tested in tests/http/test_api_writes.py).
        self.env = dict(os.environ, DATABASE_URL=self.url, MASKLOG_CONFIG="demo", FLASK_APP="run.py",
                        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}/0", API_WRITE_LIMIT="1000000 per minute",
                        **self.extra_env)
        try:
            for command in (["db", "upgrade"], ["masklog", "setup", "--demo"]):
                subprocess.run([os.path.join(BIN, "flask"), *command], cwd=ROOT, env=self.env, check=True,
                               capture_output=True)
            self.stocked = [int(unit) for unit in run_app_script(self.env, STOCK_UP, "cm-officer").split()]
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        if self.redis is not None and self.redis.poll() is None:
            self.redis.terminate()
            self.redis.wait()
        if self.server is not None:
            self.server.stop()
