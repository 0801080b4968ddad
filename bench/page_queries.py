"""SQL statements and time per page for each demo role (unit list, user list,
units API), on the demo SQLite database built by `make run`.
Usage: .venv/bin/python bench/page_queries.py"""
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
os.environ.setdefault("MASKLOG_CONFIG", "demo")

from sqlalchemy import event  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402

PAGES = ["/unitmodelview/list/", "/users/list/", "/api/v1/unit/?q=(page_size:100)", "/"]
USERS = ["admin", "cm-admin", "cm-officer"]


def main() -> None:
    app = create_app()
    app.config["WTF_CSRF_ENABLED"] = False
    statements = []
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *a, **k: statements.append(1))
    for username in USERS:
        client = app.test_client()
        client.post("/login/", data={"username": username, "password": "masklog-demo"})
        for page in PAGES:
            timings = []
            for _ in range(20):
                statements.clear()
                started = time.perf_counter()
                response = client.get(page)
                timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                print(f"{username:11s} {page:34s} {response.status_code} (no permission)")
                continue
            print(f"{username:11s} {page:34s} {len(statements):3d} SQL statements, "
                  f"median {statistics.median(timings):6.1f} ms, {len(response.data) / 1024:6.1f} KiB")


if __name__ == "__main__":
    main()
