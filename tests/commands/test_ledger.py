"""The stock ledger's domain rules, called directly (as the views, the API and
the CLI call them), on SQLite and PostgreSQL."""
import datetime

import pytest

from app.errors import DomainError
from app.commands.adjustment import adjust
from app.commands.allocation import allocate, confirm_receipt
from app.commands.count import CountLineInput, save_count, sign_count
from app.commands.distribution import distribute, reverse_distribution
from app.commands.receipt import record_receipt
from app.db.compiled import BATCH_ROWS
from app.stock import balance_of
from app.commands.units import create_unit
from app.extensions import db
from app.models.ledger import AuditEntry, Item, Receipt, RiskGroup
from app.thai import today
from tests.helpers import COMMITTEE, check_invariants, fresh_tree, stock_up, unit, user


def _item():
    return db.session.query(Item).filter_by(code="SURGICAL_MASK").one()


def _groups():
    return db.session.query(RiskGroup).order_by(RiskGroup.sort_order).all()




def test_receipt_enters_stock_only_when_the_count_is_signed(ctx):
    lao, _children, people = fresh_tree()
    receipt = record_receipt(db.session, people["officer"], unit=lao, receipt_date=today(), source="บริจาค",
                             reference_no="DON-1", quantity_sent="๑,๐๐๐")
    db.session.commit()
    assert receipt.quantity_sent == 1000 and balance_of(db.session, lao.id, _item().id) == 0
    count = save_count(db.session, people["committee"], unit=lao, count_date=today(),
                       lines=[CountLineInput(receipt.id, counted=990, damaged=6, missing=4, reason="กล่องเปียกน้ำ")],
                       members=COMMITTEE, chair_name=COMMITTEE[0]["name"], physical_count=985)
    db.session.commit()
    assert balance_of(db.session, lao.id, _item().id) == 0
    sign_count(db.session, people["committee"], count)
    db.session.commit()
    assert balance_of(db.session, lao.id, _item().id) == 990
    assert count.status == "signed" and count.book_balance == 990 and count.physical_count == 985
    assert receipt.status == "counted" and receipt.counted_quantity == 990
    check_invariants()


@pytest.mark.parametrize("members, chair, message", [
    (COMMITTEE[:2], COMMITTEE[0]["name"], "อย่างน้อย 3 คน"),
    (COMMITTEE, "คนนอก", "ประธานกรรมการ"),
])
def test_count_needs_three_members_and_a_chair_among_them(ctx, members, chair, message):
    lao, _children, people = fresh_tree(0)
    count = save_count(db.session, people["committee"], unit=lao, count_date=today(), lines=[],
                       members=members, chair_name=chair, physical_count=0)
    db.session.commit()
    with pytest.raises(DomainError, match=message):
        sign_count(db.session, people["committee"], count)


def test_signed_count_is_locked(ctx):
    lao, _children, people = fresh_tree(0)
    stock_up(lao, people, 50)
    with pytest.raises(DomainError, match="ลงนามและล็อกแล้ว"):
        save_count(db.session, people["committee"], unit=lao, count_date=today(), lines=[], members=COMMITTEE,
                   chair_name=COMMITTEE[0]["name"])


def test_count_lines_must_add_up_and_explain_losses(ctx):
    lao, _children, people = fresh_tree(0)
    receipt = record_receipt(db.session, people["officer"], unit=lao, receipt_date=today(), source="ศบค.มท.",
                             reference_no="R-2", quantity_sent=100)
    with pytest.raises(DomainError, match="ต้องเท่ากับจำนวนที่ส่ง"):
        save_count(db.session, people["committee"], unit=lao, count_date=today(),
                   lines=[CountLineInput(receipt.id, counted=90)], members=COMMITTEE)
    with pytest.raises(DomainError, match="ระบุเหตุผล"):
        save_count(db.session, people["committee"], unit=lao, count_date=today(),
                   lines=[CountLineInput(receipt.id, counted=90, damaged=10)], members=COMMITTEE)


def test_allocation_sheet_moves_stock_into_transit_and_confirmation_receives_it(ctx):
    lao, children, people = fresh_tree()
    stock_up(lao, people, 100)
    allocation = allocate(db.session, people["officer"], unit=lao, allocation_date=today(), document_no="มท 1/2563",
                          shares=[(children[0], "30"), (children[1], "๒๐"), (children[2], "")])
    db.session.commit()
    item = _item()
    assert balance_of(db.session, lao.id, item.id) == 50
    assert [line.quantity_sent for line in allocation.lines] == [30, 20]
    assert balance_of(db.session, children[0].id, item.id) == 0
    confirm_receipt(db.session, people["child0"], allocation.lines[0], confirmed_quantity=28, reason="ชำรุด 2 ชิ้น")
    db.session.commit()
    assert balance_of(db.session, children[0].id, item.id) == 28
    assert allocation.lines[0].discrepancy == 2
    check_invariants()


