"""Back-dated documents: an outgoing document dated D leaves the unit's stock
≥ 0 on D and on every day after it; incoming ones are always fine; nothing is
dated more than MASKLOG_BACKDATE_DAYS back."""
import datetime

import pytest

from app.commands.adjustment import adjust
from app.commands.allocation import allocate
from app.commands.distribution import distribute
from app.errors import DomainError, InsufficientStock
from app.extensions import db
from app.models.ledger import Item, LedgerLine
from app.queries.reference import active_risk_groups
from app.stock import balance_of, balance_on
from app.thai import thai_date, today
from tests.commands.test_ledger_concurrency import race
from tests.helpers import check_invariants, fresh_tree, stock_up


def days_ago(n: int) -> datetime.date:
    return today() - datetime.timedelta(days=n)


def old_tree(n_children=1, existed_days=20):
    """A fresh tree whose units existed `existed_days` ago (hand-made units
    refuse dates before their creation)."""
    lao, children, people = fresh_tree(n_children)
    for unit in (lao, *children):
        unit.created_on -= datetime.timedelta(days=existed_days)
    db.session.commit()
    return lao, children, people


def hand_out(lao, people, pieces, day):
    group_id = active_risk_groups(db.session)[0][0]
    return distribute(db.session, people["officer"], unit=lao, distribution_date=day,
                      lines=[(group_id, str(pieces), str(pieces))])


def item_id():
    return db.session.query(Item.id).filter_by(code="SURGICAL_MASK").scalar()


def ledger_lines(unit_id) -> int:
    return db.session.query(LedgerLine).filter_by(unit_id=unit_id).count()


def test_a_spend_dated_before_the_stock_arrived_is_refused_and_writes_nothing(app):
    """The issue's case: first stock on 2 Dec, a distribution dated 1 Dec."""
    with app.app_context():
        lao, _children, people = old_tree()
        stock_up(lao, people, 100, day=days_ago(1))
        lines_before = ledger_lines(lao.id)
        with pytest.raises(InsufficientStock) as refused:
            hand_out(lao, people, 100, days_ago(2))
        db.session.rollback()
        assert "คงเหลือไม่พอในวันที่" in str(refused.value) and "0 ชิ้น" in str(refused.value)
        assert balance_of(db.session, lao.id, item_id()) == 100 and ledger_lines(lao.id) == lines_before
        hand_out(lao, people, 100, days_ago(1))  # the day the stock arrived is fine
        db.session.commit()
        assert balance_on(db.session, lao.id, item_id(), days_ago(2)) == 0
        assert balance_on(db.session, lao.id, item_id(), days_ago(1)) == 0
        check_invariants()


def test_a_spend_that_today_could_pay_but_an_earlier_day_could_not(app):
    """100 in on day −3, all 100 out on day −2, 100 in on day −1: today's
    balance (100) would pay 50 dated day −3, but day −2 would close at −50."""
    with app.app_context():
        lao, children, people = old_tree()
        stock_up(lao, people, 100, day=days_ago(3))
        hand_out(lao, people, 100, days_ago(2))
        db.session.commit()
        stock_up(lao, people, 100, day=days_ago(1))
        for spend in (lambda: hand_out(lao, people, 50, days_ago(3)),
                      lambda: adjust(db.session, people["officer"], unit=lao, adjustment_date=days_ago(3),
                                     kind="loss", quantity="50", reason="สูญหาย"),
                      lambda: allocate(db.session, people["officer"], unit=lao, allocation_date=days_ago(3),
                                       document_no="ย้อนหลัง", shares=[(children[0], "50")])):
            with pytest.raises(InsufficientStock) as refused:
                spend()
            db.session.rollback()
            assert thai_date(days_ago(2)) in str(refused.value)  # the day that would go negative
        assert balance_of(db.session, lao.id, item_id()) == 100
        hand_out(lao, people, 50, days_ago(1))  # dated after the second arrival: fine
        db.session.commit()
        assert [balance_on(db.session, lao.id, item_id(), days_ago(n)) for n in (3, 2, 1, 0)] == [100, 0, 50, 50]
        check_invariants()


def test_back_dated_arrivals_are_always_accepted(app):
    with app.app_context():
        lao, _children, people = old_tree()
        stock_up(lao, people, 100)
        hand_out(lao, people, 100, today())
        db.session.commit()
        stock_up(lao, people, 40, day=days_ago(5))  # an incoming document back-dated: no day goes down
        assert balance_of(db.session, lao.id, item_id()) == 40
        assert balance_on(db.session, lao.id, item_id(), days_ago(5)) == 40
        check_invariants()


def test_documents_are_dated_at_most_the_setting_back(app):
    with app.app_context():
        lao, _children, people = old_tree(existed_days=40)
        limit = app.config["MASKLOG_BACKDATE_DAYS"]
        assert limit == 14
        stock_up(lao, people, 100, day=days_ago(limit))  # the oldest day allowed
        with pytest.raises(DomainError) as refused:
            stock_up(lao, people, 100, day=days_ago(limit + 1))
        db.session.rollback()
        assert "ย้อนหลังเกิน 14 วัน" in str(refused.value)
        app.config["MASKLOG_BACKDATE_DAYS"] = 30
        try:
            stock_up(lao, people, 100, day=days_ago(limit + 1))
        finally:
            app.config["MASKLOG_BACKDATE_DAYS"] = limit
        assert balance_of(db.session, lao.id, item_id()) == 200


def test_two_back_dated_spends_at_once_cannot_both_empty_an_earlier_day(app, backend):
    """60 in on day −3, 60 more on day −1 (today: 120). Two spends of 50
    dated day −2 each fit today's balance, together they would close day −2
    at −40: exactly one passes."""
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers; the race is only real on PostgreSQL")
    with app.app_context():
        lao, _children, people = old_tree()
        stock_up(lao, people, 60, day=days_ago(3))
        stock_up(lao, people, 60, day=days_ago(1))
        lao_id, officer_id, group_id = lao.id, people["officer"].id, active_risk_groups(db.session)[0][0]

    from app.models.unit import Unit
    from app.models.user import MaskLogUser

    def prepare():
        actor = db.session.get(MaskLogUser, officer_id)
        _ = actor.unit.path, actor.roles
        return actor, db.session.get(Unit, lao_id)

    def spend(_n, actor, unit):
        distribute(db.session, actor, unit=unit, distribution_date=days_ago(2), lines=[(group_id, "50", "50")])

    outcomes = race(app, 2, prepare, spend)
    assert sorted(outcomes) == ["ok", "refused"]
    with app.app_context():
        assert balance_of(db.session, lao_id, item_id()) == 70
        assert balance_on(db.session, lao_id, item_id(), days_ago(2)) == 10
        check_invariants()
