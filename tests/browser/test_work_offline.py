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
        people["child0"].password = hash_password(DEMO_PASSWORD)
        db.session.commit()
        return {"lao": lao.id, "officer": people["officer"].username, "officer_id": people["officer"].id,
                "name": f"{people['officer'].first_name} {people['officer'].last_name}", "group": group,
                "colleague": people["committee"].username, "child": _children[0].id,
                "child_name": _children[0].name_th, "receiver": people["child0"].username,
                "receiver_id": people["child0"].id}


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


def _open_kept(session, area, who="officer", unit="lao"):
    """Sign in and open the today page; wait until the worker keeps it."""
    page = session.login(area[who])
    page.goto(f"/today/{area[unit]}")
    page.wait_for_function(
        "async (user) => (await caches.keys()).includes('masklog-pages-' + user)"
        " && !!(await (await caches.open('masklog-pages-' + user)).match(location.href))"
        " && !!(await (await caches.open('masklog-pages-' + user)).match('/today/'))",
        arg=str(area[f"{who}_id"]), timeout=10_000)
    return page


def _age_kept_page(page, day):
    """The kept copies of the today page as if fetched on `day` (its date fields and its day)."""
    from app.thai import thai_date_input, today

    page.evaluate("""async ([fromDay, toDay, fromTyped, toTyped]) => {
        for (const key of (await caches.keys()).filter(key => key.startsWith('masklog-pages-'))) {
          const cache = await caches.open(key);
          for (const request of await cache.keys()) {
            const response = await cache.match(request);
            const text = (await response.text()).split(`data-day="${fromDay}"`).join(`data-day="${toDay}"`)
              .split(`value="${fromTyped}"`).join(`value="${toTyped}"`);
            const headers = new Headers(response.headers);
            headers.delete('Content-Length');
            await cache.put(request, new Response(text, {status: response.status, headers: headers}));
          }
        }
      }""", [today().isoformat(), day.isoformat(), thai_date_input(today()), thai_date_input(day)])


def _stored_queue(page):
    """The queue as kept in the phone's IndexedDB."""
    return page.evaluate("""() => new Promise(resolve => { const open = indexedDB.open('masklog', 1);
        open.onsuccess = () => { const all = open.result.transaction('queue').objectStore('queue').getAll();
          all.onsuccess = () => { open.result.close(); resolve(all.result); }; }; })""")


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


def _documents(live_app, unit_id):
    """{kind: [date, ...]} of the unit's documents."""
    from app.extensions import db
    from app.models.ledger import Allocation, Distribution, Receipt

    with live_app.app_context():
        return {"distribution": db.session.scalars(select(Distribution.distribution_date)
                                                   .where(Distribution.unit_id == unit_id)).all(),
                "receipt": db.session.scalars(select(Receipt.receipt_date).where(Receipt.unit_id == unit_id)).all(),
                "allocation": db.session.scalars(select(Allocation.allocation_date)
                                                 .where(Allocation.unit_id == unit_id)).all()}


