"""The one way stock changes: a ledger line plus a conditional update of the
balance, in the caller's transaction.

`UPDATE stock_balance SET quantity = quantity + :delta WHERE ... AND
quantity + :delta >= 0` is atomic: on PostgreSQL the row lock makes a second,
concurrent spender re-check the condition against the committed balance, so two
officers can never spend the same masks (no read-then-write anywhere)."""
from __future__ import annotations

import datetime
from types import SimpleNamespace

from flask_babel import gettext as _
from sqlalchemy import Integer, bindparam, select, update
from sqlalchemy.orm import Session

from app.db.compiled import dialect_insert, insert_values, run_compiled, values_binds, values_params
from app.errors import InsufficientStock
from app.models.ledger import LedgerLine, StockBalance
from app.models.unit import Unit
from app.rollups.contributions import LEDGER_LINE
from app.rollups.pending import contribute
from app.thai import format_number


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


def balance_of(session: Session, unit_id: int, item_id: int) -> int:
    value = session.execute(select(StockBalance.quantity).where(
        StockBalance.unit_id == unit_id, StockBalance.item_id == item_id)).scalar()
    return value or 0


def post(session: Session, *, unit: Unit, item_id: int, quantity: int, kind: str, document_type: str,
         document_id: int, actor, entry_date: datetime.date) -> int:
    """Move `quantity` (signed) in or out of a unit's stock and return the new
    balance. Raises InsufficientStock, writing nothing, when the balance would
    go negative. One statement for the balance either way (RETURNING). The
    day's net change goes to the rollups of the unit and every unit above."""
    params = {"unit_id": unit.id, "item_id": item_id, "quantity": quantity}
    if quantity < 0:
        new_balance = run_compiled(session, "stock.take", _take_statement, params).scalar()
        if new_balance is None:
            raise InsufficientStock(_(
                "Not enough stock: %(needed)s pieces needed, %(balance)s in stock.",
                needed=format_number(-quantity), balance=format_number(balance_of(session, unit.id, item_id))))
    else:
        new_balance = run_compiled(session, "stock.put", _put_statement,
                                   values_params([params], _BALANCE_COLUMNS)).scalar()
    line = {"unit_id": unit.id, "item_id": item_id, "quantity": quantity, "kind": kind,
            "document_type": document_type, "document_id": document_id, "actor_id": getattr(actor, "id", None),
            "entry_date": entry_date}
    insert_values(session, LedgerLine, line)
    contribute(session, LEDGER_LINE, unit, item_id, entry_date, SimpleNamespace(**line))
    return new_balance
