"""Concurrent spending never oversells; random operation sequences keep every
invariant (hypothesis stateful test)."""
import threading

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from app.errors import DomainError
from app.commands.adjustment import adjust
from app.commands.allocation import allocate, confirm_receipt
from app.commands.count import CountLineInput, save_count, sign_count
from app.commands.distribution import distribute
from app.commands.receipt import record_receipt
from app.stock import balance_of
from app.extensions import db
from app.models.ledger import AllocationLine, DailyCount, Item, RiskGroup
from app.models.user import MaskLogUser
from app.models.unit import Unit
from app.thai import today
from tests.helpers import COMMITTEE, check_invariants, fresh_tree, stock_up


def race(app, count, prepare, attempt) -> list:
    """Run `attempt(n, *prepare())` in `count` threads, each with its own
    session, released together once every thread has loaded what it needs;
    each commits or rolls back. Returns "ok" / "refused" per thread."""
    barrier = threading.Barrier(count)
    outcomes = []

    def run(n):
        with app.app_context():
            loaded = prepare()
            barrier.wait(timeout=60)
            try:
                attempt(n, *loaded)
                db.session.commit()
                outcomes.append("ok")
            except DomainError:
                db.session.rollback()
                outcomes.append("refused")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_thirty_concurrent_allocations_of_ten_from_a_hundred(app, backend):
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers; the race is only real on PostgreSQL")
    with app.app_context():
        lao, children, people = fresh_tree(1)
        stock_up(lao, people, 100)
        lao_id, child_id, officer_id = lao.id, children[0].id, people["officer"].id
        item_id = db.session.query(Item.id).filter_by(code="SURGICAL_MASK").scalar()

    def prepare():
        actor = db.session.get(MaskLogUser, officer_id)
        _ = actor.unit.path, actor.roles
        return actor, db.session.get(Unit, lao_id), db.session.get(Unit, child_id)

    def spend(n, actor, sender, receiver):
        allocate(db.session, actor, unit=sender, allocation_date=today(), document_no=f"R-{n}",
                 shares=[(receiver, "10")])

    outcomes = race(app, 30, prepare, spend)
    assert outcomes.count("ok") == 10 and outcomes.count("refused") == 20
    with app.app_context():
        assert balance_of(db.session, lao_id, item_id) == 0
        check_invariants()


def test_a_shipment_confirmed_twice_at_once_enters_stock_once(app, backend):
    """Eight phones of the receiving unit tap "confirm" at the same moment."""
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers; the race is only real on PostgreSQL")
    with app.app_context():
        lao, children, people = fresh_tree(1)
        stock_up(lao, people, 100)
        allocation = allocate(db.session, people["officer"], unit=lao, allocation_date=today(), document_no="C-1",
                              shares=[(children[0], "40")])
        db.session.commit()
        line_id, child_id, receiver_id = allocation.lines[0].id, children[0].id, people["child0"].id
        item_id = allocation.item_id

    def prepare():
        actor, line = db.session.get(MaskLogUser, receiver_id), db.session.get(AllocationLine, line_id)
        _ = actor.unit.path, line.unit.path, line.allocation.allocation_date, line.status
        return actor, line

    def confirm(_n, actor, line):
        confirm_receipt(db.session, actor, line, confirmed_quantity="40")

    outcomes = race(app, 8, prepare, confirm)
    assert outcomes.count("ok") == 1 and outcomes.count("refused") == 7
    with app.app_context():
        assert balance_of(db.session, child_id, item_id) == 40
        check_invariants()


def test_two_first_drafts_of_a_day_at_once_make_one_count(app, backend):
    """Two committee members save the day's first draft at the same moment."""
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers; the race is only real on PostgreSQL")
    with app.app_context():
        lao, _children, people = fresh_tree(1)
        receipt = record_receipt(db.session, people["officer"], unit=lao, receipt_date=today(), source="ศบค.มท.",
                                 reference_no="มท 0230/race", quantity_sent=50)
        db.session.commit()
        lao_id, receipt_id, committee_id = lao.id, receipt.id, people["committee"].id

    def prepare():
        actor = db.session.get(MaskLogUser, committee_id)
        _ = actor.unit.path, actor.roles
        return actor, db.session.get(Unit, lao_id)

    def save_draft(n, actor, unit):
        save_count(db.session, actor, unit=unit, count_date=today(), members=COMMITTEE,
                   lines=[CountLineInput(receipt_id, counted=50 - n, missing=n, reason="นับซ้ำ" if n else "")])

    outcomes = race(app, 6, prepare, save_draft)
    assert outcomes.count("ok") == 6
    with app.app_context():
        counts = db.session.query(DailyCount).filter_by(unit_id=lao_id, count_date=today()).all()
        assert len(counts) == 1 and len(counts[0].lines) == 1


