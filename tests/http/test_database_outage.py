"""The database stops in the middle of work (a PostgreSQL restart, a failover):
every request meanwhile gets a clean 503 in Thai — a page that needs no
database, or the API's JSON error — with Retry-After and no stack trace; when
the database is back the same app serves again, without a restart."""
import pytest

from app.devtools.demo import DEMO_PASSWORD


@pytest.fixture(scope="module")
def outage_app():
    from app import create_app
    from app.devtools.throwaway_postgres import ThrowawayPostgres, find_pg_bindir
    from config import TestConfig

    bindir = find_pg_bindir()
    if not bindir:
        pytest.skip("needs PostgreSQL's server binaries (apt-get install postgresql)")
    server = ThrowawayPostgres(bindir)
    url = server.start()
    app = create_app(type("OutageConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url}))
    with app.app_context():
        import flask_migrate

        from app.devtools.demo import prepare_demo
        from app.extensions import db

        flask_migrate.upgrade()
        prepare_demo(db.session)
        db.session.commit()
    yield app, server
    server.stop()


def test_a_database_restart_is_answered_in_thai_and_survived(outage_app):
    app, server = outage_app
    client = app.test_client()
    assert client.post("/login/", data={"username": "cm-officer", "password": DEMO_PASSWORD}).status_code == 302
    assert client.get("/today/", follow_redirects=True).status_code == 200
    token = app.test_client().post("/api/v1/security/login", json={
        "username": "cm-officer", "password": DEMO_PASSWORD, "provider": "db"}).get_json()["access_token"]
    server.pause()
    try:
        page = client.get("/today/", follow_redirects=True)
        html = page.get_data(as_text=True)
        assert page.status_code == 503 and page.headers["Retry-After"] == "30"
        assert "ติดต่อฐานข้อมูลไม่ได้" in html and "Traceback" not in html and "sqlalchemy" not in html.lower()
        posted = client.post("/today/1/nothing")
        assert posted.status_code == 503
        api = client.get("/api/v1/unit/", headers={"Authorization": f"Bearer {token}"})
        assert api.status_code == 503 and api.get_json()["code"] == "database_unavailable"
        assert "ติดต่อฐานข้อมูลไม่ได้" in api.get_json()["message_th"]
    finally:
        server.resume()
    # Back: the same app, its pool's dead connections replaced.
    assert client.get("/today/", follow_redirects=True).status_code == 200
    assert client.get("/api/v1/unit/", headers={"Authorization": f"Bearer {token}"}).status_code == 200