def test_allocation_and_confirmation_refusals(ctx):
    lao, children, people = fresh_tree()
    stock_up(lao, people, 100)
    other_lao, _other_children, _people = fresh_tree(0)
    cases = [
        ([(lao, "10")], "ไม่ใช่หน่วยงานในสังกัด"),
        ([(other_lao, "10")], "ไม่ใช่หน่วยงานในสังกัด"),
        ([(unit("1001"), "10")], "ไม่ใช่หน่วยงานในสังกัด"),
        ([(children[0], "101")], "คงเหลือไม่พอ"),
        ([(children[0], "0")], "ต้องมากกว่าศูนย์"),
        ([(children[0], "-5")], "ต้องไม่ติดลบ"),
        ([(children[0], "2.5")], "จำนวนเต็ม"),
        ([(children[0], "สิบ")], "ต้องเป็นตัวเลข"),
        ([(children[0], "10000001")], "มากเกินไป"),
        ([(children[0], "5"), (children[0], "5")], "ซ้ำสองครั้ง"),
        ([(children[0], "")], "อย่างน้อยหนึ่งหน่วย"),
    ]
    for shares, message in cases:
        with pytest.raises(DomainError, match=message):
            allocate(db.session, people["officer"], unit=lao, allocation_date=today(), document_no="X", shares=shares)
        db.session.rollback()
    for bad_day, message in ((today() + datetime.timedelta(days=1), "อนาคต"),
                             (datetime.date(2019, 12, 31), "อยู่ก่อนที่")):
        with pytest.raises(DomainError, match=message):
            allocate(db.session, people["officer"], unit=lao, allocation_date=bad_day, document_no="X",
                     shares=[(children[0], "1")])
        db.session.rollback()
    assert balance_of(db.session, lao.id, _item().id) == 100

    allocation = allocate(db.session, people["officer"], unit=lao, allocation_date=today(), document_no="D-1",
                          shares=[(children[0], "10")])
    db.session.commit()
    line = allocation.lines[0]
    with pytest.raises(DomainError, match="ส่งถึงหน่วยงานอื่น"):
        confirm_receipt(db.session, people["child1"], line, confirmed_quantity=10)
    with pytest.raises(DomainError, match="ส่งถึงหน่วยงานอื่น"):
        confirm_receipt(db.session, people["officer"], line, confirmed_quantity=10)
    with pytest.raises(DomainError, match="กรุณากรอกเหตุผลของส่วนต่าง"):
        confirm_receipt(db.session, people["child0"], line, confirmed_quantity=9)
    db.session.rollback()
    confirm_receipt(db.session, people["child0"], line, confirmed_quantity=10)
    db.session.commit()
    with pytest.raises(DomainError, match="ยืนยันรับไปแล้ว"):
        confirm_receipt(db.session, people["child0"], line, confirmed_quantity=10)
    check_invariants()


def test_out_of_scope_units_are_refused(ctx):
    lao, _children, people = fresh_tree(0)
    with pytest.raises(DomainError, match="นอกพื้นที่ที่ท่านดูแล"):
        record_receipt(db.session, user("bkk-admin"), unit=lao, receipt_date=today(), source="x",
                       reference_no="x", quantity_sent=5)


def test_distribution_to_several_risk_groups_and_its_reversal(ctx):
    lao, _children, people = fresh_tree(0)
    stock_up(lao, people, 100)
    g = _groups()
    distribution = distribute(db.session, people["officer"], unit=lao, distribution_date=today(),
                              lines=[(g[0], "40", "20"), (g[1], "10", "10"), (g[2], "", "")])
    db.session.commit()
    assert balance_of(db.session, lao.id, _item().id) == 50
    with pytest.raises(DomainError, match="คงเหลือไม่พอ"):
        distribute(db.session, people["officer"], unit=lao, distribution_date=today(), lines=[(g[0], "51", "1")])
    db.session.rollback()
    with pytest.raises(DomainError, match="มากกว่าจำนวนชิ้น"):
        distribute(db.session, people["officer"], unit=lao, distribution_date=today(), lines=[(g[0], "5", "6")])
    db.session.rollback()
    reverse_distribution(db.session, people["officer"], distribution, reason="บันทึกซ้ำ")
    db.session.commit()
    assert balance_of(db.session, lao.id, _item().id) == 100
    with pytest.raises(DomainError, match="ถูกยกเลิกไปแล้ว"):
        reverse_distribution(db.session, people["officer"], distribution, reason="อีกครั้ง")
    check_invariants()


def test_adjustments_need_a_reason_and_keep_the_balance_non_negative(ctx):
    lao, _children, people = fresh_tree(0)
    stock_up(lao, people, 20)
    adjust(db.session, people["officer"], unit=lao, adjustment_date=today(), kind="expiry", quantity="5",
           reason="หมดอายุ")
    adjust(db.session, people["officer"], unit=lao, adjustment_date=today(), kind="correction", quantity="-3",
           reason="นับผิด")
    db.session.commit()
    assert balance_of(db.session, lao.id, _item().id) == 12
    with pytest.raises(DomainError, match="กรุณากรอกเหตุผล"):
        adjust(db.session, people["officer"], unit=lao, adjustment_date=today(), kind="loss", quantity="1",
               reason="  ")
    with pytest.raises(DomainError, match="คงเหลือไม่พอ"):
        adjust(db.session, people["officer"], unit=lao, adjustment_date=today(), kind="loss", quantity="13",
               reason="หาย")
    db.session.rollback()
    check_invariants()