def test_a_page_kept_since_yesterday_dates_what_is_recorded_today(browser, live_server, live_app, area):
    """Distribution, receipt and allocation recorded offline on a page kept
    since yesterday: the forms' dates move to the phone's today, the page says
    so, and each record goes through the queue dated today. No password is
    ever kept in the queue."""
    from app.thai import thai_date_input, today

    yesterday = today() - datetime.timedelta(days=1)
    session = _phone(browser, live_server)
    try:
        page = _open_kept(session, area)
        _age_kept_page(page, yesterday)
        session.context.set_offline(True)
        page.reload()
        note = page.locator("#offline-banner .masklog-dates-moved")
        note.wait_for()
        assert "วันที่ในแบบฟอร์มจึงเปลี่ยนเป็นวันนี้" in note.inner_text()
        assert f"{today().day} " in note.inner_text() and str(today().year + 543) in note.inner_text()
        dates = page.locator("form[data-queue-label] input[name=date]")
        assert dates.count() >= 4  # distribution, allocation, receipt, adjustment, nothing today
        assert set(dates.evaluate_all("fields => fields.map(field => field.value)")) == {thai_date_input(today())}

        # A password field (none is on the page) would never reach the queue.
        page.evaluate("""() => { const field = document.createElement('input');
            field.type = 'password'; field.name = 'password'; field.value = 'Secret-ลับมาก-1';
            document.querySelector('#distribute form').appendChild(field); }""")
        _queue_distribution(page, area, "10")
        _queued(page).first.wait_for()
        page.fill("#receipt input[name=source]", "บริจาค")
        page.fill("#receipt input[name=reference_no]", "REF-OFFLINE-1")
        page.fill("#receipt input[name=quantity_sent]", "50")
        page.locator("#receipt button[type=submit]").tap()
        page.wait_for_function("document.querySelectorAll('#offline-queue .masklog-queue-item').length === 2")
        page.fill("#allocate input[name=document_no]", "ALLOC-OFFLINE-1")
        page.fill(f"#allocate input[name=share-{area['child']}]", "20")
        page.locator("#allocate button[type=submit]").tap()
        page.wait_for_function("document.querySelectorAll('#offline-queue .masklog-queue-item').length === 3")
        # Cleared forms keep today's date.
        assert page.locator("#receipt input[name=date]").input_value() == thai_date_input(today())
        stored = _stored_queue(page)
        assert len(stored) == 3 and "Secret" not in str(stored) and "password" not in str(stored)
        assert all(dict(item["fields"])["date"] == thai_date_input(today()) for item in stored)

        with page.expect_navigation():
            session.context.set_offline(False)
        page.wait_for_function("[...document.querySelectorAll('#offline-queue .masklog-queue-item')]"
                               ".every(item => item.classList.contains('masklog-queue-sent'))")
        assert _queued(page).count() == 3
        assert _documents(live_app, area["lao"]) == {"distribution": [today()], "receipt": [yesterday, today()],
                                                     "allocation": [today()]}
        assert page.locator("#balance").inner_text() == "70"
        assert not page.locator("#offline-banner").is_visible()  # the server's page again
    finally:
        session.close()


def test_a_confirmation_goes_through_the_queue(browser, live_server, live_app, area):
    from app.commands.allocation import Allocate, AllocationInput
    from app.db.transaction import transaction
    from app.extensions import db
    from app.models.ledger import AllocationLine
    from app.thai import today
    from tests.helpers import user

    with live_app.app_context():
        with transaction():
            allocation = Allocate(db.session, user(area["officer"]), AllocationInput(
                unit_id=area["lao"], item_id=None, date=None, document_no="ALLOC-CONFIRM-1",
                shares=[(area["child"], "30")], form_token=uuid.uuid4().hex)).run()
        line_id = allocation.lines[0].id
    session = _phone(browser, live_server)
    try:
        page = _open_kept(session, area, "receiver", "child")
        session.context.set_offline(True)
        page.fill(f"#confirm-{line_id} input[name=received]", "28")
        page.fill(f"#confirm-{line_id} input[name=reason]", "กล่องเปียกน้ำ 2 ชิ้น")
        page.locator(f"#confirm-{line_id} button[type=submit]").tap()
        _queued(page).first.wait_for()
        assert "ยืนยันรับของ · 28 ชิ้น" in _queued(page).first.inner_text()
        with page.expect_navigation():
            session.context.set_offline(False)
        page.locator("#offline-queue .masklog-queue-sent").wait_for()
        assert page.locator("#balance").inner_text() == "28"
        with live_app.app_context():
            line = db.session.get(AllocationLine, line_id)
            assert (line.status, line.confirmed_quantity, line.confirm_date) == ("confirmed", 28, today())
    finally:
        session.close()


