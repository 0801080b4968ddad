"""Time the geothai hierarchy import on a fresh database and a second
(idempotent) run. Usage: .venv/bin/python bench/import_hierarchy.py [DATABASE_URL]
Default: a fresh SQLite file in a temporary folder."""
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import flask_migrate  # noqa: E402

from app import create_app  # noqa: E402
from app.commands.hierarchy import sync_hierarchy  # noqa: E402
from app.extensions import db  # noqa: E402
from config import TestConfig  # noqa: E402


def main() -> None:
    url = sys.argv[1] if len(sys.argv) > 1 else "sqlite:///" + os.path.join(tempfile.mkdtemp(), "bench.db")
    app = create_app(type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    with app.app_context():
        flask_migrate.upgrade()
        for label in ("first import", "second run (idempotent)"):
            started = time.perf_counter()
            report = sync_hierarchy(db.session)
            db.session.commit()
            elapsed = time.perf_counter() - started
            print(f"{label}: {elapsed:.2f} s including commit — {report.added} added, "
                  f"{report.updated} updated, {report.unchanged} unchanged ({db.engine.dialect.name})")


if __name__ == "__main__":
    main()
