"""`python run.py`: the single-process demo server on a bare machine — SQLite
under instance/, schema migrated, hierarchy and demo data loaded on first
start (idempotent afterwards), http://127.0.0.1:5000 (PORT changes it).

Production imports `run:app` from a WSGI server (gunicorn 'run:app'): then the
configuration defaults to production and nothing is created at start-up."""
import gc
import os

if __name__ == "__main__":
    os.environ.setdefault("MASKLOG_CONFIG", "demo")

from app import create_app  # noqa: E402

app = create_app()
# What start-up built (FAB's views, SQLAlchemy's mappers, templates, the
# catalogue: ~220,000 objects) lives as long as the process: out of the
# collector's sight, a full collection no longer walks it (it cost the
# national pages ~100 ms every few requests, their p95).
gc.freeze()

if __name__ == "__main__":
    from app.devtools.demo import prepare_demo_database

    prepare_demo_database(app)
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")))
