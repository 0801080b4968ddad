"""Helpers for ledger tests: a fresh corner of the tree per test, real users
attached to it, and the invariants every state must satisfy."""
import uuid

from sqlalchemy import func, select

from app.commands.units import create_unit
from app.commands.users import create_user
from app.extensions import db
from app.models.ledger import AllocationLine, LedgerLine, StockBalance
from app.models.unit import Unit
from app.models.user import MaskLogUser
from app.roles import COUNTING_COMMITTEE, OFFICER

COMMITTEE = [{"name": "นายประธาน ตรวจนับ", "position": "ปลัดจังหวัด"},
             {"name": "นางสาวกรรมการ หนึ่ง", "position": "ปกครองจังหวัด"},
             {"name": "นายกรรมการ สอง", "position": "สาธารณสุขจังหวัด"}]


def user(username):
    return db.session.execute(select(MaskLogUser).where(MaskLogUser.username == username)).scalar_one()


def unit(code):
    return db.session.execute(select(Unit).where(Unit.code == code)).scalar_one()


def fresh_tree(n_children=3, district_code="5002"):
    """A new LAO under a Chiang Mai district with `n_children` end units, an
    officer and a committee member at the LAO and an officer at each end unit."""
    admin = user("cm-admin")
    tag = uuid.uuid4().hex[:6].upper()
    lao = create_unit(db.session, admin, parent=unit(district_code), level="lao",
                      name_th=f"เทศบาลทดสอบ {tag}", code=f"T{tag}")
    children = [create_unit(db.session, admin, parent=lao, level="end_unit", name_th=f"หน่วยทดสอบ {tag}-{i}",
                            code=f"T{tag}-{i}") for i in range(n_children)]
    people = {"officer": create_user(db.session, admin, username=f"o-{tag.lower()}", first_name="เจ้าหน้าที่",
                                     last_name=tag, email=f"o-{tag.lower()}@example.com", unit=lao,
                                     role_names=[OFFICER]),
              "committee": create_user(db.session, admin, username=f"c-{tag.lower()}", first_name="กรรมการ",
                                       last_name=tag, email=f"c-{tag.lower()}@example.com", unit=lao,
                                       role_names=[COUNTING_COMMITTEE])}
    for i, child in enumerate(children):
        people[f"child{i}"] = create_user(db.session, admin, username=f"r{i}-{tag.lower()}", first_name="ผู้รับ",
                                          last_name=tag, email=f"r{i}-{tag.lower()}@example.com", unit=child,
                                          role_names=[OFFICER])
    db.session.commit()
    return lao, children, people


def check_invariants():
    """Every balance is >= 0 and equals the sum of its ledger lines; every
    allocation line satisfies sent = confirmed + discrepancy + in transit."""
    sums = dict(((u, i), q) for u, i, q in db.session.execute(
        select(LedgerLine.unit_id, LedgerLine.item_id, func.sum(LedgerLine.quantity))
        .group_by(LedgerLine.unit_id, LedgerLine.item_id)))
    balances = dict(((u, i), q) for u, i, q in db.session.execute(
        select(StockBalance.unit_id, StockBalance.item_id, StockBalance.quantity)))
    for key, quantity in balances.items():
        assert quantity >= 0, key
        assert quantity == sums.get(key, 0), (key, quantity, sums.get(key))
    for key, total in sums.items():
        assert balances.get(key) == total, key
    for line in db.session.execute(select(AllocationLine)).scalars():
        in_transit = line.quantity_sent if line.status == "in_transit" else 0
        confirmed = line.confirmed_quantity or 0
        discrepancy = line.discrepancy or 0
        assert line.quantity_sent == confirmed + discrepancy + in_transit, line.id
