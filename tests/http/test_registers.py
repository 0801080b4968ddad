"""The registers (ทะเบียน) over real HTTP in Thai mode: documents recorded
through the today page's forms show up in the stock ledger and the audit trail
with Thai labels, never a stored code or "None"; the ledger lists the latest
date first (a back-dated document recorded last sits under its date); blanks
read "—"; FAB's confirmation modal has Thai buttons."""
import datetime
import json
import re
from html.parser import HTMLParser

from app.extensions import db
from app.labels import AUDIT_ACTION_LABELS, LEDGER_KIND_LABELS, RECORD_TYPE_LABELS
from app.models.ledger import AllocationLine, AuditEntry, Receipt
from app.models.unit import Unit
from app.models.user import MaskLogUser
from app.thai import MONTHS_SHORT, today
from tests.helpers import client_for, stock_up

# Every code the ledger and the audit trail store, and Python's None: none may be a whole cell.
RAW_CODES = set(LEDGER_KIND_LABELS) | set(RECORD_TYPE_LABELS) | set(AUDIT_ACTION_LABELS) | {"None", "none", ""}


class _ListTable(HTMLParser):
    """Header and cell texts of FAB's list table (the one with class table-bordered)."""

    def __init__(self):
        super().__init__()
        self.headers, self.rows, self._in_table, self._cell = [], [], False, None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and "table-bordered" in (dict(attrs).get("class") or ""):
            self._in_table = True
        elif self._in_table and tag == "tr":
            self.rows.append([])
        elif self._in_table and tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "table":
            self._in_table = False
        elif self._in_table and tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(re.sub(r"\s+", " ", "".join(self._cell)).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def list_table(html):
    """[{header: cell text}] of a FAB list page (the first column holds the row's buttons)."""
    parser = _ListTable()
    parser.feed(html)
    header, *rows = [row for row in parser.rows if row]
    assert rows, "the list is empty"
    return [dict(zip(header, row)) for row in rows]


def parse_thai_date(text):
    day, month, year = text.split()
    return datetime.date(int(year) - 543, MONTHS_SHORT.index(month) + 1, int(day))


def _record_a_day_of_work(app, tree):
    """Stock counted three days ago, then through the forms: a distribution, an
    allocation, a damaged-stock adjustment, a distribution back-dated two days
    (recorded last), the receiver's confirmation, a receipt not counted yet and
    an end unit's "nothing today"."""
    lao, (first, second), groups = tree["lao"], tree["children"], tree["groups"]
    with app.app_context():  # hand-made units refuse dates before their creation
        unit = db.session.get(Unit, lao)
        unit.created_on -= datetime.timedelta(days=5)
        db.session.commit()
        people = {name: db.session.get(MaskLogUser, tree[name]) for name in ("officer", "committee")}
        stock_up(db.session.get(Unit, lao), people, quantity=1000, day=today() - datetime.timedelta(days=3))
    officer = client_for(app, tree["officer"])
    posts = [
        (f"/today/{lao}/distribute", {f"pieces-{groups[0]}": "100", f"people-{groups[0]}": "50", "form_token": "r-d1"}),
        (f"/today/{lao}/allocate", {"document_no": "ชม 0017/77", f"share-{first}": "300",
                                    "form_token": "r-a1"}),
        (f"/today/{lao}/adjust", {"kind": "damage", "quantity": "10", "reason": "กล่องเปียกน้ำ", "form_token": "r-j1"}),
        (f"/today/{lao}/distribute", {f"pieces-{groups[1]}": "50", f"people-{groups[1]}": "50", "form_token": "r-d2",
                                      "date": (today() - datetime.timedelta(days=2)).isoformat()}),
        (f"/today/{lao}/receipt", {"source": "บริจาค", "reference_no": "ร 1/2563", "quantity_sent": "40",
                                   "form_token": "r-r1"}),
    ]
    for path, data in posts:
        response = officer.post(path, data=data)
        assert response.status_code == 302, path
        page = officer.get(response.headers["Location"]).get_data(as_text=True)
        assert "alert-danger" not in page, (path, page[page.find("alert-danger"):][:300])
    with app.app_context():
        line_id = db.session.query(AllocationLine.id).filter_by(unit_id=first).scalar()
    assert client_for(app, tree["child0"]).post(f"/today/{first}/confirm/{line_id}",
                                                data={"received": "300"}).status_code == 302
    assert client_for(app, tree["child1"]).post(f"/today/{second}/nothing").status_code == 302
    with app.app_context():
        return db.session.get(Unit, lao).code


def test_ledger_and_audit_trail_read_in_thai_latest_date_first(app, tree, as_user):
    code = _record_a_day_of_work(app, tree)
    admin = as_user("cm-admin")

    ledger = admin.get(f"/ledgerview/list/?_flt_0_unit_code={code}").get_data(as_text=True)
    rows = list_table(ledger)
    assert len(rows) == 6  # counted receipt, 2 distributions, allocation out and in, adjustment
    for row in rows:
        assert not set(row.values()) & RAW_CODES, row
    kinds = [row["ประเภท"] for row in rows]
    assert set(kinds) == {"รับเข้า (ตรวจนับแล้ว)", "แจกจ่ายให้กลุ่มเสี่ยง", "จัดสรรให้หน่วยงานในสังกัด",
                          "รับจากการจัดสรร", "ปรับปรุงยอด"}
    # Latest date first; the distribution back-dated two days, recorded last, is listed under its date.
    dates = [parse_thai_date(row["วันที่"]) for row in rows]
    assert dates == sorted(dates, reverse=True) and dates[0] == today()
    back_dated = next(row for row in rows if row["จำนวน"] == "-50")
    assert parse_thai_date(back_dated["วันที่"]) == today() - datetime.timedelta(days=2)
    assert rows.index(back_dated) == len(rows) - 2  # above only the count of three days ago
    assert rows[-1]["จำนวน"] == "+1,000" and rows[-1]["ประเภท"] == "รับเข้า (ตรวจนับแล้ว)"
    # The document: its Thai kind and number, linked to its page.
    allocation = next(row for row in rows if row["ประเภท"] == "จัดสรรให้หน่วยงานในสังกัด")
    assert allocation["จำนวน"] == "-300" and re.fullmatch(r"การจัดสรร เลขที่ \d+", allocation["เอกสาร"])
    assert next(row for row in rows if row["ประเภท"] == "รับจากการจัดสรร")["เอกสาร"].startswith("รายการจัดส่ง เลขที่")
    number = allocation["เอกสาร"].rsplit(" ", 1)[1]
    assert f'href="/allocationview/show/{number}"' in ledger
    assert "ชม 0017/77" in admin.get(f"/allocationview/show/{number}").get_data(as_text=True)

    audit = admin.get(f"/auditview/list/?_flt_0_unit_code={code}").get_data(as_text=True)
    rows = list_table(audit)
    for row in rows:
        assert not {row["การกระทำ"], row["รายการ"]} & RAW_CODES, row
        assert "None" not in row.values(), row
    seen = {(row["การกระทำ"], row["รายการ"]) for row in rows}
    assert {("บันทึกใหม่", "การแจกจ่าย"), ("บันทึกใหม่", "การจัดสรร"), ("ปรับปรุงยอด", "การปรับปรุงยอด"),
            ("ยืนยันการรับ", "รายการจัดส่ง"), ("ลงนามรับรอง", "ตรวจนับประจำวัน"), ("บันทึกร่าง", "ตรวจนับประจำวัน"),
            ("บันทึกใหม่", "การรับเข้า"), ("วันนี้ไม่มีรายการ", "รายงานประจำวัน")} <= seen
    nothing = next(row for row in rows if row["รายการ"] == "รายงานประจำวัน")
    assert nothing["เลขที่รายการ"] == "—"  # "nothing today" is about no single record

    # An entry's before/after values as Thai "label: value" lines.
    with app.app_context():
        adjusted = db.session.query(AuditEntry.id).filter_by(action="adjust", unit_id=tree["lao"]).scalar()
    assert f"/auditview/show/{adjusted}" in audit
    shown = admin.get(f"/auditview/show/{adjusted}").get_data(as_text=True)
    assert "ประเภท: ชำรุดเสียหาย" in shown and "เหตุผล: กล่องเปียกน้ำ" in shown and "จำนวน: -10" in shown
    assert ">None<" not in shown and '"kind"' not in shown


def test_blank_cells_read_as_a_dash(app, tree, as_user):
    officer = client_for(app, tree["officer"])
    assert officer.post(f"/today/{tree['lao']}/receipt", data={
        "source": "บริจาค", "reference_no": "ร-ว่าง", "quantity_sent": "๑,๒๐๐", "form_token": "r-blank"}).status_code == 302
    with app.app_context():
        receipt_id = db.session.query(Receipt.id).filter_by(reference_no="ร-ว่าง").scalar()
    shown = as_user("cm-admin").get(f"/receiptview/show/{receipt_id}").get_data(as_text=True)
    assert re.search(r"นับได้</th>\s*<td>\s*<span[^>]*>—</span>", shown)  # not counted yet
    assert "None" not in re.sub(r"<script.*?</script>", "", shown, flags=re.S)
    rows = list_table(as_user("cm-admin").get("/receiptview/list/?_flt_0_reference_no=ร-ว่าง").get_data(as_text=True))
    assert rows[0]["จำนวนที่ส่ง"] == "1,200" and rows[0]["สถานะ"] == "รอตรวจนับ"


def test_the_confirmation_modal_has_thai_buttons(as_user):
    page = as_user("admin").get("/users/list/").get_data(as_text=True)  # only the central administrator deletes users
    assert "ต้องการลบรายการนี้ใช่หรือไม่?" in page  # a delete button opens the modal with this text
    modal = page[page.index('id="modal-confirm"'):]
    modal = modal[:modal.index('id="modal-alert"')]
    assert re.search(r'data-dismiss="modal">\s*ยกเลิก\s*<', modal) and re.search(r">\s*ตกลง\s*</a>", modal)
    assert not re.search(r">\s*(Cancel|OK)\s*<", page)


def test_register_pages_have_thai_titles(as_user):
    """FAB titles pages it is not told about "Show Receipt", "Add Item"..."""
    admin = as_user("admin")
    paths = [f"/{view}/show/1" for view in ("receiptview", "dailycountview", "allocationview", "shipmentview",
                                            "distributionview", "adjustmentview", "ledgerview", "auditview",
                                            "itemview", "riskgroupview")]
    paths += ["/itemview/add", "/itemview/edit/1", "/riskgroupview/add", "/riskgroupview/edit/1"]
    titles = {}
    for path in paths:
        response = admin.get(path)
        assert response.status_code == 200, path
        titles[path] = re.sub(r"\s+", " ", re.search(r'panel-title[^>]*>(.*?)</', response.get_data(as_text=True),
                                                     re.S).group(1)).strip()
    assert {path: title for path, title in titles.items() if re.search(r"[A-Za-z]", title) or not title} == {}


def test_coded_columns_are_searched_by_their_thai_labels(as_user):
    """The search offers the Thai kinds, actions, record types and statuses; the filter compares the code."""
    admin = as_user("admin")
    for path, column, value, text in (("/ledgerview/list/", "kind", "distribution", "แจกจ่ายให้กลุ่มเสี่ยง"),
                                      ("/auditview/list/", "action", "no_activity", "วันนี้ไม่มีรายการ"),
                                      ("/auditview/list/", "object_type", "allocation_line", "รายการจัดส่ง"),
                                      ("/adjustmentview/list/", "kind", "damage", "ชำรุดเสียหาย"),
                                      ("/receiptview/list/", "status", "awaiting_count", "รอตรวจนับ")):
        page = admin.get(path).get_data(as_text=True)
        # FAB hands the search fields to its script as JSON ({column: html}), after the labels ({column: label}).
        field = [json.loads(text) for text in re.findall(rf'"{column}": ("(?:[^"\\]|\\.)*")', page)][1]
        assert "<select" in field and f'<option value="{value}">{text}</option>' in field, (path, field[:300])
    rows = list_table(admin.get("/ledgerview/list/?_flt_0_kind=distribution").get_data(as_text=True))
    assert {row["ประเภท"] for row in rows} == {"แจกจ่ายให้กลุ่มเสี่ยง"}
