"""Each unit's first stock day (Unit.first_stock_on: who "holds stock" and must
report) is kept by app/stock.post as stock arrives, earlier when stock is
back-dated, and `flask masklog rebuild-rollups` recounts it from the ledger."""
import datetime

from sqlalchemy import func, select, update

from app.extensions import db
from app.models.ledger import STOCK_IN_KINDS, LedgerLine
from app.models.unit import Unit
from app.thai import today
from tests.helpers import fresh_tree, stock_up


def ledger_first_stock(unit_id):
    return db.session.scalar(select(func.min(LedgerLine.entry_date))
                             .where(LedgerLine.unit_id == unit_id, LedgerLine.kind.in_(STOCK_IN_KINDS)))


def test_first_stock_day_follows_the_ledger_and_the_rebuild_recounts_it(app):
    with app.app_context():
        lao, _children, people = fresh_tree(0)
        # Added a week ago, so that stock may be dated before today (never before a unit existed).
        db.session.execute(update(Unit).where(Unit.id == lao.id).values(
            created_on=datetime.datetime.utcnow() - datetime.timedelta(days=7)))
        db.session.commit()
        assert db.session.get(Unit, lao.id).first_stock_on is None
        stock_up(lao, people, day=today())
        db.session.expire_all()
        assert db.session.get(Unit, lao.id).first_stock_on == today() == ledger_first_stock(lao.id)
        changed_on = db.session.get(Unit, lao.id).changed_on
        earlier = today() - datetime.timedelta(days=2)
        stock_up(lao, people, day=earlier)  # back-dated: the day moves earlier
        db.session.expire_all()
        assert db.session.get(Unit, lao.id).first_stock_on == earlier == ledger_first_stock(lao.id)
        assert db.session.get(Unit, lao.id).changed_on == changed_on  # stock is not an edit of the unit
        # A wrong kept day (written by hand here) is put right by the rebuild command.
        db.session.execute(update(Unit).where(Unit.id == lao.id).values(first_stock_on=None))
        db.session.commit()
        lao_id = lao.id
    result = app.test_cli_runner().invoke(args=["masklog", "rebuild-rollups"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(Unit, lao_id).first_stock_on == earlier
