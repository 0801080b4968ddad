"""Work without a signal, in Debian's chromium on a 360 px phone
(app/static/offline.js, the service worker of app/views/offline.py):
records made offline wait on the phone, the page opens again offline, and
when the signal returns each record reaches the server once — or shows the
server's Thai refusal; a page killed mid-send leaves no duplicate; signing
out warns, and another user of the same browser sees nothing of the first.

Each test has its own LAO, officer and stock (the live server is shared). The
file's name makes it run after the tests that take the manual's screenshots:
its units and users in Chiang Mai would show in the lists they picture."""
import datetime
import threading
import time
import uuid

import pytest
from sqlalchemy import func, select

from tests.browser.checks import save_screenshot
from tests.browser.conftest import Session

# The manual's pictures: the top of the phone's page, down to the records kept on it.
TOP_OF_PAGE = {"x": 0, "y": 0, "width": 360, "height": 860}


@pytest.fixture()
def area(live_app):
    """A new LAO with 100 pieces in stock and an officer who signs in with the demo password."""
    from app.commands.passwords import hash_password
    from app.devtools.demo import DEMO_PASSWORD
    from app.extensions import db
    from app.models.ledger import RiskGroup
    from app.thai import today
    from tests.helpers import fresh_tree, stock_up

    with live_app.app_context():
        lao, _children, people = fresh_tree(1)
        # Fixed names: the manual's screenshots (app/static/manual/) must not change from run to run.
        people["officer"].first_name, people["officer"].last_name = "สมชาย", "ใจดี"
        # Added and counted yesterday: today the unit has not reported until its records arrive.
        lao.created_on -= datetime.timedelta(days=2)
        db.session.commit()
        stock_up(lao, people, quantity=100, day=today() - datetime.timedelta(days=1))
        people["officer"].password = hash_password(DEMO_PASSWORD)
        db.session.commit()
        group = db.session.execute(select(RiskGroup.id).order_by(RiskGroup.sort_order)).scalars().first()
        return {"lao": lao.id, "officer": people["officer"].username, "officer_id": people["officer"].id,
                "name": f"{people['officer'].first_name} {people['officer'].last_name}", "group": group,
                "colleague": people["committee"].username}


def _distributions(live_app, unit_id):
    from app.extensions import db
    from app.models.ledger import Distribution

    with live_app.app_context():
        return db.session.scalar(select(func.count()).select_from(Distribution).where(Distribution.unit_id == unit_id))


def _reported(live_app, unit_id):
    from app.extensions import db
    from app.models.rollup import DailyReport
    from app.thai import today

    with live_app.app_context():
        return db.session.get(DailyReport, (unit_id, today())) is not None


def _open_kept(session, area):
    """Sign in and open the today page; wait until the worker keeps it."""
    page = session.login(area["officer"])
    page.goto(f"/today/{area['lao']}")
    page.wait_for_function(
        "async (user) => (await caches.keys()).includes('masklog-pages-' + user)"
        " && !!(await (await caches.open('masklog-pages-' + user)).match(location.href))",
        arg=str(area["officer_id"]), timeout=10_000)
    return page


def _queue_distribution(page, area, pieces, people="10"):
    page.fill(f"input[name=pieces-{area['group']}]", pieces)
    page.fill(f"input[name=people-{area['group']}]", people)
    page.locator("#distribute button[type=submit]").tap()


def _offline_with_one_distribution(session, area, pieces):
    """Signed in, the page kept, the signal gone, one distribution waiting on the phone."""
    page = _open_kept(session, area)
    session.context.set_offline(True)
    _queue_distribution(page, area, pieces)
    _queued(page).first.wait_for()
    return page


def _queued(page):
    return page.locator("#offline-queue .masklog-queue-item")


def _phone(browser, live_server):
    return Session(browser, live_server, "phone", route_guard=False)


