"""The count sheet over real HTTP: a signed sheet shows what was signed, an
earlier day's sheet that day's book stock, a sign-off needs the physical
count and shows every error beside its field at once, the committee is kept
on file, and a receipt recorded after the day's count is signed is never
stranded (it waits, visible, for the next count)."""
import csv
import datetime
import io
import re

from app.extensions import db
from app.models.ledger import DailyCount, Receipt
from app.models.unit import Unit
from app.thai import thai_date, today
from tests.helpers import COMMITTEE, check_invariants, client_for, flashed_text


def committee_fields(chair_row="0"):
    fields = {"chair_row": chair_row}
    for i, member in enumerate(COMMITTEE):
        fields[f"member-name-{i}"], fields[f"member-position-{i}"] = member["name"], member["position"]
    return fields


def receive(officer, lao, pieces, token, day=None):
    data = {"source": "ศบค.มท.", "reference_no": f"R-{token}", "quantity_sent": str(pieces), "form_token": token}
    if day:
        data["date"] = day.isoformat()
    return officer.post(f"/today/{lao}/receipt", data=data, follow_redirects=True).get_data(as_text=True)


def awaiting_receipt_ids(app, lao):
    with app.app_context():
        return [r for (r,) in db.session.query(Receipt.id).filter_by(unit_id=lao, status="awaiting_count")]


def counted_all(app, lao):
    """counted-<id> = what was sent, for every receipt waiting at the unit."""
    with app.app_context():
        return {f"counted-{r.id}": str(r.quantity_sent)
                for r in db.session.query(Receipt).filter_by(unit_id=lao, status="awaiting_count")}


def make_old(app, unit_id, days=5):
    with app.app_context():  # hand-made units refuse dates before their creation
        db.session.get(Unit, unit_id).created_on -= datetime.timedelta(days=days)
        db.session.commit()


def test_a_signed_sheet_shows_what_was_signed_after_later_movements(app, tree):
    officer, committee, lao = client_for(app, tree["officer"]), client_for(app, tree["committee"]), tree["lao"]
    receive(officer, lao, 1000, "t-a")
    response = committee.post(f"/today/{lao}/count", data={
        **committee_fields(), **counted_all(app, lao), "physical_count": "1,000", "action": "sign"})
    assert response.status_code == 302
    # Later the same day: stock leaves, more arrives and is counted... the signed sheet must not move.
    g = tree["groups"]
    officer.post(f"/today/{lao}/distribute", data={f"pieces-{g[0]}": "300", f"people-{g[0]}": "300",
                                                   "form_token": "t-d"})
    sheet = committee.get(f"/today/{lao}/count").get_data(as_text=True)
    assert "ลงนามและล็อกแล้ว" in sheet
    stock_check = sheet[sheet.index('id="stock-check"'):]
    assert "1,000" in stock_check and "ส่วนต่าง" not in stock_check and "ตรงกับยอดตามบัญชี" in stock_check
    assert "<input" not in sheet[sheet.index("masklog-count"):].split("</form>")[0].replace(
        'name="csrf_token"', "")  # nothing to type on a locked sheet
    for member in COMMITTEE:
        assert member["name"] in sheet
    with app.app_context():
        assert db.session.query(DailyCount.book_balance).filter_by(unit_id=lao).scalar() == 1000
        check_invariants()


def test_an_earlier_days_sheet_shows_that_days_book_stock(app, tree):
    officer, committee, lao = client_for(app, tree["officer"]), client_for(app, tree["committee"]), tree["lao"]
    make_old(app, lao)
    two_days_ago = today() - datetime.timedelta(days=2)
    receive(officer, lao, 500, "t-old", day=two_days_ago)
    assert committee.post(f"/today/{lao}/count?date={two_days_ago.isoformat()}", data={
        **committee_fields(), **counted_all(app, lao), "physical_count": "500", "action": "sign"}).status_code == 302
    receive(officer, lao, 200, "t-now")
    assert committee.post(f"/today/{lao}/count", data={
        **committee_fields(), **counted_all(app, lao), "physical_count": "700", "action": "sign"}).status_code == 302
    yesterday = today() - datetime.timedelta(days=1)
    sheet = committee.get(f"/today/{lao}/count?date={yesterday.isoformat()}").get_data(as_text=True)
    before = re.search(r"ก่อนรับเข้ารายการเหล่านี้: <strong>([\d,]+)</strong>", sheet).group(1)
    assert before == "500"  # yesterday's closing balance, not today's 700
    signed_old = committee.get(f"/today/{lao}/count?date={two_days_ago.isoformat()}").get_data(as_text=True)
    assert "ส่วนต่าง" not in signed_old and "500" in signed_old


