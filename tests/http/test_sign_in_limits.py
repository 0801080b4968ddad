"""Sign-in that never locks out an office (app/sign_in_limits.py, OWASP ASVS
2.2.1): only failed sign-ins count, per username (10 in 15 minutes lock that
username) and more loosely per address; a whole office signing in from one
address gets in; the form and the API follow the same rule; the counters are
shared by app servers through Redis (a real redis-server started here); an
administrator unlocks a user early, audited and only within their area."""
import re
import uuid

import pytest
from sqlalchemy import select, update
from werkzeug.security import generate_password_hash

from app import create_app
from app.commands.users import create_user
from app.devtools.throwaway_redis import free_port, throwaway_redis
from app.extensions import db
from app.models.ledger import AuditEntry
from app.models.user import MaskLogUser
from app.roles import OFFICER
from tests.helpers import flashed_text, login, make_config, unit, user

PASSWORD = "office-pass-2563"
THAI_TRY_AGAIN = re.compile(r"ลองใหม่ได้เวลา \d\d:\d\d น\. \(อีกประมาณ \d+ นาที\)")


@pytest.fixture(scope="module")
def redis_url():
    """Debian's redis-server on a throwaway port, started by the test itself."""
    with throwaway_redis() as url:
        if url is None:
            pytest.skip("redis-server is not installed (apt-get install redis-server)")
        yield url


def limited_app(app, storage, **settings):
    """Another app server on the same database, with the sign-in limits on
    (the default settings unless a test narrows one)."""
    config = type("LimitedConfig", (make_config(app.config["SQLALCHEMY_DATABASE_URI"]),),
                  {"SIGN_IN_LIMITED": True, "RATELIMIT_STORAGE_URI": storage, **settings})
    return create_app(config)


def office(app, n):
    """n officers of one Chiang Mai district office, all with PASSWORD: hashed
    once, and cheaply (a check costs what the stored hash says), so 80 sign-ins
    do not spend the test's time in scrypt."""
    tag = uuid.uuid4().hex[:6]
    with app.app_context():
        hashed = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
        names = []
        for i in range(n):
            person = create_user(db.session, user("cm-admin"), username=f"s{tag}-{i}", first_name="เจ้าหน้าที่",
                                 last_name=f"{tag} {i}", email=f"s{tag}-{i}@example.go.th", unit=unit("5001"),
                                 role_names=[OFFICER])
            person.password = hashed
            names.append(person.username)
        db.session.commit()
    return names


def client_at(app, address):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def form_sign_in(client, username, password=PASSWORD):
    return client.post("/login/", data={"username": username, "password": password})


def signed_in(response):
    return response.status_code == 302 and "/login" not in response.headers["Location"]


def api_sign_in(client, username, password=PASSWORD):
    return client.post("/api/v1/security/login", json={"username": username, "password": password, "provider": "db"})


def test_a_whole_office_signs_in_from_one_address(app, redis_url):
    """A training morning: 40 officers behind one NAT address within a minute,
    each mistyping once first — all get in (successes never count, and 40
    failures are far from the address's 100)."""
    server = limited_app(app, redis_url)
    names = office(app, 40)
    results = []
    for name in names:
        client = client_at(server, "203.0.113.10")
        assert not signed_in(form_sign_in(client, name, "typo"))
        results.append(signed_in(form_sign_in(client, name)))
    assert all(results)