def test_records_made_offline_reach_the_server_once_when_the_signal_returns(browser, live_server, live_app, area):
    from app.extensions import db
    from app.models.unit import Unit

    with live_app.app_context():  # a fixed name for the manual's screenshots
        lao = db.session.get(Unit, area["lao"])
        lao.name_th, lao.code = "เทศบาลตำบลบ้านตัวอย่าง", "T-OFFLINE"
        db.session.commit()
    session = _phone(browser, live_server)
    try:
        page = _open_kept(session, area)
        assert not page.locator("#offline-banner").is_visible()
        session.context.set_offline(True)
        _queue_distribution(page, area, "๓๐")
        _queued(page).first.wait_for()
        page.locator("#nothing-today button[type=submit]").tap()
        page.wait_for_function("document.querySelectorAll('#offline-queue .masklog-queue-item').length === 2")
        texts = _queued(page).all_inner_texts()
        assert "การแจกจ่าย · 30 ชิ้น" in texts[0] and "รอส่ง" in texts[0]
        assert "วันนี้ไม่มีรายการ" in texts[1] and "รอส่ง" in texts[1]
        assert page.locator("#offline-banner").is_visible() and "ไม่มีสัญญาณ" in page.locator("#offline-banner").inner_text()
        # The form is cleared (nothing to send twice by mistake); nothing reached the server.
        assert page.locator(f"input[name=pieces-{area['group']}]").input_value() == ""
        assert _distributions(live_app, area["lao"]) == 0 and not _reported(live_app, area["lao"])

        # The page opens again without a signal: the kept copy, with the records waiting.
        page.reload()
        _queued(page).nth(1).wait_for()
        assert page.locator("#balance").inner_text() == "100"
        assert [("รอส่ง" in text) for text in _queued(page).all_inner_texts()] == [True, True]
        page.evaluate("window.scrollTo(0, 0)")
        save_screenshot(page, "offline-waiting-phone", full_page=True, clip=TOP_OF_PAGE)

        # The signal returns: sent in order, once; the page opens again with the new balance.
        with page.expect_navigation():
            session.context.set_offline(False)
        page.wait_for_function("[...document.querySelectorAll('#offline-queue .masklog-queue-item')]"
                               ".every(item => item.classList.contains('masklog-queue-sent'))")
        assert page.locator("#balance").inner_text() == "70"
        texts = _queued(page).all_inner_texts()
        assert "ส่งแล้ว · เลขที่เอกสาร" in texts[0] and "ส่งแล้ว" in texts[1]
        assert _distributions(live_app, area["lao"]) == 1 and _reported(live_app, area["lao"])
        page.evaluate("window.scrollTo(0, 0)")
        # The document's number depends on what earlier tests wrote: one fixed number in the manual's picture.
        page.evaluate("""() => document.querySelectorAll('.masklog-queue-state').forEach(state => {
            state.textContent = state.textContent.replace(/เลขที่เอกสาร \\d+/, 'เลขที่เอกสาร 1024'); })""")
        save_screenshot(page, "offline-sent-phone", full_page=True, clip=TOP_OF_PAGE)
        # A sent record stays until dismissed.
        page.locator("#offline-queue .masklog-queue-dismiss").first.tap()
        page.wait_for_function("document.querySelectorAll('#offline-queue .masklog-queue-item').length === 1")
        page.reload()
        _queued(page).first.wait_for()  # the list is drawn from the phone's store after the page loads
        assert _queued(page).count() == 1 and _distributions(live_app, area["lao"]) == 1
    finally:
        session.close()


def test_a_record_the_server_refuses_shows_the_thai_reason_and_writes_nothing(browser, live_server, live_app, area):
    from app.commands.distribution import Distribute, DistributionInput
    from app.db.transaction import transaction
    from app.extensions import db
    from tests.helpers import user

    session = _phone(browser, live_server)
    try:
        page = _offline_with_one_distribution(session, area, "80")
        # Meanwhile someone else at the unit spends most of the stock.
        with live_app.app_context():
            with transaction():
                Distribute(db.session, user(area["officer"]), DistributionInput(
                    unit_id=area["lao"], item_id=None, date=None, lines=[(area["group"], "60", "20")],
                    form_token=uuid.uuid4().hex)).run()
        with page.expect_navigation():
            session.context.set_offline(False)
        refused = page.locator("#offline-queue .masklog-queue-refused")
        refused.wait_for()
        assert "ไม่ได้บันทึก" in refused.inner_text() and "คงเหลือ" in refused.inner_text()
        assert page.locator("#balance").inner_text() == "40"
        assert _distributions(live_app, area["lao"]) == 1  # only the other one
    finally:
        session.close()


