"""The count sheet as people meet it on a 360 px phone: a receipt recorded
after its day's count was signed waits, visibly, for the next count; a signed
sheet keeps the figures it was signed with after later stock movements, with
the committee's names whole and thousands separators."""
import datetime
import re

import pytest

from app.thai import thai_date_input, today
from tests.browser.checks import assert_phone_friendly
from tests.browser.conftest import COMMITTEE
from tests.browser.test_daily_work import tap_and_wait


@pytest.fixture(scope="module")
def city(live_app, unit_ids):
    """The demo municipality, its count of yesterday signed with 1,000 pieces
    (the city_id's own day belongs to tests/browser/test_daily_work.py)."""
    from app.commands.count import CountLineInput, save_count, sign_count
    from app.commands.receipt import record_receipt
    from app.commands.setup import system_actor
    from app.extensions import db
    from app.models.unit import Unit

    yesterday = today() - datetime.timedelta(days=1)
    with live_app.app_context():
        unit = db.session.get(Unit, unit_ids["CM-CITY"])
        unit.created_on -= datetime.timedelta(days=7)  # hand-made units refuse dates before their creation
        db.session.commit()
        actor = system_actor(db.session)
        receipt = record_receipt(db.session, actor, unit=unit, receipt_date=yesterday, source="ศบค.มท.",
                                 reference_no="ชม 0099/1", quantity_sent=1000)
        count = save_count(db.session, actor, unit=unit, count_date=yesterday, members=COMMITTEE,
                           lines=[CountLineInput(receipt.id, counted=1000)], chair_name=COMMITTEE[0]["name"],
                           physical_count=1000)
        sign_count(db.session, actor, count)
        db.session.commit()
    return unit_ids["CM-CITY"]


def awaiting(page) -> int:
    return int(page.locator("#awaiting").inner_text().replace(",", ""))


def test_a_late_receipt_waits_visibly_for_the_next_count(open_session, city):
    city_id, yesterday = city, today() - datetime.timedelta(days=1)
    page = open_session("phone", "cm-officer").page
    page.goto(f"/today/{city_id}")
    before = awaiting(page)
    receipt = page.locator("#receipt")
    receipt.locator("[name=source]").fill("ศบค.มท.")
    receipt.locator("[name=reference_no]").fill("ชม 0017/2 (มาถึงช้า)")
    receipt.locator("[name=quantity_sent]").fill("๕๐๐")
    receipt.locator("[name=date]").fill(thai_date_input(yesterday))  # yesterday's count is signed
    tap_and_wait(page, receipt.locator("button[type=submit]"))
    warning = page.locator(".alert-warning").first.inner_text()
    assert "ลงนามและปิดแล้ว" in warning and "ครั้งถัดไป" in warning
    assert awaiting(page) == before + 500  # on the today page, not lost
    status = page.locator("#count-status").inner_text()
    assert "รอตรวจนับ" in status and re.search(r"\d", status)
    assert_phone_friendly(page)
    # The committee's sheet of the count it waits for lists it.
    committee = open_session("phone", "cm-committee").page
    committee.goto(f"/today/{city_id}")
    tap_and_wait(committee, committee.locator("#count-status a.btn"))
    if "ลงนามและล็อกแล้ว" not in committee.content():  # today's count still open: the receipt is on it
        assert "ชม 0017/2 (มาถึงช้า)" in committee.locator("#arrivals, form").first.inner_text()


def test_a_signed_sheet_keeps_its_figures_after_later_movements(open_session, city):
    city_id, yesterday = city, today() - datetime.timedelta(days=1)
    officer = open_session("phone", "cm-officer").page
    officer.goto(f"/today/{city_id}")
    form = officer.locator("#distribute")
    first_group = form.locator("input[name^=pieces-]").first
    group_id = re.sub(r"\D", "", first_group.get_attribute("name"))
    first_group.fill("100")
    form.locator(f"[name=people-{group_id}]").fill("100")
    tap_and_wait(officer, form.locator("button[type=submit]"))
    assert "บันทึกการแจกจ่ายแล้ว" in officer.locator(".alert").first.inner_text()  # stock moved today

    page = open_session("phone", "cm-committee").page
    page.goto(f"/today/{city_id}/count?date={yesterday.isoformat()}")
    sheet = page.locator("main, body").first.inner_text()
    assert "ลงนามและล็อกแล้ว" in sheet
    assert page.locator(".label-danger").count() == 0 and "ส่วนต่าง" not in sheet  # no false difference
    flat = re.sub(r"\s+", " ", sheet)
    assert "จำนวนที่ตรวจนับได้จริงทั้งหมดในคลัง: 1,000 ชิ้น" in flat and "ยอดตามบัญชีเมื่อลงนาม: 1,000 ชิ้น" in flat
    names = page.locator(".masklog-committee li")
    assert names.count() == len(COMMITTEE)
    for i in range(names.count()):  # whole names on a 360 px phone, wrapped rather than cut
        item = names.nth(i)
        assert COMMITTEE[i]["name"] in item.inner_text()
        assert item.evaluate("e => e.scrollWidth <= e.clientWidth && e.getBoundingClientRect().right <= 360")
    assert_phone_friendly(page)
