"""Issue 15: a person's password is set by that person, with one rule
everywhere (app/commands/passwords.py). The user form creates users without a
password; weak passwords are refused on the activation page, in the
administrator's reset form, in "reset my password" and in the CLI; after
activation the user is signed in; the short code stands for the link."""
import re
import uuid

import pytest
from sqlalchemy import select

from app.commands.passwords import hash_password
from app.commands.setup import system_actor
from app.commands.users import create_user
from app.errors import DomainError
from app.extensions import db
from app.models.ledger import AuditEntry
from app.models.unit import Unit
from app.models.user import MaskLogUser
from app.roles import OFFICER
from tests.helpers import flashed_text, login

STRONG = "Phrae-2563!x"
TOO_SHORT, COMMON = "ต้องมีอย่างน้อย 8", "ง่ายเกินไป"
HAS_USERNAME = "ต้องไม่มีชื่อผู้ใช้"


def weak_passwords(username):
    """(password, the Thai reason it is refused)."""
    return [("1234", TOO_SHORT), ("abc", TOO_SHORT), ("12345678", COMMON),
            (f"{username}2567", HAS_USERNAME), (f"x{username.upper()}!", HAS_USERNAME)]


def new_user(app, password=None, unit_code="5002"):
    """A fresh officer, without a password unless one is given (set past the
    rules here only so that a test can sign in with it)."""
    username = f"pw-{uuid.uuid4().hex[:6]}"
    with app.app_context():
        user = create_user(db.session, system_actor(db.session), username=username, first_name="ทดลอง",
                           last_name="รหัสผ่าน", email=None, unit=db.session.query(Unit).filter_by(code=unit_code).one(),
                           role_names=[OFFICER])
        if password:
            user.password = hash_password(password)
        db.session.commit()
        return user.id, username


def stored(app, user_id):
    with app.app_context():
        user = db.session.get(MaskLogUser, user_id)
        return {"password": user.password, "email": user.email, "fail_login_count": user.fail_login_count or 0}


def audit(app, user_id, action):
    with app.app_context():
        return db.session.execute(select(AuditEntry).where(
            AuditEntry.object_type == "user", AuditEntry.object_id == user_id, AuditEntry.action == action)
        ).scalars().all()


def sheet_of(client, app, user_id):
    with app.app_context():
        unit_id = db.session.get(MaskLogUser, user_id).unit_id
    body = client.get(f"/registration/sheet/{unit_id}?user={user_id}").get_data(as_text=True)
    link = re.search(r"(/activate/[A-Za-z0-9_\-.]+)", body).group(1)
    code = re.search(r'class="code">([A-Z0-9-]+)<', body).group(1)
    return body, link, code


def signed_in(client):
    return client.get("/users/userinfo/").status_code == 200


# ------------------------------------------------------------------ the user form

def test_the_user_form_creates_a_user_without_a_password_who_gets_an_activation_sheet(app, as_user):
    admin = as_user("cm-admin")
    form = admin.get("/users/add").get_data(as_text=True)
    assert 'name="password"' not in form and 'name="conf_password"' not in form
    with app.app_context():
        unit_id = db.session.query(Unit.id).filter_by(code="5002").scalar()
        role_id = app.appbuilder.sm.find_role(OFFICER).id
    username = f"form-{uuid.uuid4().hex[:6]}"
    # A forged password in the POST is ignored too: the administrator never chooses one.
    response = admin.post("/users/add", data={
        "first_name": "สมใจ", "last_name": "ลงทะเบียน", "username": username, "email": "", "position": "",
        "phone": "", "unit": str(unit_id), "roles": str(role_id), "active": "y",
        "password": "1234", "conf_password": "1234"}, follow_redirects=True)
    body = response.get_data(as_text=True)
    with app.app_context():
        user = db.session.query(MaskLogUser).filter_by(username=username).one()
        user_id = user.id
        assert user.password is None
        assert user.email == f"{username}@no-email.masklog.invalid"
    flashed = flashed_text(body)
    assert "ยังไม่มีรหัสผ่าน" in flashed and f"/registration/sheet/{unit_id}?user={user_id}" in body
    assert audit(app, user_id, "create")
    # Nobody signs in as this user before activation, with any password.
    for password in ("1234", "", STRONG):
        client = app.test_client()
        client.post("/login/", data={"username": username, "password": password})
        assert not signed_in(client), password
    assert audit(app, user_id, "login_failed")
    sheets = admin.get("/registration/sheets").get_data(as_text=True)
    assert f"/registration/sheet/{unit_id}" in sheets
    card, link, code = sheet_of(admin, app, user_id)
    assert username in card and "data:image/png;base64," in card and len(code) == 9
    # ...and the person activates it with their own password.
    person = app.test_client()
    assert person.post(link, data={"password": STRONG, "confirm": STRONG}).status_code == 302
    assert stored(app, user_id)["password"]


# ------------------------------------------------------------------ weak passwords, everywhere

