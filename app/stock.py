"""The one way stock changes: a ledger line plus a conditional update of the
balance, in the caller's transaction.

`UPDATE stock_balance SET quantity = quantity + :delta WHERE ... AND
quantity + :delta >= 0` is atomic: on PostgreSQL the row lock makes a second,
concurrent spender re-check the condition against the committed balance, so two
officers can never spend the same masks (no read-then-write anywhere).

A spend dated before today must also leave every day from its date on ≥ 0
(stock handed out on 1 Dec cannot come from masks that arrived on 2 Dec). The
check runs after the UPDATE, under its row lock, so a second back-dated spend
at the same moment waits and then sees the first one's ledger line. It reads
only the unit's ledger lines dated after the document's day (one index range,
bounded by how far back a document may be dated: app/commands/base.py), summed
per day: the closing balance of day X is today's balance minus what is dated
after X."""
from __future__ import annotations

import datetime
from types import SimpleNamespace

# lazy: a DomainError says itself in Thai and, for the API, in English (app/errors.py)
from flask_babel import lazy_gettext as _
from sqlalchemy import Date, Integer, bindparam, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.db.compiled import dialect_insert, insert_values, run_compiled, values_binds, values_params
from app.errors import InsufficientStock
from app.models.ledger import STOCK_IN_KINDS, LedgerLine, StockBalance
from app.models.unit import Unit
from app.rollups.contributions import LEDGER_LINE
from app.rollups.pending import contribute
from app.thai import format_number, thai_date, today


_BALANCE = StockBalance.__table__
_BALANCE_COLUMNS = ("unit_id", "item_id", "quantity")


def _take_statement(_dialect):
    """Spend: only if the balance stays ≥ 0 (the row lock makes a concurrent
    spender re-check against the committed balance)."""
    unit_id, item_id, quantity = (bindparam("unit_id", type_=Integer), bindparam("item_id", type_=Integer),
                                  bindparam("quantity", type_=Integer))
    return (update(_BALANCE)
            .where(_BALANCE.c.unit_id == unit_id, _BALANCE.c.item_id == item_id, _BALANCE.c.quantity + quantity >= 0)
            .values(quantity=_BALANCE.c.quantity + quantity)
            .returning(_BALANCE.c.quantity))


def _put_statement(dialect_name):
    statement = dialect_insert(dialect_name, _BALANCE).values(values_binds(_BALANCE, _BALANCE_COLUMNS)[0])
    return (statement.on_conflict_do_update(index_elements=["unit_id", "item_id"],
                                            set_={"quantity": _BALANCE.c.quantity + statement.excluded.quantity})
            .returning(_BALANCE.c.quantity))


def _later_days_statement(_dialect):
    """The net of a unit's ledger lines per day after :day."""
    return (select(LedgerLine.entry_date, func.sum(LedgerLine.quantity))
            .where(LedgerLine.unit_id == bindparam("unit_id", type_=Integer),
                   LedgerLine.item_id == bindparam("item_id", type_=Integer),
                   LedgerLine.entry_date > bindparam("day", type_=Date))
            .group_by(LedgerLine.entry_date))


def later_days(session: Session, unit_id: int, item_id: int, day: datetime.date) -> list:
    """[(date, net change)] of every day after `day` the unit's stock moved, in date order."""
    return sorted(run_compiled(session, "stock.later_days", _later_days_statement,
                               {"unit_id": unit_id, "item_id": item_id, "day": day}).all())


def lowest_from(balance_now: int, later: list, day: datetime.date) -> tuple:
    """(lowest closing balance, its day) over `day` and every day after, from
    today's balance and the later days' net changes (`later_days`)."""
    running = balance_now - sum(net for _date, net in later)  # the closing balance of `day`
    lowest, lowest_day = running, day
    for entry_date, net in later:
        running += net
        if running < lowest:
            lowest, lowest_day = running, entry_date
    return lowest, lowest_day