def test_same_form_token_twice_makes_one_document(ctx):
    lao, children, people = fresh_tree(1)
    stock_up(lao, people, 100)
    first = allocate(db.session, people["officer"], unit=lao, allocation_date=today(), document_no="D-9",
                     shares=[(children[0], "10")], form_token="token-abc-" + lao.code)
    db.session.commit()
    again = allocate(db.session, people["officer"], unit=lao, allocation_date=today(), document_no="D-9",
                     shares=[(children[0], "10")], form_token="token-abc-" + lao.code)
    db.session.commit()
    assert again.id == first.id and balance_of(db.session, lao.id, _item().id) == 90


def test_every_operation_is_in_the_audit_trail(ctx):
    lao, children, people = fresh_tree(1)
    stock_up(lao, people, 10)
    allocation = allocate(db.session, people["officer"], unit=lao, allocation_date=today(), document_no="A",
                          shares=[(children[0], "10")])
    confirm_receipt(db.session, people["child0"], allocation.lines[0], confirmed_quantity=10)
    db.session.commit()
    actions = {(e.action, e.object_type) for e in db.session.query(AuditEntry).filter(
        AuditEntry.unit_id.in_([lao.id, children[0].id]))}
    assert {("create", "receipt"), ("save_draft", "daily_count"), ("sign", "daily_count"),
            ("create", "allocation"), ("confirm", "allocation_line")} <= actions
    entry = db.session.query(AuditEntry).filter_by(action="confirm", object_id=allocation.lines[0].id).one()
    assert entry.actor_id == people["child0"].id and entry.actor_unit_id == children[0].id
    assert '"status": "in_transit"' in entry.before


def test_a_draft_count_can_be_saved_again_with_corrections(ctx):
    """The committee saves a draft, corrects a figure, saves again, then signs."""
    lao, _children, people = fresh_tree()
    receipt = record_receipt(db.session, people["officer"], unit=lao, receipt_date=today(), source="บริจาค",
                             reference_no="ร 1/2569", quantity_sent=100)
    first = save_count(db.session, people["committee"], unit=lao, count_date=today(), members=COMMITTEE,
                       lines=[CountLineInput(receipt.id, counted=100)], chair_name=COMMITTEE[0]["name"],
                       physical_count=100)
    db.session.commit()
    again = save_count(db.session, people["committee"], unit=lao, count_date=today(), members=COMMITTEE,
                       lines=[CountLineInput(receipt.id, counted=98, damaged=2, reason="กล่องเปียก")],
                       chair_name=COMMITTEE[0]["name"], physical_count=98)
    db.session.commit()
    assert again.id == first.id and [(line.counted, line.damaged) for line in again.lines] == [(98, 2)]
    sign_count(db.session, people["committee"], again)
    db.session.commit()
    assert balance_of(db.session, lao.id, _item().id) == 98


def test_one_sheet_to_more_units_than_one_statement_takes(ctx):
    """A province allocating to every district: lines go in batches of BATCH_ROWS."""
    lao, _children, people = fresh_tree(0)
    receivers = [create_unit(db.session, user("cm-admin"), parent=lao, level="end_unit",
                             name_th=f"หน่วยรับ {n}", code=f"{lao.code}-R{n:02d}") for n in range(BATCH_ROWS + 7)]
    stock_up(lao, people, 5000)
    allocation = allocate(db.session, people["officer"], unit=lao, allocation_date=today(), document_no="ชม 1/2569",
                          shares=[(receiver, str(n + 1)) for n, receiver in enumerate(receivers)])
    db.session.commit()
    sent = {line.unit_id: line.quantity_sent for line in allocation.lines}
    assert sent == {receiver.id: n + 1 for n, receiver in enumerate(receivers)}
    assert [line.id for line in allocation.lines] == sorted(line.id for line in allocation.lines)
    assert balance_of(db.session, lao.id, _item().id) == 5000 - sum(range(1, BATCH_ROWS + 8))
    check_invariants()


def test_a_rolled_back_document_leaves_nothing_in_the_session(ctx):
    """Documents are inserted with RETURNING and attached as loaded objects; a
    rollback must drop them as it drops pending ones (SQLite even reuses the id)."""
    lao, _children, people = fresh_tree(0)
    receipt = record_receipt(db.session, people["officer"], unit=lao, receipt_date=today(), source="บริจาค",
                             reference_no="ร 1", quantity_sent=5)
    gone_id = receipt.id
    db.session.rollback()
    assert receipt not in db.session and db.session.get(Receipt, gone_id) is None
    again = record_receipt(db.session, people["officer"], unit=lao, receipt_date=today(), source="บริจาค",
                           reference_no="ร 2", quantity_sent=6)
    db.session.commit()
    assert again.quantity_sent == 6
