"""Browser tests: Playwright drives Debian's chromium (/usr/bin/chromium, never a
downloaded browser) against a live server on loopback with a demo database.

One server and one browser per session. Every request the pages make to
anything but the loopback server is aborted and fails the test (closed
network: nothing may come from the internet)."""
from __future__ import annotations

import os
import threading
from urllib.parse import urlsplit

import pytest

CHROMIUM = "/usr/bin/chromium"
PHONE = {"viewport": {"width": 360, "height": 640}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 768}}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}
LOOPBACK = {"127.0.0.1", "localhost"}
# An extra officer at an end receiving unit, so a shipment from อำเภอเมืองเชียงใหม่
# can be confirmed by its receiver (demo data has no user there).
CHECKPOINT_OFFICER = "cm-checkpoint"
COMMITTEE = [{"name": "นายประเสริฐ ตรงเวลา", "position": "ปลัดอำเภอ"},
             {"name": "นางสาวมาลี ใจซื่อ", "position": "ปลัดอำเภอ"},
             {"name": "นายสมศักดิ์ รอบคอบ", "position": "สาธารณสุขอำเภอ"}]

HERE = os.path.dirname(os.path.abspath(__file__))


def pytest_collection_modifyitems(config, items):
    """Without Debian's chromium the browser tests skip, saying why."""
    if os.path.exists(CHROMIUM):
        return
    skip = pytest.mark.skip(reason=f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if str(item.path).startswith(HERE):
            item.add_marker(skip)


def _prepare(app) -> None:
    import datetime

    import flask_migrate

    from app.commands.count import CountLineInput, save_count, sign_count
    from app.commands.receipt import record_receipt
    from app.commands.setup import system_actor
    from app.devtools.demo import prepare_demo
    from app.commands.users import create_user
    from app.commands.passwords import hash_password
    from app.devtools.demo import DEMO_PASSWORD
    from app.extensions import db
    from app.models.unit import Unit
    from app.roles import OFFICER
    from app.thai import today

    with app.app_context():
        flask_migrate.upgrade()
        prepare_demo(db.session)
        actor = system_actor(db.session)
        checkpoint = db.session.query(Unit).filter(Unit.code == "CM-CHECKPOINT").one()
        officer = create_user(db.session, actor, username=CHECKPOINT_OFFICER, first_name="มานะ",
                              last_name="ขยันยิ่ง", email="cm-checkpoint@demo.masklog.invalid", unit=checkpoint,
                              role_names=[OFFICER], position="เจ้าหน้าที่จุดตรวจ")
        officer.password = hash_password(DEMO_PASSWORD)  # the demo's password, past the rules (test data)
        # Yesterday the district's committee counted and signed: today's sheet starts from it.
        district = db.session.query(Unit).filter(Unit.code == "5001").one()
        yesterday = today() - datetime.timedelta(days=1)
        receipt = record_receipt(db.session, actor, unit=district, receipt_date=yesterday, source="ศบค.มท.",
                                 reference_no="ชม 0017/1", quantity_sent=1000)
        count = save_count(db.session, actor, unit=district, count_date=yesterday,
                           lines=[CountLineInput(receipt.id, counted=1000)], members=COMMITTEE,
                           chair_name=COMMITTEE[0]["name"], physical_count=1000)
        sign_count(db.session, actor, count)
        db.session.commit()


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    from app import create_app
    from config import TestConfig

    url = "sqlite:///" + str(tmp_path_factory.mktemp("browser") / "masklog.db")
    # A real browser posts real forms: CSRF on, as in production.
    # The QR codes on the pages name this address, not the test server's
    # random port, so the manual's screenshots do not change from run to run.
    config = type("BrowserConfig", (TestConfig,), {"SQLALCHEMY_DATABASE_URI": url, "WTF_CSRF_ENABLED": True,
                                                   "PUBLIC_BASE_URL": "https://masklog.example"})
    app = create_app(config)
    _prepare(app)
    return app


@pytest.fixture(scope="session")
def unit_ids(live_app):
    """{unit code: id} of the demo units the flows use."""
    from app.extensions import db
    from app.models.unit import Unit

    with live_app.app_context():
        return dict(db.session.query(Unit.code, Unit.id).filter(
            Unit.code.in_(["TH", "50", "5001", "10", "CM-CHECKPOINT", "CM-CITY"])).all())


@pytest.fixture(scope="session")
def live_server(live_app):
    from werkzeug.serving import WSGIRequestHandler, make_server

    class QuietHandler(WSGIRequestHandler):
        def log_request(self, *args, **kwargs):  # a line per asset would drown the test output
            pass

    server = make_server("127.0.0.1", 0, live_app, threaded=True, request_handler=QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="masklog-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # The proxy points at a closed loopback port: should a request escape the
        # route guard below, the browser itself cannot reach the internet.
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"],
                                    proxy={"server": "http://127.0.0.1:9", "bypass": "127.0.0.1,localhost"})
        yield browser
        browser.close()


class Session:
    """A browser context for one user at one viewport, with its guards."""

    def __init__(self, browser, base_url, viewport, route_guard=True, states=None, **options):
        self.base_url = base_url
        self.states = {} if states is None else states  # sign-in cookies by username, for reuse
        self.external, self.errors = [], []
        self.context = browser.new_context(base_url=base_url, locale="th-TH", timezone_id="Asia/Bangkok",
                                           **VIEWPORTS[viewport], **options)
        self.context.set_default_timeout(10_000)
        self.context.on("request", self._watch)
        if route_guard:
            # Only non-loopback URLs are routed: routing every request would turn
            # off the browser cache and slow every page.
            self.context.route(lambda url: urlsplit(url).hostname not in LOOPBACK, self._guard)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _watch(self, request):
        if urlsplit(request.url).hostname not in LOOPBACK and not request.url.startswith("data:"):
            self.external.append(request.url)

    @staticmethod
    def _guard(route):
        route.abort("blockedbyclient")

    def login(self, username, password=None):
        from app.devtools.demo import DEMO_PASSWORD

        page = self.page
        if "/login" not in page.url:
            page.goto("/login/")
        page.fill("#username", username)
        page.fill("#password", password or DEMO_PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_load_state()
        assert "/login" not in page.url, f"login of {username} failed"
        self.states[username] = self.context.storage_state()
        return page

    def close(self):
        self.context.close()
        assert self.external == [], f"pages reached outside the server: {self.external}"
        assert self.errors == [], f"JavaScript errors: {self.errors}"


@pytest.fixture(scope="session")
def sign_in_states():
    """{username: cookies after signing in}: each user signs in through the
    login page once per run; later sessions start from the cookie."""
    return {}


@pytest.fixture()
def open_session(browser, live_server, sign_in_states):
    """open_session('phone') -> a fresh, signed-out Session; open_session('phone',
    'cm-officer') -> one signed in as that user. Closed and checked after the test."""
    sessions = []

    def make(viewport="phone", username=None, route_guard=True):
        options = {}
        if username:
            if username not in sign_in_states:
                first = Session(browser, live_server, viewport, states=sign_in_states)
                sessions.append(first)
                first.login(username)
            options["storage_state"] = sign_in_states[username]
        session = Session(browser, live_server, viewport, route_guard, states=sign_in_states, **options)
        sessions.append(session)
        return session

    yield make
    for session in sessions:
        session.close()