def test_weak_passwords_are_refused_on_the_activation_page(app, as_user):
    user_id, username = new_user(app)
    _, link, _ = sheet_of(as_user("cm-admin"), app, user_id)
    person = app.test_client()
    for password, reason in weak_passwords(username):
        response = person.post(link, data={"password": password, "confirm": password})
        assert response.status_code == 422 and reason in response.get_data(as_text=True), password
    response = person.post(link, data={"password": STRONG, "confirm": STRONG + "x"})
    assert response.status_code == 422 and "ไม่ตรงกัน" in response.get_data(as_text=True)
    assert stored(app, user_id)["password"] is None


def test_weak_passwords_are_refused_in_the_administrators_reset_form(app, as_user):
    user_id, username = new_user(app, password=STRONG)
    before = stored(app, user_id)["password"]
    admin = as_user("cm-admin")
    assert "อย่างน้อย 8 ตัวอักษร" in admin.get(f"/resetpassword/form?pk={user_id}").get_data(as_text=True)
    for password, reason in weak_passwords(username):
        response = admin.post(f"/resetpassword/form?pk={user_id}",
                              data={"password": password, "conf_password": password})
        body = response.get_data(as_text=True)
        assert response.status_code == 200 and reason in body, password
        assert re.search(r'name="password"', body)  # the form again, the reason beside the field
    assert stored(app, user_id)["password"] == before
    assert not audit(app, user_id, "reset_password")
    response = admin.post(f"/resetpassword/form?pk={user_id}", data={"password": "Lamphun-2563!",
                                                                    "conf_password": "Lamphun-2563!"})
    assert response.status_code == 302
    assert stored(app, user_id)["password"] != before
    assert len(audit(app, user_id, "reset_password")) == 1
    assert login(app.test_client(), username, "Lamphun-2563!")


def test_weak_passwords_are_refused_in_reset_my_password(app):
    user_id, username = new_user(app, password=STRONG)
    before = stored(app, user_id)["password"]
    client = login(app.test_client(), username, STRONG)
    assert client.get("/resetmypassword/form").status_code == 200
    for password, reason in weak_passwords(username):
        response = client.post("/resetmypassword/form", data={"password": password, "conf_password": password})
        assert response.status_code == 200 and reason in response.get_data(as_text=True), password
    response = client.post("/resetmypassword/form", data={"password": "Nan-2563!abc", "conf_password": "Nan-2563!x"})
    assert response.status_code == 200 and "ต้องตรงกัน" in response.get_data(as_text=True)
    assert stored(app, user_id)["password"] == before
    response = client.post("/resetmypassword/form", data={"password": "Nan-2563!abc", "conf_password": "Nan-2563!abc"})
    assert response.status_code == 302
    entries = audit(app, user_id, "reset_password")
    assert len(entries) == 1 and entries[0].actor_id == user_id
    assert login(app.test_client(), username, "Nan-2563!abc")


@pytest.mark.parametrize("password, reason", weak_passwords("cli-admin"))
def test_weak_passwords_are_refused_by_create_admin(app, password, reason):
    result = app.test_cli_runner().invoke(args=[
        "masklog", "create-admin", "--username", "cli-admin", "--first-name", "ผู้ดูแล", "--last-name", "บรรทัดคำสั่ง",
        "--password", password])
    assert result.exit_code == 1 and reason in result.output, result.output
    with app.app_context():
        assert db.session.query(MaskLogUser).filter_by(username="cli-admin").count() == 0


def test_create_admin_accepts_a_strong_password(app):
    username = f"cli-{uuid.uuid4().hex[:6]}"
    result = app.test_cli_runner().invoke(args=[
        "masklog", "create-admin", "--username", username, "--first-name", "ผู้ดูแล", "--last-name", "ส่วนกลาง",
        "--password", STRONG])
    assert result.exit_code == 0, result.output
    assert login(app.test_client(), username, STRONG)


# ------------------------------------------------------------------ activation signs in

def test_activation_signs_the_user_in_and_is_audited(app, as_user):
    user_id, username = new_user(app)
    _, link, _ = sheet_of(as_user("cm-admin"), app, user_id)
    person = app.test_client()
    assert not signed_in(person)
    response = person.post(link, data={"password": STRONG, "confirm": STRONG})
    assert response.status_code == 302 and "/login" not in response.headers["Location"]
    home = person.get(response.headers["Location"], follow_redirects=True)
    assert "/today/" in home.request.path and "เข้าสู่ระบบแล้ว" in flashed_text(home.get_data(as_text=True))
    assert signed_in(person)
    assert audit(app, user_id, "activate") and audit(app, user_id, "login")


# ------------------------------------------------------------------ the short code

