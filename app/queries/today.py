"""What a unit's "today" page shows, in a handful of queries (the page's
budget is 8 SQL statements, user and permissions included)."""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Optional

from sqlalchemy import Date, Integer, bindparam, func, select
from sqlalchemy.orm import Session

from app.db.compiled import run_compiled

from app.models.ledger import Allocation, AllocationLine, DailyCount, LedgerLine, Receipt, StockBalance
from app.models.unit import Unit


def _stock_subqueries(unit_id, item_id) -> tuple:
    """Scalar subqueries: the unit's balance, and what it sent still in
    transit (`sent_in_transit`; not the dashboards' `in_transit_to_area`,
    app/rollups/registry.py)."""
    balance = (select(StockBalance.quantity)
               .where(StockBalance.unit_id == unit_id, StockBalance.item_id == item_id).scalar_subquery())
    sent_in_transit = (select(func.coalesce(func.sum(AllocationLine.quantity_sent), 0))
                  .join(Allocation, Allocation.id == AllocationLine.allocation_id)
                  .where(Allocation.unit_id == unit_id, Allocation.item_id == item_id,
                         AllocationLine.status == "in_transit").scalar_subquery())
    return balance, sent_in_transit


def today_page(session: Session, unit_id: int, item_id: int, day: datetime.date) -> dict:
    """Everything the today page reads, in four statements compiled once per
    process (app/db/compiled.py): figures and the day's count in one row,
    then shipments on the way, units below, and the day's ledger lines, as
    plain rows. The page is opened many times a day by every unit; ORM
    entities and per-request statement building were half its cost."""
    params = {"unit_id": unit_id, "item_id": item_id, "day": day}
    summary = run_compiled(session, "today_page.summary", _summary_statement, params).one()
    count = None
    if summary.count_status is not None:
        count = _CountOfDay(summary.count_status, summary.count_book_balance, summary.count_physical_count)
    return {
        "balance": summary.balance or 0,
        "sent_in_transit": summary.sent_in_transit or 0,
        "awaiting": _Awaiting(summary.awaiting_pieces or 0, summary.awaiting_receipts or 0, summary.awaiting_since),
        "count": count,
        "incoming": run_compiled(session, "today_page.incoming", _incoming_statement, params).all(),
        "children": child_units(session, unit_id),
        "recorded": run_compiled(session, "today_page.recorded", _recorded_statement, params).all(),
    }


@dataclass(frozen=True)
class _CountOfDay:
    status: str
    book_balance: Optional[int]
    physical_count: Optional[int]


@dataclass(frozen=True)
class _Awaiting:
    """Receipts recorded and not counted yet: not in the balance until a count is signed."""
    pieces: int
    receipts: int
    since: Optional[datetime.date]  # the oldest one's date


RECORDED_LIMIT = 50  # the day's ledger lines shown, newest first


def _binds():
    return (bindparam("unit_id", type_=Integer), bindparam("item_id", type_=Integer), bindparam("day", type_=Date))


def _summary_statement(_dialect):
    unit_id, item_id, day = _binds()
    balance, sent_in_transit = _stock_subqueries(unit_id, item_id)
    def of_the_count(column):  # one count per unit, item and day (unique)
        return (select(column).where(DailyCount.unit_id == unit_id, DailyCount.item_id == item_id,
                                     DailyCount.count_date == day).scalar_subquery())

    def of_awaiting(column):
        return (select(column).where(Receipt.unit_id == unit_id, Receipt.item_id == item_id,
                                     Receipt.status == "awaiting_count").scalar_subquery())

    return select(balance.label("balance"), sent_in_transit.label("sent_in_transit"),
                  of_awaiting(func.sum(Receipt.quantity_sent)).label("awaiting_pieces"),
                  of_awaiting(func.count()).label("awaiting_receipts"),
                  of_awaiting(func.min(Receipt.receipt_date)).label("awaiting_since"),
                  of_the_count(DailyCount.status).label("count_status"),
                  of_the_count(DailyCount.book_balance).label("count_book_balance"),
                  of_the_count(DailyCount.physical_count).label("count_physical_count"))


def _incoming_statement(_dialect):
    unit_id, item_id, _day = _binds()
    return (select(AllocationLine.id, AllocationLine.quantity_sent, Allocation.document_no, Allocation.allocation_date)
            .join(Allocation, Allocation.id == AllocationLine.allocation_id)
            .where(AllocationLine.unit_id == unit_id, AllocationLine.status == "in_transit",
                   Allocation.item_id == item_id)
            .order_by(Allocation.allocation_date, AllocationLine.id))


def _recorded_statement(_dialect):
    unit_id, item_id, day = _binds()
    return (select(LedgerLine.created_on, LedgerLine.kind, LedgerLine.document_type, LedgerLine.document_id,
                   LedgerLine.quantity)
            .where(LedgerLine.unit_id == unit_id, LedgerLine.item_id == item_id, LedgerLine.entry_date == day)
            .order_by(LedgerLine.id.desc()).limit(RECORDED_LIMIT))


def child_units(session: Session, unit_id: int) -> list:
    """Active units directly below: rows of (id, code, name_th, path) — the
    allocation sheet needs no more (and a province has dozens)."""
    return run_compiled(session, "today_page.children", _children_statement, {"unit_id": unit_id}).all()


def _children_statement(_dialect):
    return (select(Unit.id, Unit.code, Unit.name_th, Unit.path)
            .where(Unit.parent_id == bindparam("unit_id", type_=Integer), Unit.active.is_(True)).order_by(Unit.code))
