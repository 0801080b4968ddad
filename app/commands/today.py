"""What a unit's "today" page shows, in a handful of queries (the page's
budget is 8 SQL statements, user and permissions included)."""
from __future__ import annotations

import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session, contains_eager

from app.models.ledger import Allocation, AllocationLine, DailyCount, LedgerLine, StockBalance
from app.models.unit import Unit


def stock_figures(session: Session, unit_id: int, item_id: int) -> tuple:
    """(balance, pieces sent by this unit still in transit), one query."""
    balance = (select(StockBalance.quantity)
               .where(StockBalance.unit_id == unit_id, StockBalance.item_id == item_id).scalar_subquery())
    in_transit = (select(func.coalesce(func.sum(AllocationLine.quantity_sent), 0))
                  .join(Allocation, Allocation.id == AllocationLine.allocation_id)
                  .where(Allocation.unit_id == unit_id, Allocation.item_id == item_id,
                         AllocationLine.status == "in_transit").scalar_subquery())
    row = session.execute(select(balance, in_transit)).one()
    return row[0] or 0, row[1] or 0


def incoming_shipments(session: Session, unit_id: int, item_id: int) -> list:
    return list(session.execute(
        select(AllocationLine).join(AllocationLine.allocation)
        .options(contains_eager(AllocationLine.allocation))
        .where(AllocationLine.unit_id == unit_id, AllocationLine.status == "in_transit",
               Allocation.item_id == item_id)
        .order_by(Allocation.allocation_date, AllocationLine.id)).scalars())


def count_of_day(session: Session, unit_id: int, item_id: int, day: datetime.date):
    return session.execute(select(DailyCount).where(
        DailyCount.unit_id == unit_id, DailyCount.item_id == item_id, DailyCount.count_date == day)
    ).scalar_one_or_none()


def child_units(session: Session, unit_id: int) -> list:
    """Active units directly below: rows of (id, code, name_th, path) — the
    allocation sheet needs no more (and a province has dozens)."""
    return list(session.execute(select(Unit.id, Unit.code, Unit.name_th, Unit.path)
                                .where(Unit.parent_id == unit_id, Unit.active.is_(True)).order_by(Unit.code)))


def recorded_on(session: Session, unit_id: int, item_id: int, day: datetime.date, limit: int = 50) -> list:
    """Ledger lines of the unit dated `day`, newest first."""
    return list(session.execute(
        select(LedgerLine).where(LedgerLine.unit_id == unit_id, LedgerLine.item_id == item_id,
                                 LedgerLine.entry_date == day)
        .order_by(LedgerLine.id.desc()).limit(limit)).scalars())


def last_committee(session: Session, unit_id: int, before: datetime.date) -> tuple:
    """(members, chair) of the unit's latest signed count before `before`: the
    same committee counts day after day, so the sheet starts from it."""
    row = session.execute(select(DailyCount.members, DailyCount.chair_name).where(
        DailyCount.unit_id == unit_id, DailyCount.status == "signed", DailyCount.count_date < before)
        .order_by(DailyCount.count_date.desc()).limit(1)).first()
    return (row[0], row[1]) if row else ("[]", None)
