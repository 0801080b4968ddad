"""The server's side of offline work (app/views/offline.py, TodayView._submit)
over real HTTP: the worker and the manifest, who is signed in, which pages the
phone may keep, and the queue's JSON answers — a record sent twice with its
one-time token is written once, a refused one writes nothing and says why in
Thai."""
import re
import uuid

from sqlalchemy import func, select

from app.extensions import db
from app.models.ledger import AllocationLine, Distribution, LedgerLine

from tests.helpers import check_invariants, client_for, login, post_allocation, post_receipt_and_count

LATER = {"X-MaskLog-Queue": "later"}
NOW = {"X-MaskLog-Queue": "now"}


def flashed_text(html):
    """FAB's flash messages only (the today page's banners are alerts too)."""
    return " ".join(re.findall(r'<div class="alert[^"]*"[^>]*>(.*?)</div>', html, re.S))


def test_the_worker_and_the_manifest_are_served_from_the_site(app):
    client = app.test_client()
    worker = client.get("/sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    assert worker.headers["Service-Worker-Allowed"] == "/" and "no-cache" in worker.headers["Cache-Control"]
    body = worker.get_data(as_text=True)
    assert 'const VERSION = "' in body and "X-MaskLog-Offline" in body and "{{" not in body
    manifest = client.get("/manifest.webmanifest")
    assert manifest.mimetype == "application/manifest+json"
    data = manifest.get_json()
    assert data["short_name"] == "MaskLog" and data["lang"] == "th" and data["start_url"] == "/today/"
    assert "หน้ากากอนามัย" in data["name"] and data["display"] == "standalone"
    sizes = set()
    for icon in data["icons"]:
        image = client.get(icon["src"])
        assert image.status_code == 200 and image.mimetype == "image/png"
        sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes
    offline = client.get("/offline/").get_data(as_text=True)
    assert "ไม่มีสัญญาณ" in offline and "/today/" in offline


def test_the_session_answer_names_the_user_and_a_fresh_token(app, tree):
    anonymous = app.test_client().get("/offline/session")
    assert anonymous.get_json() == {"user": None, "csrf_token": None}
    assert "no-store" in anonymous.headers["Cache-Control"]
    officer = client_for(app, tree["officer"])
    answer = officer.get("/offline/session").get_json()
    assert answer["user"] == tree["officer"] and len(answer["csrf_token"]) > 20


def test_only_the_own_units_today_page_may_be_kept(app, tree):
    officer = client_for(app, tree["officer"])
    own = officer.get(f"/today/{tree['lao']}")
    assert own.headers["X-MaskLog-User"] == str(tree["officer"]) and own.headers["X-MaskLog-Offline"] == "1"
    # A unit below, in the officer's area: readable, but not the officer's own page.
    below = officer.get(f"/today/{tree['children'][0]}")
    assert below.status_code == 200 and "X-MaskLog-Offline" not in below.headers
    dashboard = officer.get(f"/dashboard/{tree['lao']}")
    assert dashboard.status_code == 200 and "X-MaskLog-Offline" not in dashboard.headers
    assert app.test_client().get("/login/").headers["X-MaskLog-User"] == "0"


def _distributions(app, unit_id):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Distribution).where(Distribution.unit_id == unit_id))


def test_a_queued_record_sent_twice_is_written_once(app, tree):
    officer, committee = client_for(app, tree["officer"]), client_for(app, tree["committee"])
    lao, group = tree["lao"], tree["groups"][0]
    post_receipt_and_count(app, officer, committee, lao, 100, 100)
    form = {f"pieces-{group}": "๓๐", f"people-{group}": "30", "form_token": uuid.uuid4().hex}
    first = officer.post(f"/today/{lao}/distribute", data=form, headers=LATER)
    assert first.status_code == 200 and first.mimetype == "application/json"
    answer = first.get_json()
    assert answer["ok"] is True and answer["message"] == "บันทึกการแจกจ่ายแล้ว" and answer["document"]
    assert answer["next"].startswith(f"/today/{lao}")
    # The phone died before the answer came: it sends the same record again.
    again = officer.post(f"/today/{lao}/distribute", data=form, headers=LATER).get_json()
    assert again["ok"] is True and again["document"] == answer["document"]
    assert _distributions(app, lao) == 1
    # "later" leaves no message for the next page (the queue shows the outcome itself).
    assert flashed_text(officer.get(f"/today/{lao}").get_data(as_text=True)) == ""
    with app.app_context():
        check_invariants()


