"""What the count sheet shows: the day's count (if any), the arrivals waiting
to be counted, the committee (the one on file, for a new sheet) and the book
stock the physical count is compared with."""
from __future__ import annotations

import datetime
import json
from typing import Optional

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from app.db.compiled import run_compiled
from app.models.ledger import DailyCount, Receipt, UnitCommittee
from app.models.unit import Unit
from app.scoping import ancestor_ids
from app.stock import balance_on

BLANK_MEMBER_ROWS = 5  # the sheet offers at least this many member rows
MEMBER_ROWS = 8  # and at most this many (what the page can post)


def arrivals_to_count(session: Session, unit_id: int, item_id: int, day: datetime.date) -> list:
    """Receipts of the day (and earlier ones still waiting) not yet counted."""
    return list(session.execute(
        select(Receipt).where(Receipt.unit_id == unit_id, Receipt.item_id == item_id,
                              Receipt.status == "awaiting_count", Receipt.receipt_date <= day)
        .order_by(Receipt.receipt_date, Receipt.id)).scalars())


def _signed_count_days(_dialect):
    return select(DailyCount.count_date).where(
        DailyCount.unit_id == bindparam("unit_id"), DailyCount.item_id == bindparam("item_id"),
        DailyCount.status == "signed", DailyCount.count_date >= bindparam("day"))


def next_count_day(session: Session, unit_id: int, item_id: int, receipt_date: datetime.date) -> datetime.date:
    """The day whose count a receipt of `receipt_date` goes onto: the first
    day from its date to today whose count is not signed yet, else tomorrow
    (a signed count is locked; the receipt is never stranded: it waits,
    visible as "awaiting count", for the next count)."""
    # Compiled once and prepared (app/db/compiled.py): it answers every receipt
    # submission, where building the ORM statement cost ~1/8 of the request.
    # No autoflush: the signed counts it reads are committed documents.
    signed = set(run_compiled(session, "signed_count_days", _signed_count_days, {
        "unit_id": unit_id, "item_id": item_id, "day": receipt_date}).scalars())
    day = receipt_date
    while day in signed:
        day += datetime.timedelta(days=1)
    return day


def count_of_day(session: Session, unit_id: int, item_id: int, day: datetime.date):
    return session.execute(select(DailyCount).where(
        DailyCount.unit_id == unit_id, DailyCount.item_id == item_id, DailyCount.count_date == day)
    ).scalar_one_or_none()


def committee_on_file(session: Session, unit: Unit) -> tuple:
    """(members, chair, whose, default_below) the unit's sheet starts from:
    its own committee on file (whose = "own"), else the nearest unit above
    whose committee is the default for the units below (whose = that unit's
    name), else nothing."""
    above = ancestor_ids(unit.path)
    rows = {row.unit_id: row for row in session.execute(
        select(UnitCommittee.unit_id, UnitCommittee.members, UnitCommittee.chair_name, UnitCommittee.default_below,
               Unit.name_th).join(Unit, Unit.id == UnitCommittee.unit_id)
        .where(UnitCommittee.unit_id.in_(above)))}
    own = rows.get(unit.id)
    if own is not None:
        return json.loads(own.members), own.chair_name, "own", own.default_below
    for unit_id in reversed(above[:-1]):
        row = rows.get(unit_id)
        if row is not None and row.default_below:
            return json.loads(row.members), row.chair_name, row.name_th, False
    return [], None, None, False


def expected_balance(session: Session, count: DailyCount) -> Optional[int]:
    """Book stock once the count's arrivals are in: as signed, for a signed
    count (None if it was signed without it, e.g. generated history); else the
    closing balance of the count's day plus what the draft counts."""
    if count.status == "signed":
        return count.book_balance
    return balance_on(session, count.unit_id, count.item_id, count.count_date) + sum(
        line.counted for line in count.lines)


def count_sheet(session: Session, unit: Unit, item_id: int, day: datetime.date) -> dict:
    """The sheet of a unit, item and day, for the count page. A signed count
    shows what was signed; a draft or a new sheet, the book stock of `day`
    (before its arrivals: `book_before`) and after them (`expected`)."""
    count = count_of_day(session, unit.id, item_id, day)
    signed = count is not None and count.status == "signed"
    arrivals = [line.receipt for line in count.lines] if signed else arrivals_to_count(session, unit.id, item_id, day)
    lines = {line.receipt_id: line for line in (count.lines if count else [])}
    members, chair, whose, default_below = committee_on_file(session, unit)
    if count is not None:
        members, chair, whose = json.loads(count.members), count.chair_name, "sheet"
    counted = sum(lines[r.id].counted if r.id in lines else r.quantity_sent for r in arrivals)
    if signed:
        expected = count.book_balance
        book_before = None if expected is None else expected - counted
    else:
        book_before = balance_on(session, unit.id, item_id, day)
        expected = book_before + counted
    rows = max(BLANK_MEMBER_ROWS, min(MEMBER_ROWS, len(members) + 1))
    return {
        "count": count, "signed": signed, "arrivals": arrivals, "lines": lines, "chair": chair or "",
        "book_before": book_before, "expected": expected, "committee_whose": whose, "default_below": default_below,
        "named_members": members,
        "members": members + [{"name": "", "position": ""}] * max(0, rows - len(members)),
    }
