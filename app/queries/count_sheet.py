"""What the count sheet shows: the day's count (if any), the arrivals waiting
to be counted, the committee (last time's, for a new sheet) and the book
stock the physical count is compared with."""
from __future__ import annotations

import datetime
import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models.ledger import DailyCount, Receipt
from app.stock import balance_of

BLANK_MEMBER_ROWS = 5  # the sheet offers at least this many member rows


def arrivals_to_count(session: Session, unit_id: int, item_id: int, day: datetime.date) -> list:
    """Receipts of the day (and earlier ones still waiting) not yet counted."""
    return list(session.execute(
        select(Receipt).where(Receipt.unit_id == unit_id, Receipt.item_id == item_id,
                              Receipt.status == "awaiting_count", Receipt.receipt_date <= day)
        .order_by(Receipt.receipt_date, Receipt.id)).scalars())


def count_of_day(session: Session, unit_id: int, item_id: int, day: datetime.date):
    return session.execute(select(DailyCount).where(
        DailyCount.unit_id == unit_id, DailyCount.item_id == item_id, DailyCount.count_date == day)
    ).scalar_one_or_none()


def last_committee(session: Session, unit_id: int, before: datetime.date) -> tuple:
    """(members, chair) of the unit's latest signed count before `before`: the
    same committee counts day after day, so the sheet starts from it."""
    row = session.execute(select(DailyCount.members, DailyCount.chair_name).where(
        DailyCount.unit_id == unit_id, DailyCount.status == "signed", DailyCount.count_date < before)
        .order_by(DailyCount.count_date.desc()).limit(1)).first()
    return (row[0], row[1]) if row else ("[]", None)


def expected_balance(session: Session, count: DailyCount) -> int:
    """Book stock once the count's arrivals are in."""
    pending = 0 if count.status == "signed" else sum(line.counted for line in count.lines)
    return balance_of(session, count.unit_id, count.item_id) + pending


def count_sheet(session: Session, unit_id: int, item_id: int, day: datetime.date) -> dict:
    """The sheet of a unit, item and day, for the count page."""
    count = count_of_day(session, unit_id, item_id, day)
    if count is not None and count.status == "signed":
        arrivals = [line.receipt for line in count.lines]
    else:
        arrivals = arrivals_to_count(session, unit_id, item_id, day)
    if count is None:
        previous_members, chair = last_committee(session, unit_id, day)
        members = json.loads(previous_members)
        expected = balance_of(session, unit_id, item_id) + sum(r.quantity_sent for r in arrivals)
    else:
        members, chair = json.loads(count.members), count.chair_name
        expected = expected_balance(session, count)
    return {
        "count": count, "arrivals": arrivals, "chair": chair or "", "expected": expected,
        "lines": {line.receipt_id: line for line in (count.lines if count else [])},
        "members": members + [{"name": "", "position": ""}] * max(0, BLANK_MEMBER_ROWS - len(members)),
    }