def test_a_refused_queued_record_writes_nothing_and_says_why_in_thai(app, tree):
    officer, lao, group = client_for(app, tree["officer"]), tree["lao"], tree["groups"][0]
    response = officer.post(f"/today/{lao}/distribute", headers=LATER, data={
        f"pieces-{group}": "500", f"people-{group}": "10", "form_token": uuid.uuid4().hex})
    answer = response.get_json()
    assert response.status_code == 422 and answer["ok"] is False and "คงเหลือ" in answer["message"]
    assert _distributions(app, lao) == 0
    page = officer.get(f"/today/{lao}").get_data(as_text=True)
    assert flashed_text(page) == "" and 'value="500"' not in page
    # Sent "now" (as the form is submitted), the page that opens next shows the refusal and the form as typed.
    answer = officer.post(f"/today/{lao}/distribute", headers=NOW, data={
        f"pieces-{group}": "500", f"people-{group}": "10", "form_token": uuid.uuid4().hex}).get_json()
    assert answer["ok"] is False
    page = officer.get(answer["next"]).get_data(as_text=True)
    assert "คงเหลือ" in flashed_text(page) and 'value="500"' in page


def test_a_confirmation_sent_twice_confirms_once(app, tree):
    officer, committee = client_for(app, tree["officer"]), client_for(app, tree["committee"])
    lao, first = tree["lao"], tree["children"][0]
    post_receipt_and_count(app, officer, committee, lao, 100, 100)
    line_id = post_allocation(app, officer, lao, {first: 40})[first]
    receiver = client_for(app, tree["child0"])
    form = {"received": "40", "form_token": f"{uuid.uuid4().hex}-{line_id}"}
    answers = [receiver.post(f"/today/{first}/confirm/{line_id}", data=form, headers=LATER).get_json()
               for _ in range(2)]
    assert [a["ok"] for a in answers] == [True, True] and answers[0]["document"] == answers[1]["document"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LedgerLine).where(
            LedgerLine.document_type == "allocation_line", LedgerLine.document_id == line_id)) == 1
        assert db.session.get(AllocationLine, line_id).confirmed_quantity == 40
    # Another form (a new token) for the same shipment is refused as before.
    again = receiver.post(f"/today/{first}/confirm/{line_id}", headers=LATER,
                          data={"received": "40", "form_token": uuid.uuid4().hex}).get_json()
    assert again["ok"] is False and "ยืนยันรับไปแล้ว" in again["message"]


def test_a_signed_out_queue_gets_the_sign_in_redirect_not_json(app, tree):
    """The phone's session expired offline: the record is not taken, and the
    queue sees a redirect (it keeps the record and asks to sign in again)."""
    response = app.test_client().post(f"/today/{tree['lao']}/nothing", headers=LATER)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert login(app.test_client(), "cm-officer").get("/offline/session").get_json()["user"]


def test_the_workers_background_fetch_leaves_the_message_for_the_person(app, tree):
    """The worker re-fetches a page to learn whose it is, in the background,
    while the person may just have saved something: that fetch must not take
    the one-time "saved" message from the page the person opens next, nor
    overwrite the session cookie."""
    officer = client_for(app, tree["officer"])
    officer.get(f"/today/{tree['lao']}")  # the page with the form, as in a browser (its CSRF token, language)
    saved = officer.post(f"/today/{tree['lao']}/receipt", data={
        "source": "ศบค.มท.", "reference_no": "R-BG1", "quantity_sent": "40", "form_token": uuid.uuid4().hex})
    assert saved.status_code == 302
    background = officer.get(f"/today/{tree['lao']}", headers={"X-MaskLog-Background": "1"})
    assert background.status_code == 200 and flashed_text(background.get_data(as_text=True)) == ""
    # It may finish after a later form (the cookie it would send back is the
    # session as it found it): it sends none.
    assert "Set-Cookie" not in background.headers
    asked = officer.get("/offline/session", headers={"X-MaskLog-Background": "1"})
    assert asked.get_json()["user"] == tree["officer"] and "Set-Cookie" not in asked.headers
    shown = officer.get(saved.headers["Location"]).get_data(as_text=True)
    assert "บันทึก" in flashed_text(shown), flashed_text(shown)
    # Without the header a page takes the message, as Flask does: the check above could fail.
    officer.post(f"/today/{tree['lao']}/receipt", data={
        "source": "ศบค.มท.", "reference_no": "R-BG2", "quantity_sent": "40", "form_token": uuid.uuid4().hex})
    assert "Set-Cookie" in officer.get(f"/today/{tree['lao']}").headers  # the sliding session, normally
    assert "บันทึก" not in flashed_text(officer.get(f"/today/{tree['lao']}").get_data(as_text=True))