def test_the_short_code_opens_the_activation_form(app, as_user):
    from app.commands.activation import CODE_ALPHABET

    user_id, username = new_user(app)
    _, _, code = sheet_of(as_user("cm-admin"), app, user_id)
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}", code) and not set(code.replace("-", "")) - set(CODE_ALPHABET)
    assert not set("0O1IL") & set(code)
    person = app.test_client()
    page = person.get("/activate/").get_data(as_text=True)
    assert 'name="code"' in page and "รหัสเปิดใช้งาน" in page
    # Typed any case, with or without the dash, the username with stray capitals and spaces.
    response = person.post("/activate/", data={"username": f"  {username.upper()} ",
                                               "code": code.replace("-", "").lower()})
    assert response.status_code == 302
    form = person.get(response.headers["Location"])
    assert form.status_code == 200 and 'name="password"' in form.get_data(as_text=True)
    assert person.post(response.headers["Location"], data={"password": STRONG, "confirm": STRONG}).status_code == 302
    # Once the password is set the code stops working, as the link does.
    again = app.test_client().post("/activate/", data={"username": username, "code": code})
    assert again.status_code == 422 and "ใช้ไปแล้ว" in again.get_data(as_text=True)


def test_wrong_codes_count_as_failed_sign_ins_and_are_bounded(app, as_user):
    from app.commands.activation import MAX_WRONG_CODES

    user_id, username = new_user(app)
    admin = as_user("cm-admin")
    _, _, code = sheet_of(admin, app, user_id)
    person = app.test_client()
    response = person.post("/activate/", data={"username": "nobody-like-this", "code": code})
    assert response.status_code == 422 and "ไม่ถูกต้อง" in response.get_data(as_text=True)
    wrong = "ABCD-EFGH" if code != "ABCD-EFGH" else "HGFE-DCBA"
    for n in range(MAX_WRONG_CODES):
        response = person.post("/activate/", data={"username": username, "code": wrong})
        body = response.get_data(as_text=True)
        assert response.status_code == 422 and "ไม่ถูกต้อง" in body and username in body
    assert stored(app, user_id)["fail_login_count"] == MAX_WRONG_CODES
    failed = audit(app, user_id, "login_failed")
    assert len(failed) == MAX_WRONG_CODES and '"activation_code"' in failed[0].after
    # Now even the right code is refused, until the link is reissued.
    response = person.post("/activate/", data={"username": username, "code": code})
    assert response.status_code == 422 and "หลายครั้งเกินไป" in response.get_data(as_text=True)
    assert admin.post(f"/registration/reissue/{user_id}").status_code == 302
    _, _, new_code = sheet_of(admin, app, user_id)
    assert new_code != code
    response = person.post("/activate/", data={"username": username, "code": code})
    assert response.status_code == 422  # the old code went with the old link
    assert person.post("/activate/", data={"username": username, "code": new_code}).status_code == 302


def test_an_expired_code_says_so(app, as_user, monkeypatch):
    from app.commands import activation

    user_id, username = new_user(app)
    _, _, code = sheet_of(as_user("cm-admin"), app, user_id)
    monkeypatch.setattr(activation, "MAX_AGE_SECONDS", -1)
    response = app.test_client().post("/activate/", data={"username": username, "code": code})
    assert response.status_code == 422 and "หมดอายุ" in response.get_data(as_text=True)
    assert stored(app, user_id)["fail_login_count"] == 0


# ------------------------------------------------------------------ reissue

def test_reissuing_a_link_asks_first_and_says_it_did(app, as_user):
    user_id, username = new_user(app)
    admin = as_user("cm-admin")
    _, old_link, _ = sheet_of(admin, app, user_id)
    question = admin.get(f"/registration/reissue/{user_id}")
    body = question.get_data(as_text=True)
    assert question.status_code == 200 and username in body and "ทดลอง รหัสผ่าน" in body
    assert "ใช้ไม่ได้อีก" in body and 'method="post"' in body
    assert app.test_client().get(old_link).status_code == 200  # asking changed nothing
    response = admin.post(f"/registration/reissue/{user_id}", follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "ออกลิงก์เปิดใช้งานใหม่ให้ ทดลอง รหัสผ่าน" in body and username in body
    assert app.test_client().get(old_link).status_code == 400
    assert audit(app, user_id, "reissue_activation")
    # Someone else's province: not found, and nothing reissued.
    other_id, _ = new_user(app, unit_code="1001")
    assert admin.get(f"/registration/reissue/{other_id}").status_code == 404
    assert admin.post(f"/registration/reissue/{other_id}").status_code == 404


def test_fabs_own_reset_password_command_meets_the_same_rules(app):
    user_id, username = new_user(app, password=STRONG)
    before = stored(app, user_id)["password"]
    from flask_appbuilder.cli import reset_password  # `flask fab reset-password` (a plugin group of flask)

    result = app.test_cli_runner().invoke(reset_password, ["--username", username, "--password", "12345678"])
    assert isinstance(result.exception, DomainError) and stored(app, user_id)["password"] == before
    result = app.test_cli_runner().invoke(reset_password, ["--username", username, "--password", "Lampang-2563!"])
    assert result.exit_code == 0, result.output
    assert login(app.test_client(), username, "Lampang-2563!")
