"""Login protection: rate limiting shared across workers (Redis), a Thai
lockout message, sliding session expiry, sign-in audit, and users who have
recorded data are deactivated, never deleted."""
import shutil
import socket
import subprocess
import time

import pytest

from app import create_app
from app.extensions import db
from app.models.ledger import AuditEntry
from app.models.user import MaskLogUser
from tests.helpers import login, make_config


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def redis_url():
    """Debian's redis-server on a throwaway port, started by the test itself."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = _free_port()
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait()


def limited_app(app, storage, limit="3 per minute"):
    config = make_config(app.config["SQLALCHEMY_DATABASE_URI"])
    config = type("LimitedConfig", (config,), {"AUTH_RATE_LIMITED": True, "AUTH_RATE_LIMIT": limit,
                                               "RATELIMIT_STORAGE_URI": storage})
    return create_app(config)


def test_login_rate_limit_answers_429_in_thai(app):
    client = limited_app(app, "memory://").test_client()
    statuses = [client.post("/login/", data={"username": "cm-admin", "password": "wrong"}).status_code
                for _ in range(4)]
    assert 429 not in statuses[:3] and statuses[3] == 429
    response = client.post("/login/", data={"username": "cm-admin", "password": "wrong"})
    assert response.status_code == 429 and "ลองหลายครั้งเกินไป" in response.get_data(as_text=True)


def test_rate_limit_is_shared_by_workers_through_redis(app, redis_url):
    worker_a = limited_app(app, redis_url).test_client()
    worker_b = limited_app(app, redis_url).test_client()
    attempts = [worker_a, worker_b, worker_a]
    assert all(w.post("/login/", data={"username": "x", "password": "y"}).status_code != 429 for w in attempts)
    assert worker_b.post("/login/", data={"username": "x", "password": "y"}).status_code == 429


def test_sign_ins_are_audited_and_usernames_ignore_case(app):
    client = app.test_client()
    with app.app_context():
        before = db.session.query(AuditEntry).filter(AuditEntry.action.in_(["login", "login_failed"])).count()
    client.post("/login/", data={"username": "cm-viewer", "password": "nope"})
    client.post("/login/", data={"username": "nobody-here", "password": "nope"})
    response = client.post("/login/", data={"username": "  CM-Viewer ", "password": "masklog-demo"})
    assert response.status_code == 302 and "/login" not in response.headers["Location"]
    with app.app_context():
        entries = db.session.query(AuditEntry).filter(AuditEntry.action.in_(["login", "login_failed"])) \
            .order_by(AuditEntry.id).all()[before:]
        assert [e.action for e in entries] == ["login_failed", "login_failed", "login"]
        assert '"nobody-here"' in entries[1].after and entries[2].actor_id is not None


def test_session_expires_after_inactivity(app):
    config = type("ShortSession", (make_config(app.config["SQLALCHEMY_DATABASE_URI"]),),
                  {"PERMANENT_SESSION_LIFETIME": 1})
    client = create_app(config).test_client()
    login(client, "cm-viewer")
    assert client.get("/today/", follow_redirects=True).status_code == 200
    time.sleep(2.2)
    response = client.get("/unitmodelview/list/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_users_who_recorded_data_are_not_deleted(app, as_user):
    with app.app_context():
        officer = db.session.query(MaskLogUser).filter_by(username="cm-officer").one().id
    as_user("admin").post(f"/users/delete/{officer}")
    with app.app_context():
        assert db.session.get(MaskLogUser, officer) is not None


def test_admin_changes_to_users_are_audited(app, as_user):
    with app.app_context():
        target = db.session.query(MaskLogUser).filter_by(username="cm-committee").one()
        target_id, unit_id = target.id, target.unit_id
        role_id = target.roles[0].id
    response = as_user("cm-admin").post(f"/users/edit/{target_id}", data={
        "first_name": "ประเสริฐ", "last_name": "ตรงเวลา (แก้ไข)", "username": "cm-committee",
        "email": "cm-committee@demo.masklog.invalid", "position": "ประธานกรรมการ", "unit": str(unit_id),
        "roles": str(role_id), "active": "y"})
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.query(AuditEntry).filter_by(action="update", object_type="user", object_id=target_id) \
            .order_by(AuditEntry.id.desc()).first()
        assert entry is not None and "ตรงเวลา (แก้ไข)" in entry.after and "ตรงเวลา" in entry.before


def test_users_change_their_own_password(as_user):
    client = as_user("cm-viewer")
    assert client.get("/resetmypassword/form").status_code == 200
    assert client.get("/users/userinfo/").status_code == 200


def test_the_api_sign_in_is_rate_limited_like_the_form(app):
    """POST /api/v1/security/login takes passwords too: the same limit applies."""
    client = limited_app(app, "memory://").test_client()
    body = {"username": "cm-admin", "password": "wrong", "provider": "db"}
    responses = [client.post("/api/v1/security/login", json=body) for _ in range(4)]
    assert [r.status_code for r in responses] == [401, 401, 401, 429]
    assert "ลองหลายครั้งเกินไป" in responses[3].get_json()["message"]