def balance_on(session: Session, unit_id: int, item_id: int, day: datetime.date) -> int:
    """The unit's closing balance of `day` (book stock at the end of that day)."""
    return balance_of(session, unit_id, item_id) - sum(
        net for _date, net in later_days(session, unit_id, item_id, day))


def balance_of(session: Session, unit_id: int, item_id: int) -> int:
    value = session.execute(select(StockBalance.quantity).where(
        StockBalance.unit_id == unit_id, StockBalance.item_id == item_id)).scalar()
    return value or 0


def post(session: Session, *, unit: Unit, item_id: int, quantity: int, kind: str, document_type: str,
         document_id: int, actor, entry_date: datetime.date) -> int:
    """Move `quantity` (signed) in or out of a unit's stock and return the new
    balance. Raises InsufficientStock, writing nothing, when the balance would
    go negative today or, for a back-dated spend, on any day from its date
    on. One statement for the balance either way (RETURNING); a back-dated
    spend reads its later days too. The day's net change goes to the rollups
    of the unit and every unit above."""
    params = {"unit_id": unit.id, "item_id": item_id, "quantity": quantity}
    if quantity < 0:
        new_balance = run_compiled(session, "stock.take", _take_statement, params).scalar()
        if new_balance is None:
            raise InsufficientStock(_(
                "Not enough stock: %(needed)s pieces needed, %(balance)s in stock.",
                needed=format_number(-quantity), balance=format_number(balance_of(session, unit.id, item_id))))
        if entry_date < today():
            _refuse_if_a_later_day_goes_negative(session, unit, item_id, entry_date, quantity, new_balance)
    else:
        new_balance = run_compiled(session, "stock.put", _put_statement,
                                   values_params([params], _BALANCE_COLUMNS)).scalar()
    line = {"unit_id": unit.id, "item_id": item_id, "quantity": quantity, "kind": kind,
            "document_type": document_type, "document_id": document_id, "actor_id": getattr(actor, "id", None),
            "entry_date": entry_date}
    insert_values(session, LedgerLine, line)
    if kind in STOCK_IN_KINDS and not (unit.first_stock_on is not None and unit.first_stock_on <= entry_date):
        # The kept day only moves earlier: written only when this stock-in is earlier than
        # the day the unit (as loaded) has. After it the day is at most entry_date, which is
        # what the loaded unit then says, so a count's next receipt line writes nothing.
        run_compiled(session, "stock.first_in", _first_stock_statement, {"unit_id": unit.id, "day": entry_date})
        set_committed_value(unit, "first_stock_on", entry_date)
    contribute(session, LEDGER_LINE, unit, item_id, entry_date, SimpleNamespace(**line))
    return new_balance


def _first_stock_statement(_dialect):
    # Conditional, so that two stock-ins at once leave the earlier day; changed_on is
    # the unit's own edits (its onupdate would otherwise stamp every first stock).
    return (update(Unit).where(Unit.id == bindparam("unit_id"),
                               (Unit.first_stock_on.is_(None)) | (Unit.first_stock_on > bindparam("day", type_=Date)))
            .values(first_stock_on=bindparam("day", type_=Date), changed_on=Unit.changed_on))


def _refuse_if_a_later_day_goes_negative(session, unit, item_id, day, quantity, new_balance) -> None:
    lowest, lowest_day = lowest_from(new_balance, later_days(session, unit.id, item_id, day), day)
    if lowest >= 0:
        return
    # Put the balance back so that a caller going on in this transaction finds it untouched.
    run_compiled(session, "stock.put", _put_statement,
                 values_params([{"unit_id": unit.id, "item_id": item_id, "quantity": -quantity}], _BALANCE_COLUMNS))
    raise InsufficientStock(_(
        "Not enough stock on %(date)s: %(needed)s pieces needed, only %(available)s were in stock from that day "
        "on (later documents already used the rest). Date the document on or after the day the stock arrived.",
        date=thai_date(lowest_day), needed=format_number(-quantity), available=format_number(lowest - quantity)))
