"""Correcting a mistake over real HTTP: an officer reverses a distribution and
recalls a shipment not confirmed yet, from the today page, with a reason;
both are audited, put the pieces back, and leave the figures; a blank reason
keeps the form; the scope and the permission refuse the rest."""
import json
import re
from types import SimpleNamespace

from app.extensions import db
from app.models.ledger import AllocationLine, AuditEntry, Distribution, LedgerLine
from app.queries import figures
from app.queries.periods import Period
from app.thai import today
from app.views.qr import shipment_url
from app.models.unit import Unit
from app.models.user import MaskLogUser
from tests.helpers import check_invariants, client_for, flashed_text, stock_up


def balance_shown(html):
    return int(re.search(r'id="balance">([\d,]+)<', html).group(1).replace(",", ""))


def _stock(app, tree, pieces):
    """Receive and count `pieces` at the tree's LAO."""
    with app.app_context():
        lao = db.session.get(Unit, tree["lao"])
        people = {"officer": db.session.get(MaskLogUser, tree["officer"]),
                  "committee": db.session.get(MaskLogUser, tree["committee"])}
        stock_up(lao, people, quantity=pieces)


def _headline(app, unit_id, item_id):
    with app.app_context():
        return figures.headline(db.session, db.session.get(Unit, unit_id), item_id, Period(today(), today()))


def test_an_officer_reverses_a_mistaken_distribution_from_the_today_page(app, tree):
    _stock(app, tree, 500)
    officer, lao, g = client_for(app, tree["officer"]), tree["lao"], tree["groups"]
    officer.post(f"/today/{lao}/distribute", data={f"pieces-{g[0]}": "120", f"people-{g[0]}": "60",
                                                   f"pieces-{g[1]}": "30", f"people-{g[1]}": "30", "form_token": "d-1"})
    page = officer.get(f"/today/{lao}").get_data(as_text=True)
    assert balance_shown(page) == 350
    assert _headline(app, lao, tree["item"])["distributed"] == 150
    # The day's list links the distribution to its correction; the page lists it with its groups.
    link = re.search(rf'href="(/today/{lao}/corrections[^"#]*)#distribution-(\d+)"', page)
    assert link, "no reverse link on the today page"
    distribution_id = int(link.group(2))
    corrections = officer.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "ยกเลิกการแจกจ่าย" in corrections and f'id="distribution-{distribution_id}"' in corrections
    assert "120 ชิ้น" in corrections and "60 คน" in corrections

    # A blank reason is refused in Thai, nothing is written, the page comes back.
    response = officer.post(f"/today/{lao}/reverse/{distribution_id}", data={"reason": "  "})
    assert response.status_code == 302 and response.headers["Location"].startswith(f"/today/{lao}/corrections")
    back = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert "กรุณากรอกเหตุผลที่ยกเลิก" in flashed_text(back)
    with app.app_context():
        assert not db.session.get(Distribution, distribution_id).reversed

    response = officer.post(f"/today/{lao}/reverse/{distribution_id}", data={"reason": "บันทึกซ้ำ"})
    back = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert "150 ชิ้นกลับเข้าคงคลังวันนี้" in flashed_text(back)
    assert f"/today/{lao}/reverse/{distribution_id}" not in back  # reversed: no second button
    assert balance_shown(officer.get(f"/today/{lao}").get_data(as_text=True)) == 500
    assert _headline(app, lao, tree["item"])["distributed"] == 0
    # Once only.
    response = officer.post(f"/today/{lao}/reverse/{distribution_id}", data={"reason": "บันทึกซ้ำ"})
    assert "ยกเลิกไปแล้ว" in flashed_text(officer.get(response.headers["Location"]).get_data(as_text=True))
    with app.app_context():
        audit = db.session.query(AuditEntry).filter_by(action="reverse", object_id=distribution_id).one()
        assert audit.actor_id == tree["officer"] and json.loads(audit.after)["reason"] == "บันทึกซ้ำ"
        assert db.session.query(LedgerLine).filter_by(kind="reversal", document_id=distribution_id).one().quantity == 150
        check_invariants()
    page = officer.get(f"/today/{lao}").get_data(as_text=True)
    assert "ยกเลิกการแจกจ่าย" in page  # the day's list names the reversing line in Thai