def test_wrong_passwords_lock_only_that_username_on_the_form_and_the_api(app, redis_url):
    server = limited_app(app, redis_url)
    target, colleague, api_target = office(app, 3)
    client = client_at(server, "203.0.113.20")
    statuses = [form_sign_in(client, target, f"guess-{i}").status_code for i in range(20)]
    assert statuses[:10] == [302] * 10 and statuses[10:] == [429] * 10  # the 10th failure locks

    # The right password is refused too, with when to try again, in Thai.
    response = form_sign_in(client, target)
    body = response.get_data(as_text=True)
    assert response.status_code == 429 and THAI_TRY_AGAIN.search(body) and "ขอให้ผู้ดูแลระบบปลดล็อก" in body
    assert "ระงับการเข้าสู่ระบบชั่วคราว" in body and not re.search(r"Too many|Sign-in paused|Try again", body)
    assert 14 * 60 < int(response.headers["Retry-After"]) <= 15 * 60
    # Signing in by email (FAB allows it) is the same account, locked too.
    assert form_sign_in(client_at(server, "203.0.113.23"), f"{target}@example.go.th").status_code == 429
    # ...and over the API, in English and Thai.
    response = api_sign_in(client_at(server, "203.0.113.20"), target)
    answer = response.get_json()
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 14 * 60
    assert THAI_TRY_AGAIN.search(answer["message_th"]) and "Try again at" in answer["message_en"]
    assert answer["retry_after"] > 14 * 60 and answer["retry_at"].endswith("+07:00")

    # A colleague at the same address is not affected, on the form or the API.
    assert signed_in(form_sign_in(client_at(server, "203.0.113.20"), colleague))
    assert api_sign_in(client_at(server, "203.0.113.20"), colleague).status_code == 200

    # Failures over the API count the same way, and lock the form too.
    api_client = client_at(server, "203.0.113.21")
    assert [api_sign_in(api_client, api_target, "nope").status_code for i in range(10)] == [401] * 10
    assert api_sign_in(api_client, api_target).status_code == 429
    assert form_sign_in(client_at(server, "203.0.113.22"), api_target).status_code == 429

    with app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(
            AuditEntry.after.contains(f'"{target}"'), AuditEntry.action.like("login%"))).all()
    # Failed sign-ins stay audited; refused ones are audited as refused.
    assert actions.count("login_failed") == 10 and actions.count("login_refused") == 12


def test_the_lock_is_shared_by_two_app_servers_through_redis(app, redis_url):
    server_a, server_b = limited_app(app, redis_url), limited_app(app, redis_url)
    (name,) = office(app, 1)
    for i in range(5):
        assert form_sign_in(client_at(server_a, "203.0.113.30"), name, "wrong").status_code == 302
        assert form_sign_in(client_at(server_b, "203.0.113.31"), name, "wrong").status_code == 302
    assert form_sign_in(client_at(server_a, "203.0.113.32"), name).status_code == 429
    assert api_sign_in(client_at(server_b, "203.0.113.33"), name).status_code == 429


def test_an_address_trying_many_usernames_is_held_back(app):
    """The looser per-address rule (narrowed here to 5 failures): after it, even
    a correct password from that address waits; other addresses do not."""
    server = limited_app(app, "memory://", SIGN_IN_ADDRESS_LIMIT="5 per 15 minutes")
    (name,) = office(app, 1)
    scanner = client_at(server, "198.51.100.7")
    assert [form_sign_in(scanner, f"nobody-{i}", "x").status_code for i in range(5)] == [302] * 5
    response = form_sign_in(scanner, name)
    assert response.status_code == 429 and "จากเครือข่ายนี้" in response.get_data(as_text=True)
    assert signed_in(form_sign_in(client_at(server, "198.51.100.8"), name))


def _lock(server, name, address):
    client = client_at(server, address)
    for _ in range(10):
        form_sign_in(client, name, "wrong")
    assert form_sign_in(client, name).status_code == 429