class LedgerMachine(RuleBasedStateMachine):
    """Random receipts, counts, allocations, confirmations, distributions and
    adjustments — valid and invalid — on one small tree."""

    app = None

    def __init__(self):
        super().__init__()
        self.ctx = self.app.app_context()
        self.ctx.push()
        self.lao, self.children, self.people = fresh_tree(2)
        self.groups = db.session.query(RiskGroup).order_by(RiskGroup.sort_order).all()
        self.pending_lines = []

    def teardown(self):
        db.session.rollback()
        self.ctx.pop()

    def _try(self, operation):
        try:
            result = operation()
            db.session.commit()
            return result
        except DomainError:
            db.session.rollback()
            return None

    @rule(quantity=st.integers(min_value=-5, max_value=300), counted_share=st.floats(0, 1))
    def receive_and_count(self, quantity, counted_share):
        def run():
            receipt = record_receipt(db.session, self.people["officer"], unit=self.lao, receipt_date=today(),
                                     source="ศบค.มท.", reference_no="R", quantity_sent=quantity)
            counted = int(receipt.quantity_sent * counted_share)
            count = save_count(db.session, self.people["committee"], unit=self.lao, count_date=today(),
                               lines=[CountLineInput(receipt.id, counted=counted,
                                                     damaged=receipt.quantity_sent - counted, reason="ชำรุด")],
                               members=COMMITTEE, chair_name=COMMITTEE[0]["name"])
            return sign_count(db.session, self.people["committee"], count)
        # One count per unit, item and day: only the first signs; later ones are refused.
        self._try(run)

    @rule(first=st.integers(-3, 120), second=st.integers(-3, 120))
    def allocate_sheet(self, first, second):
        allocation = self._try(lambda: allocate(
            db.session, self.people["officer"], unit=self.lao, allocation_date=today(), document_no="A",
            shares=[(self.children[0], str(first)), (self.children[1], str(second))]))
        if allocation:
            self.pending_lines += [line.id for line in allocation.lines]

    @precondition(lambda self: self.pending_lines)
    @rule(data=st.data())
    def confirm(self, data):
        line = db.session.get(AllocationLine, data.draw(st.sampled_from(self.pending_lines)))
        received = data.draw(st.integers(0, line.quantity_sent + 2))
        child = self.children.index(line.unit)
        done = self._try(lambda: confirm_receipt(db.session, self.people[f"child{child}"], line,
                                                 confirmed_quantity=received, reason="ไม่ครบ"))
        if done:
            self.pending_lines.remove(line.id)

    @rule(pieces=st.integers(-2, 80), people=st.integers(0, 80), who=st.integers(0, 2))
    def distribute_some(self, pieces, people, who):
        unit, actor = ((self.lao, self.people["officer"]) if who == 2
                       else (self.children[who], self.people[f"child{who}"]))
        self._try(lambda: distribute(db.session, actor, unit=unit, distribution_date=today(),
                                     lines=[(self.groups[0], str(pieces), str(people))]))

    @rule(kind=st.sampled_from(["loss", "damage", "expiry", "correction"]), quantity=st.integers(-30, 30))
    def adjust_some(self, kind, quantity):
        self._try(lambda: adjust(db.session, self.people["officer"], unit=self.lao, adjustment_date=today(),
                                 kind=kind, quantity=str(quantity), reason="ตรวจพบ"))

    @invariant()
    def ledger_is_consistent(self):
        check_invariants()


def test_random_operations_keep_every_invariant(app):
    LedgerMachine.app = app
    runner = LedgerMachine.TestCase
    runner.settings = settings(max_examples=8, stateful_step_count=15, deadline=None,
                               suppress_health_check=list(HealthCheck))
    runner().runTest()