def test_the_sender_recalls_a_shipment_before_it_is_confirmed(app, tree):
    _stock(app, tree, 500)
    officer, lao = client_for(app, tree["officer"]), tree["lao"]
    first, second = tree["children"]
    officer.post(f"/today/{lao}/allocate", data={"document_no": "ชม 0017/9", f"share-{first}": "300",
                                                 f"share-{second}": "100", "form_token": "a-1"})
    receiver = client_for(app, tree["child0"])
    line_id = int(re.search(rf"/today/{first}/confirm/(\d+)",
                            receiver.get(f"/today/{first}").get_data(as_text=True)).group(1))
    assert _headline(app, first, tree["item"])["in_transit_to_area"] == 300

    corrections = officer.get(f"/today/{lao}/corrections").get_data(as_text=True)
    assert f'id="recall-{line_id}"' in corrections and "ชม 0017/9" in corrections
    response = officer.post(f"/today/{lao}/recall/{line_id}", data={"reason": "ส่งผิดหน่วย"})
    back = officer.get(response.headers["Location"]).get_data(as_text=True)
    assert "300 ชิ้นกลับเข้าคงคลังวันนี้" in flashed_text(back)
    assert f'id="recall-{line_id}"' not in back
    assert balance_shown(officer.get(f"/today/{lao}").get_data(as_text=True)) == 500 - 100

    # The receiver no longer sees it, and a confirmation sent from an old page is refused in Thai.
    page = receiver.get(f"/today/{first}").get_data(as_text=True)
    assert f"/today/{first}/confirm/{line_id}" not in page
    response = receiver.post(f"/today/{first}/confirm/{line_id}", data={"received": "300"})
    assert "ผู้ส่งเรียกคืนการจัดส่งนี้แล้ว" in flashed_text(receiver.get(response.headers["Location"]).get_data(as_text=True))
    assert balance_shown(receiver.get(f"/today/{first}").get_data(as_text=True)) == 0
    with app.test_request_context():  # the QR printed on the dispatch note before the recall
        qr_path = "/qr/s/" + shipment_url(SimpleNamespace(id=line_id)).rsplit("/qr/s/", 1)[1]
    response = receiver.get(qr_path)
    assert response.status_code == 302
    assert "ผู้ส่งเรียกคืนการจัดส่งนี้แล้ว" in flashed_text(receiver.get(response.headers["Location"]).get_data(as_text=True))
    head = _headline(app, lao, tree["item"])
    assert head["in_transit_to_area"] == 100 and head["allocated_out"] == 100 and head["balance"] == 400  # 100 on the way
    with app.app_context():
        line = db.session.get(AllocationLine, line_id)
        assert (line.status, line.recall_reason, line.recalled_by_id) == ("recalled", "ส่งผิดหน่วย", tree["officer"])
        audit = db.session.query(AuditEntry).filter_by(action="recall", object_id=line_id).one()
        assert json.loads(audit.after)["sent"] == 300
        check_invariants()
    # The shipments register shows it recalled, when, by whom and why, in Thai.
    shown = officer.get(f"/shipmentview/show/{line_id}").get_data(as_text=True)
    assert "ผู้ส่งเรียกคืนแล้ว" in shown and "ส่งผิดหน่วย" in shown and "วันที่เรียกคืน" in shown
    assert "recalled" not in shown and "None" not in shown
    # A confirmed shipment cannot be recalled.
    other = int(re.search(rf"/today/{second}/confirm/(\d+)", client_for(app, tree["child1"]).get(
        f"/today/{second}").get_data(as_text=True)).group(1))
    client_for(app, tree["child1"]).post(f"/today/{second}/confirm/{other}", data={"received": "100"})
    response = officer.post(f"/today/{lao}/recall/{other}", data={"reason": "ส่งผิดหน่วย"})
    assert "ยืนยันรับไปแล้ว" in flashed_text(officer.get(response.headers["Location"]).get_data(as_text=True))


def test_corrections_outside_the_unit_or_without_the_right_are_refused(app, tree):
    """Each forged request is valid but for one rule: the end unit's officer
    names the LAO's documents from its own page (in its scope, not its
    documents) or the LAO's page (out of scope); the LAO's committee member
    has no right to record."""
    _stock(app, tree, 500)
    officer, lao, g = client_for(app, tree["officer"]), tree["lao"], tree["groups"]
    first = tree["children"][0]
    officer.post(f"/today/{lao}/distribute", data={f"pieces-{g[0]}": "50", f"people-{g[0]}": "50", "form_token": "d-2"})
    officer.post(f"/today/{lao}/allocate", data={"document_no": "ชม 1", f"share-{first}": "100", "form_token": "a-2"})
    with app.app_context():
        distribution_id = db.session.query(Distribution.id).filter_by(unit_id=lao).scalar()
        line_id = db.session.query(AllocationLine.id).filter_by(unit_id=first).scalar()
    end_unit_officer = client_for(app, tree["child0"])
    refused = {
        f"/today/{first}/reverse/{distribution_id}": "หน่วยนี้ไม่ได้เป็นผู้บันทึกการแจกจ่ายนี้",
        f"/today/{first}/recall/{line_id}": "หน่วยนี้ไม่ได้เป็นผู้ส่งการจัดส่งนี้",
    }
    for path, message in refused.items():
        response = end_unit_officer.post(path, data={"reason": "ทดสอบ"})
        assert message in flashed_text(end_unit_officer.get(response.headers["Location"]).get_data(as_text=True))
    for path in (f"/today/{lao}/reverse/{distribution_id}", f"/today/{lao}/recall/{line_id}",
                 f"/today/{lao}/corrections"):
        assert end_unit_officer.post(path, data={"reason": "ทดสอบ"}).status_code in (404, 405)
    assert end_unit_officer.get(f"/today/{lao}/corrections").status_code == 404
    committee = client_for(app, tree["committee"])
    response = committee.post(f"/today/{lao}/reverse/{distribution_id}", data={"reason": "ทดสอบ"})
    assert response.status_code == 403
    assert committee.get(f"/today/{lao}/corrections").status_code == 403
    assert 'id="corrections-link"' not in committee.get(f"/today/{lao}").get_data(as_text=True)
    with app.app_context():
        assert not db.session.get(Distribution, distribution_id).reversed
        assert db.session.get(AllocationLine, line_id).status == "in_transit"
