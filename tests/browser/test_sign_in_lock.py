"""A person locked out by wrong passwords reads, in Thai, when to try again;
their province administrator opens their page, sees the lock and clicks
"unlock"; they sign in. A live server with the sign-in limits on (the suite's
shared server has them off), CSRF on, on the browser tests' database."""
import re
import threading

import pytest

from tests.browser.conftest import Session

USERNAME = "cm-locked-out"
PASSWORD = "Forgot-it-2563"


@pytest.fixture(scope="module")
def limited_server(live_app):
    from werkzeug.serving import make_server

    from app import create_app
    from app.commands.setup import system_actor
    from app.commands.users import create_user
    from app.extensions import db
    from app.models.unit import Unit
    from app.roles import OFFICER

    from config import TestConfig

    config = type("LimitedBrowserConfig", (TestConfig,), {
        "SQLALCHEMY_DATABASE_URI": live_app.config["SQLALCHEMY_DATABASE_URI"], "WTF_CSRF_ENABLED": True,
        "SIGN_IN_LIMITED": True, "RATELIMIT_STORAGE_URI": "memory://"})
    app = create_app(config)
    with app.app_context():
        create_user(db.session, system_actor(db.session), username=USERNAME, first_name="ลืม",
                    last_name="รหัสผ่าน", email=f"{USERNAME}@demo.masklog.invalid",
                    unit=db.session.query(Unit).filter(Unit.code == "5001").one(), role_names=[OFFICER],
                    password=PASSWORD, position="เจ้าหน้าที่")
        db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="masklog-limited-server", daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


def _try(page, password):
    page.goto("/login/")
    page.fill("#username", USERNAME)
    page.fill("#password", password)
    page.click("input[type=submit]")
    page.wait_for_load_state()


def test_a_locked_out_officer_is_told_when_and_unlocked_by_their_administrator(browser, limited_server):
    from app.extensions import db
    from app.models.user import MaskLogUser

    app, base_url = limited_server
    with app.app_context():
        pk = db.session.query(MaskLogUser.id).filter_by(username=USERNAME).scalar()
    officer = Session(browser, base_url, "phone")
    admin = Session(browser, base_url, "desktop")
    try:
        for attempt in range(10):
            _try(officer.page, f"wrong-{attempt}")
        _try(officer.page, PASSWORD)
        text = officer.page.inner_text("#sign-in-locked")
        assert re.search(r"ลองใหม่ได้เวลา \d\d:\d\d น\.", text), text

        admin.login("cm-admin")
        admin.page.goto(f"/users/show/{pk}")
        assert "ถูกล็อก" in admin.page.inner_text("body")
        admin.page.click("#btn-action-MaskLogUserView\\.action-unlock")
        # FAB's show page carries its confirmation modal twice (same id): the one shown is
        # the one armed. Click its OK, then wait for the page the action leads to.
        admin.page.locator("#modal-confirm-ok:visible").click()
        admin.page.locator(".alert", has_text="ปลดล็อกการเข้าสู่ระบบแล้ว").wait_for(timeout=10_000)

        officer.page.goto("/login/")
        officer.login(USERNAME, PASSWORD)
        assert "/login" not in officer.page.url
    finally:
        officer.close()
        admin.close()