def test_signing_needs_the_physical_count_and_every_error_shows_beside_its_field(app, tree):
    officer, committee, lao = client_for(app, tree["officer"]), client_for(app, tree["committee"]), tree["lao"]
    receive(officer, lao, 100, "t-e")
    receipt_id = awaiting_receipt_ids(app, lao)[0]
    form = {**committee_fields(), f"counted-{receipt_id}": "90", "action": "sign",
            "member-position-2": "", "chair_row": ""}
    response = committee.post(f"/today/{lao}/count", data=form)
    assert response.status_code == 302  # POST-redirect-GET, refused as well
    page = committee.get(response.headers["Location"]).get_data(as_text=True)
    errors = dict(re.findall(r'<p class="masklog-field-error" id="error-([\w-]+)">(.*?)</p>', page))
    # The member without a position is that row's error (not also "too few members").
    assert set(errors) == {f"line-{receipt_id}", "member-2", "chair", "physical_count"}, errors
    assert "ต้องเท่ากับจำนวนที่ส่ง" in errors[f"line-{receipt_id}"] and "ยอดที่นับได้จริง" in errors["physical_count"]
    assert "4 รายการ" in flashed_text(page)
    assert 'value="90"' in page  # what was typed comes back
    again = committee.get(f"/today/{lao}/count").get_data(as_text=True)
    assert "masklog-field-error" not in again and 'value="90"' not in again  # once only: reload is clean
    with app.app_context():
        assert db.session.query(DailyCount).filter_by(unit_id=lao).count() == 0  # nothing saved
        assert awaiting_receipt_ids(app, lao) == [receipt_id]


def test_the_committee_is_kept_on_file_and_the_province_default_starts_a_new_units_sheet(app, tree):
    officer, committee, lao = client_for(app, tree["officer"]), client_for(app, tree["committee"]), tree["lao"]
    receive(officer, lao, 100, "t-c")
    # The LAO has units below: its committee can be their default.
    assert committee.post(f"/today/{lao}/count", data={
        **committee_fields(chair_row="2"), **counted_all(app, lao), "physical_count": "100", "action": "sign",
        "default_below_shown": "1", "default_below": "on"}).status_code == 302
    make_old(app, lao)
    yesterday = (today() - datetime.timedelta(days=1)).isoformat()
    sheet = committee.get(f"/today/{lao}/count?date={yesterday}").get_data(as_text=True)
    assert "ตามที่บันทึกไว้" in sheet and re.search(r'name="chair_row" value="2"\s+checked', sheet)
    child = tree["children"][0]
    with app.app_context():
        from app.models.ledger import UnitCommittee
        from app.queries.count_sheet import committee_on_file
        on_file = db.session.get(UnitCommittee, lao)
        assert on_file.default_below and on_file.chair_name == COMMITTEE[2]["name"]
        members, chair, whose, _default = committee_on_file(db.session, db.session.get(Unit, child))
        assert [m["name"] for m in members] == [m["name"] for m in COMMITTEE] and chair == COMMITTEE[2]["name"]
        assert whose == db.session.get(Unit, lao).name_th


def test_a_receipt_after_the_days_count_is_signed_waits_visibly_for_the_next_count(app, tree):
    officer, committee, lao = client_for(app, tree["officer"]), client_for(app, tree["committee"]), tree["lao"]
    make_old(app, lao)
    yesterday = today() - datetime.timedelta(days=1)
    receive(officer, lao, 100, "t-y1", day=yesterday)
    assert committee.post(f"/today/{lao}/count?date={yesterday.isoformat()}", data={
        **committee_fields(), **counted_all(app, lao), "physical_count": "100", "action": "sign"}).status_code == 302
    # Yesterday's count is signed; a late receipt of yesterday goes onto today's count.
    page = receive(officer, lao, 40, "t-y2", day=yesterday)
    assert f"การตรวจนับของวันที่ {thai_date(yesterday)} ลงนามและปิดแล้ว" in flashed_text(page)
    assert f"วันที่ {thai_date(today())}" in flashed_text(page)
    assert re.search(r'id="awaiting">40<', page) and f"ตั้งแต่วันที่ {thai_date(yesterday)}" in page
    today_sheet = committee.get(f"/today/{lao}/count").get_data(as_text=True)
    assert "R-t-y2" in today_sheet
    # Today's count signs it in; then a receipt of today waits for tomorrow's count.
    assert committee.post(f"/today/{lao}/count", data={
        **committee_fields(), **counted_all(app, lao), "physical_count": "140", "action": "sign"}).status_code == 302
    page = receive(officer, lao, 25, "t-t1")
    assert "ครั้งถัดไป" in flashed_text(page)
    assert re.search(r'id="awaiting">25<', page) and "วันพรุ่งนี้" in page
    # The dashboards and the exports carry "awaiting count" as its own figure.
    with app.app_context():
        from app.queries.figures import headline
        from app.queries.periods import Period
        unit = db.session.get(Unit, lao)
        figures = headline(db.session, unit, tree["item"], Period(today(), today()))
        assert figures["awaiting_count"] == 25 and figures["balance"] == 140
        check_invariants()
    # ... and the unit's dashboard and export show it too, under its Thai name.
    dashboard = officer.get(f"/dashboard/{lao}").get_data(as_text=True)
    assert re.search(r'รอตรวจนับ ณ วันสุดท้าย</span><strong id="headline-awaiting">25<', dashboard)
    rows = list(csv.reader(io.StringIO(officer.get(f"/dashboard/{lao}/report.csv").data.decode("utf-8-sig"))))
    assert "รอตรวจนับ ณ วันสุดท้าย" in rows[0]