def test_a_queued_form_with_an_expired_csrf_token_is_sent_again_not_refused(app, tree):
    """A page kept for hours carries an expired token: the queue is told to send
    the record again (with a fresh token), where any other refusal is final."""
    officer, lao, group = client_for(app, tree["officer"]), tree["lao"], tree["groups"][0]
    form = {f"pieces-{group}": "1", f"people-{group}": "1", "form_token": uuid.uuid4().hex, "csrf_token": "expired"}
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        queued = officer.post(f"/today/{lao}/distribute", data=form, headers={**NOW, "Accept": "application/json"})
        assert queued.status_code == 400 and queued.get_json()["retry"] is True
        assert "ok" not in queued.get_json()
        # A plain form (no queue) gets the usual page; a fresh token passes.
        plain = officer.post(f"/today/{lao}/distribute", data=form)
        assert plain.status_code == 400 and plain.mimetype == "text/html" and "retry" not in plain.get_data(as_text=True)
        fresh = officer.get("/offline/session").get_json()["csrf_token"]
        sent = officer.post(f"/today/{lao}/distribute", data={**form, "csrf_token": fresh}, headers=LATER)
        assert sent.status_code == 422 and sent.get_json()["ok"] is False  # read by the form: no stock here
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert _distributions(app, lao) == 0


def test_nothing_today_sent_later_reports_the_day_its_page_showed(app, tree):
    """The phone's queue may send "nothing today" the next day: the form carries
    its day (within the back-dating rules); without one it is the day it is sent."""
    import datetime

    from app.models.rollup import DailyReport
    from app.models.unit import Unit
    from app.thai import thai_date_input, today

    officer, lao = client_for(app, tree["officer"]), tree["lao"]
    page = officer.get(f"/today/{lao}").get_data(as_text=True)
    nothing_form = page[page.index('id="nothing-today"'):]
    assert f'name="date" value="{thai_date_input(today())}"' in nothing_form[:nothing_form.index("</form>")]
    assert f'data-day="{today().isoformat()}"' in page and 'data-from="server"' in page
    with app.app_context():
        unit = db.session.get(Unit, lao)
        unit.created_on -= datetime.timedelta(days=3)
        db.session.commit()
    yesterday = today() - datetime.timedelta(days=1)
    answer = officer.post(f"/today/{lao}/nothing", data={"date": thai_date_input(yesterday)}, headers=LATER).get_json()
    assert answer["ok"] is True
    with app.app_context():
        assert db.session.get(DailyReport, (lao, yesterday)).first_kind == "no_activity"
        assert db.session.get(DailyReport, (lao, today())) is None
    # The same rules as any document's date: never in the future.
    tomorrow = today() + datetime.timedelta(days=1)
    refused = officer.post(f"/today/{lao}/nothing", data={"date": thai_date_input(tomorrow)}, headers=LATER)
    assert refused.status_code == 422 and "อนาคต" in refused.get_json()["message"]
    assert officer.post(f"/today/{lao}/nothing", headers=LATER).get_json()["ok"] is True
    with app.app_context():
        assert db.session.get(DailyReport, (lao, today())) is not None


def test_the_worker_marks_the_page_it_answers_from_the_phone(app):
    body = app.test_client().get("/sw.js").get_data(as_text=True)
    assert """replace('data-from="server"', 'data-from="phone"')""" in body and "X-MaskLog-Kept" in body
