"""What the per-request check of the signed-in user's standing (app/user_cache.py:
user and unit active flags, unit and its path, read on every request) costs a
receipt submission and a today page, in app-server CPU. Runs the real request
path in process (Flask test client, CSRF off) against a throwaway PostgreSQL,
alternating rounds with the check and with it answered from the snapshot
(no SQL), so that a busy machine slows both alike. CPU time of this process
(the app and the test client; PostgreSQL's side of one primary-key SELECT is
not counted) and wall time are printed.

Usage: .venv/bin/python bench/user_check_cost.py [--requests 100] [--rounds 10]"""
import argparse
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from app.devtools.throwaway_postgres import ThrowawayPostgres, find_pg_bindir  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    server = ThrowawayPostgres(find_pg_bindir())
    url = server.start()
    try:
        import flask_migrate

        from app import create_app, user_cache
        from app.devtools.demo import prepare_demo
        from app.extensions import db
        from app.models.unit import Unit
        from app.models.user import MaskLogUser
        from config import TestConfig

        app = create_app(type("BenchConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url,
                                                             "USER_CACHE_SECONDS": 3600.0}))
        with app.app_context():
            flask_migrate.upgrade()
            prepare_demo(db.session)
            db.session.commit()
            officer = db.session.query(MaskLogUser).filter_by(username="cm-officer").one()
            officer_id, unit_id = officer.id, db.session.query(Unit.id).filter_by(code="5001").scalar()
        client = app.test_client()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"] = str(officer_id), True
        checked = user_cache.standing

        def without_check(_session, _user_id):
            entry = next(iter(app.extensions["masklog_user_cache"].entries.values()))
            return user_cache._standing_of(entry[1])

        counter = iter(range(10**9))

        def receipt():
            response = client.post(f"/today/{unit_id}/receipt", data={
                "source": "bench", "reference_no": "B-1", "quantity_sent": "10",
                "form_token": f"cost-{next(counter)}"})
            assert response.status_code == 302, response.status_code
            with client.session_transaction() as session:  # a browser would read the flash; unread they pile up
                session.pop("_flashes", None)

        def today_page():
            assert client.get(f"/today/{unit_id}").status_code == 200

        results = {}
        for name, request in (("receipt submission", receipt), ("today page", today_page)):
            for _ in range(20):
                request()
            for _ in range(args.rounds):
                for variant, standing in (("with the check", checked), ("without", without_check)):
                    user_cache.standing = standing
                    cpu, wall = time.process_time(), time.perf_counter()
                    for _ in range(args.requests):
                        request()
                    cpu_ms = 1e3 * (time.process_time() - cpu) / args.requests
                    wall_ms = 1e3 * (time.perf_counter() - wall) / args.requests
                    results.setdefault((name, variant), []).append((cpu_ms, wall_ms))
            user_cache.standing = checked
        for (name, variant), runs in results.items():
            cpu_ms = statistics.median(run[0] for run in runs)
            wall_ms = statistics.median(run[1] for run in runs)
            print(f"{name:20s} {variant:15s} {cpu_ms:6.3f} ms CPU  {wall_ms:6.3f} ms wall (median of {len(runs)})")
        for name in ("receipt submission", "today page"):
            with_check = statistics.median(run[0] for run in results[(name, "with the check")])
            without = statistics.median(run[0] for run in results[(name, "without")])
            print(f"{name}: the check adds {with_check - without:+.3f} ms CPU, "
                  f"{100 * (with_check - without) / without:+.1f}%")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