def test_a_page_killed_while_sending_leaves_no_duplicate(browser, live_server, live_app, area):
    """The answer is held back (the server has written the record); the page
    is closed before it arrives; a new page sends it again with the same token."""
    session = _phone(browser, live_server)
    inner, answered = live_app.wsgi_app, threading.Event()

    def slow_answers(environ, start_response):
        result = inner(environ, start_response)
        if environ.get("HTTP_X_MASKLOG_QUEUE") == "later" and not answered.is_set():
            answered.set()
            time.sleep(3)  # the page is closed meanwhile
        return result

    try:
        page = _offline_with_one_distribution(session, area, "25")
        live_app.wsgi_app = slow_answers
        session.context.set_offline(False)
        deadline = time.time() + 10
        while _distributions(live_app, area["lao"]) == 0 and time.time() < deadline:
            time.sleep(0.05)
        assert _distributions(live_app, area["lao"]) == 1
        page.close()
        live_app.wsgi_app = inner
        page = session.context.new_page()
        page.goto(f"/today/{area['lao']}")
        page.locator("#offline-queue .masklog-queue-sent").wait_for()
        assert "ส่งแล้ว" in _queued(page).first.inner_text() and page.locator("#balance").inner_text() == "75"
        assert _distributions(live_app, area["lao"]) == 1
    finally:
        live_app.wsgi_app = inner
        session.close()


def test_signing_out_warns_and_the_next_user_sees_nothing_of_the_first(browser, live_server, live_app, area):
    from app.commands.passwords import hash_password
    from app.devtools.demo import DEMO_PASSWORD
    from app.extensions import db
    from tests.helpers import user

    with live_app.app_context():
        colleague = user(area["colleague"])
        colleague.password = hash_password(DEMO_PASSWORD)
        db.session.commit()
        colleague_name = colleague.username
    session = _phone(browser, live_server)
    try:
        page = _offline_with_one_distribution(session, area, "5")
        # Signing out: a warning naming the unsent record; "cancel" keeps it.
        dialogs = []
        page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        page.evaluate("document.querySelector('a[href$=\"/logout/\"]').click()")
        page.wait_for_timeout(300)
        assert dialogs and "ยังไม่ได้ส่ง 1 รายการ" in dialogs[0]
        assert _queued(page).count() == 1 and "/today/" in page.url

        # The session ends while offline (it expires); back online the record asks for a sign-in…
        session.context.clear_cookies()
        session.context.set_offline(False)
        page.locator("#offline-queue .masklog-queue-item", has_text="ลงชื่อเข้าใช้อีกครั้ง").wait_for()
        # …and the sign-in page says whose unsent record another user's sign-in deletes.
        page.goto("/login/")
        warning = page.locator("#queue-other-user")
        warning.wait_for()
        assert warning.inner_text().count(area["name"]) == 2 and "{name}" not in warning.inner_text()
        assert "1 รายการ" in warning.inner_text()
        save_screenshot(page, "offline-other-user-warning-phone")
        session.login(colleague_name)
        page.goto("/today/")
        page.wait_for_function("async () => !(await caches.keys()).some(k => k === 'masklog-pages-%s')"
                               % area["officer_id"])
        assert page.evaluate("""() => new Promise(resolve => { const open = indexedDB.open('masklog', 1);
            open.onsuccess = () => { const all = open.result.transaction('queue').objectStore('queue').getAll();
              all.onsuccess = () => resolve(all.result.length); }; })""") == 0
        assert _queued(page).count() == 0
        # Offline, the first officer's page is not shown to the second.
        session.context.set_offline(True)
        page.goto(f"/today/{area['lao']}")
        assert page.locator("#offline-queue").count() == 1  # the colleague's own kept page of the same unit…
        assert not page.locator(f"text={area['name']}").count()  # …never the first officer's
        session.context.set_offline(False)
        assert _distributions(live_app, area["lao"]) == 0
    finally:
        session.close()