def test_nothing_today_recorded_offline_counts_for_the_day_it_was_recorded(browser, live_server, live_app, area):
    """Tapped two days ago without a signal (the phone's clock), sent today:
    the unit reported on the day it tapped, not on the day the phone found a signal."""
    from app.extensions import db
    from app.models.rollup import DailyReport
    from app.thai import BANGKOK, today

    before = today() - datetime.timedelta(days=2)
    session = _phone(browser, live_server)
    try:
        page = _open_kept(session, area)
        _age_kept_page(page, before)  # the page as fetched that day
        session.context.clock.install(time=datetime.datetime.combine(before, datetime.time(10), tzinfo=BANGKOK))
        session.context.set_offline(True)
        page.reload()
        assert page.locator("#nothing-today input[name=date]").input_value().endswith(str(before.year + 543))
        assert not page.locator("#offline-banner .masklog-dates-moved").is_visible()
        page.locator("#nothing-today button[type=submit]").tap()
        _queued(page).first.wait_for()
        session.context.clock.set_system_time(datetime.datetime.now(BANGKOK))
        with page.expect_navigation():
            session.context.set_offline(False)
        page.locator("#offline-queue .masklog-queue-sent").wait_for()
        with live_app.app_context():
            assert db.session.get(DailyReport, (area["lao"], before)).first_kind == "no_activity"
            assert db.session.get(DailyReport, (area["lao"], today())) is None
    finally:
        session.close()


def test_when_the_server_cannot_be_reached_the_kept_page_says_so_and_sends_later(browser, live_server, live_app,
                                                                                area):
    """The phone says "online" but no request reaches the server: the worker's
    kept copy says the time of its figures, and the record waiting on the
    phone is sent by itself once the server answers (no "online" event comes)."""
    session = _phone(browser, live_server)
    try:
        page = _open_kept(session, area)
        session.context.clock.install()
        session.context.route("**/*", lambda route: route.abort("connectionrefused"))
        page.reload()
        banner = page.locator("#offline-banner")
        banner.wait_for()
        assert page.evaluate("navigator.onLine") is True
        assert "ติดต่อระบบไม่ได้" in banner.inner_text() and "ไม่มีสัญญาณ" not in banner.inner_text()
        assert page.locator("#balance").inner_text() == "100"
        _queue_distribution(page, area, "15")
        _queued(page).first.wait_for()
        page.wait_for_timeout(500)  # the send fails, and the retry straight after
        assert "รอส่ง" in _queued(page).first.inner_text() and _distributions(live_app, area["lao"]) == 0
        session.context.unroute("**/*")
        with page.expect_navigation():
            session.context.clock.run_for(31_000)
        page.locator("#offline-queue .masklog-queue-sent").wait_for()
        assert _distributions(live_app, area["lao"]) == 1 and page.locator("#balance").inner_text() == "85"
        assert not banner.is_visible()
    finally:
        session.close()


def test_a_record_refused_for_good_does_not_hold_up_the_ones_behind_it(browser, live_server, live_app, area):
    """A 4xx answer that is not the form's (here a proxy's plain 400 page) is a
    refusal: listed with a Thai message, dismissable, and the next record is sent."""
    session = _phone(browser, live_server)
    inner = live_app.wsgi_app

    def proxy_refuses_receipts(environ, start_response):
        if environ["PATH_INFO"].endswith("/receipt"):
            start_response("400 Bad Request", [("Content-Type", "text/html")])
            return [b"<html><body><h1>400 Bad Request</h1></body></html>"]
        return inner(environ, start_response)

    try:
        page = _open_kept(session, area)
        session.context.set_offline(True)
        page.fill("#receipt input[name=source]", "บริจาค")
        page.fill("#receipt input[name=reference_no]", "REF-REFUSED-1")
        page.fill("#receipt input[name=quantity_sent]", "50")
        page.locator("#receipt button[type=submit]").tap()
        _queued(page).first.wait_for()
        _queue_distribution(page, area, "12")
        page.wait_for_function("document.querySelectorAll('#offline-queue .masklog-queue-item').length === 2")
        live_app.wsgi_app = proxy_refuses_receipts
        with page.expect_navigation():
            session.context.set_offline(False)
        page.locator("#offline-queue .masklog-queue-sent").wait_for()
        refused = page.locator("#offline-queue .masklog-queue-refused")
        assert "ระบบไม่รับรายการนี้ (รหัส 400)" in refused.inner_text() and "การรับ" in refused.inner_text()
        assert _distributions(live_app, area["lao"]) == 1 and _documents(live_app, area["lao"])["receipt"] != []
        assert len(_documents(live_app, area["lao"])["receipt"]) == 1  # only the fixture's
        live_app.wsgi_app = inner
        refused.locator(".masklog-queue-dismiss").tap()
        page.wait_for_function("document.querySelectorAll('#offline-queue .masklog-queue-item').length === 1")
        page.reload()
        _queued(page).first.wait_for()
        assert _queued(page).count() == 1 and not page.locator("#offline-queue .masklog-queue-refused").count()
    finally:
        live_app.wsgi_app = inner
        session.close()


