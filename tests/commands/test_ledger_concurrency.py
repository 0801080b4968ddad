"""Concurrent spending never oversells; random operation sequences keep every
invariant and match a model of the ledger (tests/commands/ledger_machine.py)."""
import threading

import pytest

from app.commands.allocation import allocate, confirm_receipt, recall_shipment
from app.commands.count import CountLineInput, save_count
from app.commands.receipt import record_receipt
from app.errors import DomainError
from app.extensions import db
from app.models.ledger import AllocationLine, DailyCount, Item
from app.models.unit import Unit
from app.models.user import MaskLogUser
from app.stock import balance_of
from app.thai import today
from tests.helpers import COMMITTEE, check_invariants, fresh_tree, stock_up
from tests.commands.ledger_machine import LedgerMachine, run_machine


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




def test_random_operations_keep_every_invariant(app):
    run_machine(LedgerMachine, app, max_examples=8, stateful_step_count=15)


def test_a_recall_and_a_confirmation_at_once_end_one_way(app, backend):
    """The sender recalls a shipment while the receiver confirms it: exactly one
    of the two happens, and the pieces are counted once, at one of the units."""
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers; the race is only real on PostgreSQL")
    with app.app_context():
        lao, children, people = fresh_tree(1)
        stock_up(lao, people, 100)
        lines = []
        for n in range(4):
            allocation = allocate(db.session, people["officer"], unit=lao, allocation_date=today(),
                                  document_no=f"RC-{n}", shares=[(children[0], "10")])
            db.session.commit()
            lines.append(allocation.lines[0].id)
        ids = {"sender": people["officer"].id, "receiver": people["child0"].id}
        lao_id, child_id, item_id = lao.id, children[0].id, allocation.item_id

    for line_id in lines:
        def prepare(line_id=line_id):
            line = db.session.get(AllocationLine, line_id)
            actors = {role: db.session.get(MaskLogUser, user_id) for role, user_id in ids.items()}
            _ = [a.unit.path for a in actors.values()], line.unit.path, line.allocation.unit_id, line.status
            return actors, line

        def attempt(n, actors, line):
            if n == 0:
                recall_shipment(db.session, actors["sender"], line, reason="ส่งผิดหน่วย")
            else:
                confirm_receipt(db.session, actors["receiver"], line, confirmed_quantity="10")

        outcomes = race(app, 2, prepare, attempt)
        assert sorted(outcomes) == ["ok", "refused"], outcomes
    with app.app_context():
        statuses = [db.session.get(AllocationLine, line_id).status for line_id in lines]
        recalled, confirmed = statuses.count("recalled"), statuses.count("confirmed")
        assert recalled + confirmed == 4
        assert balance_of(db.session, lao_id, item_id) == 60 + 10 * recalled
        assert balance_of(db.session, child_id, item_id) == 10 * confirmed
        check_invariants()
