"""Time to build the bulk-registration and units templates through the real
download path (Flask test client): for the central administrator the units
sheet lists the whole tree (about 8,450 units), for a province administrator
one province.
Usage: .venv/bin/python bench/registration_template.py [DATABASE_URL]"""
import io
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import flask_migrate  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from app import create_app  # noqa: E402
from app.devtools.demo import prepare_demo  # noqa: E402
from app.extensions import db  # noqa: E402
from config import TestConfig  # noqa: E402


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else "sqlite:///" + os.path.join(tempfile.mkdtemp(), "bench.db")
    app = create_app(type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    with app.app_context():
        flask_migrate.upgrade()
        prepare_demo(db.session)
        db.session.commit()
    for username in ("admin", "cm-admin"):
        client = app.test_client()
        client.post("/login/", data={"username": username, "password": "masklog-demo"})
        for path in ("/registration/template.xlsx", "/registration/units/template.xlsx"):
            client.get(path)  # warm: first request compiles templates, loads translations
            timings = []
            for _ in range(5):
                started = time.perf_counter()
                response = client.get(path)
                timings.append(time.perf_counter() - started)
            sheet = load_workbook(io.BytesIO(response.data), read_only=True)["รหัสหน่วยงาน"]
            units = sum(1 for _row in sheet.iter_rows()) - 1
            print(f"{username:9s} {path:34s} HTTP {response.status_code}, {len(response.data) / 1024:6.0f} KiB, "
                  f"{units:5,} units listed: median {sorted(timings)[2] * 1000:5.0f} ms, "
                  f"worst {max(timings) * 1000:5.0f} ms (on {url.split(':')[0]})")


if __name__ == "__main__":
    main()
