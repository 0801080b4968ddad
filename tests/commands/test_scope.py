"""Every operation refuses an actor outside the unit's area, on input that
the same operation accepts from the unit's own staff: the commands' scope
rule is proven on its own, not only behind the views' 404 (the
authorization matrix, tests/http/, needs both layers broken to leak)."""
import datetime

import pytest

from app.commands.adjustment import adjust
from app.commands.allocation import allocate, confirm_receipt
from app.commands.count import CountLineInput, save_count
from app.commands.distribution import distribute, reverse_distribution
from app.commands.no_activity import report_no_activity
from app.commands.receipt import record_receipt
from app.errors import DomainError
from app.extensions import db
from app.models.ledger import RiskGroup
from app.thai import today
from tests.helpers import COMMITTEE, check_invariants, fresh_tree, stock_up, user


@pytest.fixture()
def corner(ctx):
    """A stocked LAO with a receipt awaiting count, a shipment in transit to
    its first end unit and a distribution that can be reversed."""
    lao, children, people = fresh_tree(2)
    lao.created_on = datetime.datetime(2020, 1, 1)  # registered long ago: yesterday's count signed, today's open
    stock_up(lao, people, 100, day=today() - datetime.timedelta(days=1))
    group = db.session.query(RiskGroup).order_by(RiskGroup.sort_order).first()
    waiting = record_receipt(db.session, people["officer"], unit=lao, source="ศบค.มท.", reference_no="รอ",
                             quantity_sent=30)
    shipment = allocate(db.session, people["officer"], unit=lao, document_no="ส่ง", shares=[(children[0], "20")])
    handout = distribute(db.session, people["officer"], unit=lao, lines=[(group, "5", "5")])
    db.session.commit()
    return {"lao": lao, "children": children, "people": people, "group": group, "waiting": waiting,
            "line": shipment.lines[0], "handout": handout}


OPERATIONS = {
    # name: (who may, what they do)
    "receipt": ("officer", lambda c, actor: record_receipt(
        db.session, actor, unit=c["lao"], source="บริจาค", reference_no="x", quantity_sent="5")),
    "adjustment": ("officer", lambda c, actor: adjust(
        db.session, actor, unit=c["lao"], kind="loss", quantity="1", reason="หาย")),
    "distribution": ("officer", lambda c, actor: distribute(
        db.session, actor, unit=c["lao"], lines=[(c["group"], "2", "2")])),
    "allocation": ("officer", lambda c, actor: allocate(
        db.session, actor, unit=c["lao"], document_no="y", shares=[(c["children"][1], "3")])),
    "count and sign": ("committee", lambda c, actor: save_count(
        db.session, actor, unit=c["lao"], lines=[CountLineInput(c["waiting"].id, counted="30")], members=COMMITTEE,
        chair_name=COMMITTEE[0]["name"], physical_count="100", sign=True)),
    "confirmation": ("child0", lambda c, actor: confirm_receipt(db.session, actor, c["line"], confirmed_quantity="20")),
    "reversal": ("officer", lambda c, actor: reverse_distribution(db.session, actor, c["handout"], reason="ซ้ำ")),
    "nothing today": ("child1", lambda c, actor: report_no_activity(db.session, actor, c["children"][1])),
}


@pytest.mark.parametrize("name", list(OPERATIONS))
def test_an_operation_refuses_an_actor_outside_the_area_and_accepts_its_own_staff(corner, name):
    who, operation = OPERATIONS[name]
    with pytest.raises(DomainError):
        operation(corner, user("bkk-admin"))  # Bangkok's province administrator: the whole of Bangkok, not this
    db.session.rollback()
    assert operation(corner, corner["people"][who]) not in (None, False), f"{name} refused in scope"
    db.session.commit()
    check_invariants()