def test_an_administrator_unlocks_a_user_early_audited_and_in_scope_only(app, redis_url):
    server = limited_app(app, redis_url)
    name, other = office(app, 2)
    with app.app_context():
        pk, other_pk = user(name).id, user(other).id
    _lock(server, name, "203.0.113.40")
    _lock(server, other, "203.0.113.41")

    # An administrator of another province: the forged request is refused,
    # on the show page's action and on the list's bulk action.
    bangkok = login(client_at(server, "203.0.113.42"), "bkk-admin")
    assert bangkok.post(f"/users/action/unlock/{pk}").status_code in (403, 404)
    assert bangkok.post("/users/action_post", data={"action": "unlock", "rowid": [str(pk)]}).status_code in (403, 404)
    assert form_sign_in(client_at(server, "203.0.113.43"), name).status_code == 429

    # The province administrator of the user's province unlocks them.
    chiang_mai = login(client_at(server, "203.0.113.44"), "cm-admin")
    show = chiang_mai.get(f"/users/show/{pk}").get_data(as_text=True)
    assert "ปลดล็อกการเข้าสู่ระบบ" in show and re.search(r"ถูกล็อก.*จนถึงเวลา \d\d:\d\d น\.", show)
    response = chiang_mai.post(f"/users/action/unlock/{pk}", follow_redirects=True)
    assert response.status_code == 200 and "ปลดล็อกการเข้าสู่ระบบแล้ว" in response.get_data(as_text=True)
    assert signed_in(form_sign_in(client_at(server, "203.0.113.45"), name))
    with app.app_context():
        entry = db.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "unlock", AuditEntry.object_id == pk)).one()
        assert entry.actor_id == user("cm-admin").id and name in entry.after

    # The central administrator may unlock anyone (the list's bulk action).
    central = login(client_at(server, "203.0.113.46"), "admin")
    assert central.post("/users/action_post", data={"action": "unlock", "rowid": [str(other_pk)]}).status_code == 302
    assert signed_in(form_sign_in(client_at(server, "203.0.113.47"), other))
    # A user who is not locked: nothing to do, nothing audited.
    central.post(f"/users/action/unlock/{other_pk}")
    with app.app_context():
        assert db.session.query(AuditEntry).filter_by(action="unlock", object_id=other_pk).count() == 1


def test_sign_in_stays_open_when_the_counter_store_is_down(app):
    """Redis unreachable (nothing listens on the port): people still sign in,
    wrong passwords are still just wrong — no 500, nobody locked out."""
    server = limited_app(app, f"redis://127.0.0.1:{free_port()}/0")
    (name,) = office(app, 1)
    client = client_at(server, "192.0.2.5")
    assert [form_sign_in(client, name, "wrong").status_code for _ in range(3)] == [302] * 3
    assert signed_in(form_sign_in(client, name))
    assert api_sign_in(client_at(server, "192.0.2.5"), name).status_code == 200


def test_a_locked_switched_off_account_gets_the_lock_page_not_its_reason(app):
    """The "account switched off" reason is only given for a right password:
    given while the username is locked, it would confirm a guessed password."""
    server = limited_app(app, "memory://")
    (name,) = office(app, 1)
    with app.app_context():
        db.session.execute(update(MaskLogUser).where(MaskLogUser.username == name).values(active=False))
        db.session.commit()
    client = client_at(server, "203.0.113.40")
    reason = form_sign_in(client, name)  # not locked yet: the right password hears why
    assert "ถูกปิดใช้งาน" in flashed_text(client.get("/login/").get_data(as_text=True)), reason.status_code
    for _ in range(10):
        form_sign_in(client, name, "wrong")
    response = form_sign_in(client, name)
    assert response.status_code == 429 and "ถูกปิดใช้งาน" not in response.get_data(as_text=True)


def test_the_cli_unlocks_a_locked_user(app, redis_url):
    """When the only central administrator is the one locked out, the CLI lifts
    the lock (audited, as the system)."""
    server = limited_app(app, redis_url)
    (name,) = office(app, 1)
    _lock(server, name, "203.0.113.50")
    result = server.test_cli_runner().invoke(args=["masklog", "unlock", "--username", name.upper()])
    assert result.exit_code == 0 and f"{name} unlocked" in result.output, result.output
    assert signed_in(form_sign_in(client_at(server, "203.0.113.50"), name))
    with app.app_context():
        assert db.session.query(AuditEntry).filter_by(action="unlock", object_id=user(name).id).count() == 1
    result = server.test_cli_runner().invoke(args=["masklog", "unlock", "--username", name])
    assert "was not locked" in result.output
