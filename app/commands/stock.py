"""The one way stock changes: a ledger line plus a conditional update of the
balance, in the caller's transaction.

`UPDATE stock_balance SET quantity = quantity + :delta WHERE ... AND
quantity + :delta >= 0` is atomic: on PostgreSQL the row lock makes a second,
concurrent spender re-check the condition against the committed balance, so two
officers can never spend the same masks (no read-then-write anywhere)."""
from __future__ import annotations

import datetime

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.commands import DomainError, rollup
from app.commands.sql import upsert_insert
from app.models.ledger import LedgerLine, StockBalance
from app.models.unit import Unit
from app.thai import format_number


class InsufficientStock(DomainError):
    pass


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
    unit_id = unit.id
    if quantity < 0:
        new_balance = session.execute(
            update(StockBalance)
            .where(StockBalance.unit_id == unit_id, StockBalance.item_id == item_id,
                   StockBalance.quantity + quantity >= 0)
            .values(quantity=StockBalance.quantity + quantity)
            .returning(StockBalance.quantity)
            .execution_options(synchronize_session=False)
        ).scalar()
        if new_balance is None:
            raise InsufficientStock(_(
                "Not enough stock: %(needed)s pieces needed, %(balance)s in stock.",
                needed=format_number(-quantity), balance=format_number(balance_of(session, unit_id, item_id))))
    else:
        statement = upsert_insert(session, StockBalance).values(unit_id=unit_id, item_id=item_id, quantity=quantity)
        new_balance = session.execute(
            statement.on_conflict_do_update(
                index_elements=["unit_id", "item_id"],
                set_={"quantity": StockBalance.quantity + statement.excluded.quantity})
            .returning(StockBalance.quantity)
        ).scalar()
    session.add(LedgerLine(unit_id=unit_id, item_id=item_id, quantity=quantity, kind=kind,
                           document_type=document_type, document_id=document_id,
                           actor_id=getattr(actor, "id", None), entry_date=entry_date))
    rollup.add(session, unit, item_id, entry_date, net_change=quantity)
    return new_balance