def test_an_expired_page_or_a_failing_server_keeps_the_record_until_it_is_sent(browser, live_server, live_app, area):
    """With a signal: a form on a page whose CSRF token expired is sent again
    with a fresh one; a server failing (503) keeps it waiting, never refused,
    and the next page load sends it."""
    session = _phone(browser, live_server)
    inner, failures = live_app.wsgi_app, []

    def failing_twice(environ, start_response):
        if environ["PATH_INFO"].endswith("/distribute") and len(failures) < 2:
            failures.append(environ.get("HTTP_X_MASKLOG_QUEUE"))
            start_response("503 Service Unavailable", [("Content-Type", "application/json"), ("Retry-After", "30")])
            return [b'{"message": "database down"}']
        return inner(environ, start_response)

    try:
        page = _open_kept(session, area)
        page.evaluate("document.querySelector('#receipt input[name=csrf_token]').value = 'expired'")
        page.fill("#receipt input[name=source]", "บริจาค")
        page.fill("#receipt input[name=reference_no]", "REF-EXPIRED-1")
        page.fill("#receipt input[name=quantity_sent]", "40")
        with page.expect_navigation():
            page.locator("#receipt button[type=submit]").tap()
        page.locator("#offline-queue .masklog-queue-sent").wait_for()
        assert len(_documents(live_app, area["lao"])["receipt"]) == 2
        page.locator("#offline-queue .masklog-queue-dismiss").tap()

        live_app.wsgi_app = failing_twice
        _queue_distribution(page, area, "19")
        page.wait_for_function("() => document.querySelector('#offline-queue .masklog-queue-waiting')")
        page.wait_for_timeout(300)
        assert failures == ["now", "later"] and "รอส่ง" in _queued(page).first.inner_text()
        assert _distributions(live_app, area["lao"]) == 0
        with page.expect_navigation():
            page.reload()  # the next page load sends it; it opens again with the new figures
        page.locator("#offline-queue .masklog-queue-sent").wait_for()
        assert _distributions(live_app, area["lao"]) == 1
    finally:
        live_app.wsgi_app = inner
        session.close()


def test_the_queue_is_sent_from_any_page_of_the_user(browser, live_server, live_app, area):
    session = _phone(browser, live_server)
    try:
        _offline_with_one_distribution(session, area, "12")
        page = session.page
        page.goto(f"/dashboard/{area['lao']}/calendar")  # no signal: the "no signal" page
        assert "ไม่มีสัญญาณ" in page.content()
        session.context.set_offline(False)
        assert _distributions(live_app, area["lao"]) == 0
        page.goto(f"/dashboard/{area['lao']}/calendar")
        toast = page.locator("#queue-toast")
        toast.wait_for()
        assert "ส่งรายการที่เก็บไว้ในเครื่องแล้ว 1 รายการ" in toast.inner_text()
        assert "ไม่ได้บันทึก" not in toast.inner_text()
        assert toast.locator("a").get_attribute("href") == "/today/"
        assert _distributions(live_app, area["lao"]) == 1
    finally:
        session.close()


def test_the_worker_never_keeps_another_units_page(browser, live_server, live_app, area):
    session = _phone(browser, live_server)
    try:
        page = _open_kept(session, area)
        page.goto(f"/today/{area['child']}")  # in the officer's area, but not their unit
        assert area["child_name"] in page.content()
        page.wait_for_timeout(500)
        kept = page.evaluate("""async () => { const urls = [];
            for (const key of (await caches.keys()).filter(key => key.startsWith('masklog-pages-')))
              for (const request of await (await caches.open(key)).keys()) urls.push(request.url);
            return urls; }""")
        assert kept and not [url for url in kept if f"/today/{area['child']}" in url]
        session.context.set_offline(True)
        page.goto(f"/today/{area['child']}")
        assert "ไม่มีสัญญาณ" in page.content() and area["child_name"] not in page.content()
    finally:
        session.close()
