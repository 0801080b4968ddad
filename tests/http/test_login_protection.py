"""Login protection: sliding session expiry, sign-in audit, and users who have
recorded data are deactivated, never deleted."""
import logging
import time

from app import create_app
from app.extensions import db
from app.models.ledger import AuditEntry
from app.models.user import MaskLogUser
from tests.helpers import login, make_config


# The sign-in limits themselves (only failures count, per username and per
# address, shared through Redis, unlocking) are tested in test_sign_in_limits.py.


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


def test_a_plain_sign_in_logs_no_redirect_warning_but_a_foreign_next_does(app, caplog):
    with caplog.at_level(logging.WARNING, logger="flask_appbuilder.utils.base"):
        assert login(app.test_client(), "cm-viewer").get("/today/").status_code == 302
        assert not [r for r in caplog.records if "Invalid redirect" in r.getMessage()]
        client = app.test_client()
        response = client.post("/login/?next=https://elsewhere.example/", data={
            "username": "cm-viewer", "password": "masklog-demo"})
        assert response.status_code == 302 and "elsewhere.example" not in response.headers["Location"]
        assert [r for r in caplog.records if "Invalid redirect" in r.getMessage()]


def test_session_expires_after_inactivity(app):
    config = type("ShortSession", (make_config(app.config["SQLALCHEMY_DATABASE_URI"]),),
                  {"PERMANENT_SESSION_LIFETIME": 1})
    client = create_app(config).test_client()
    login(client, "cm-viewer")
    assert client.get("/today/", follow_redirects=True).status_code == 200
    time.sleep(2.2)
    response = client.get("/unitmodelview/list/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_session_cookie_is_renewed_once_a_minute_not_by_every_answer(app):
    """An answer that only renews the cookie could land after a form's answer
    (a static file, the offline worker's fetch) and put back the session from
    before the form; so answers renew it at most once a minute."""
    client = login(app.test_client(), "cm-viewer")
    renewed = client.get("/today/", follow_redirects=True)
    assert renewed.status_code == 200
    assert "Set-Cookie" not in client.get("/today/", follow_redirects=True).headers
    assert "Set-Cookie" not in client.get("/static/masklog.css").headers
    with client.session_transaction() as session:
        session["_renewed"] = int(time.time()) - 61
    answer = client.get("/today/")
    assert "Set-Cookie" in answer.headers and "Expires=" in answer.headers["Set-Cookie"]


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
