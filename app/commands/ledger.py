"""The daily work: receive, count, allocate, confirm, distribute, adjust, reverse.

Every function validates everything first (Thai DomainError, nothing written),
then moves stock through app/commands/stock.post and records the audit trail,
all in the caller's transaction. The actor is passed in; units are checked
against app/scoping.py. Quantities and dates may come raw from a form (Thai
digits, B.E. dates) or typed from the CLI/API."""
from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Iterable, Optional

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import set_committed_value

from app import scoping
from app.commands import DomainError, rollup
from app.commands.audit import record
from app.commands.reference import active_items
from app.commands.sql import insert_row, insert_rows, load_row
from app.commands.stock import balance_of, post
from app.models.ledger import (Adjustment, Allocation, AllocationLine, DailyCount, DailyCountLine,
                               Distribution, Item, Receipt)
from app.models.unit import Unit
from app.thai import format_number, parse_date, parse_quantity, thai_date, today

SYSTEM_START = datetime.date(2020, 1, 1)  # the first COVID-19 supply records
ADJUSTMENT_KINDS = ("loss", "damage", "expiry", "correction")
MIN_COMMITTEE = 3


# ---------------------------------------------------------------- shared checks

def insert_document(session: Session, model, form_token: Optional[str], lines: Iterable = (), **values):
    """Insert a validated document and its lines (dicts of values): (document, True); or, for
    a double-submitted form, (the document its token already created, False).
    The token check is the INSERT itself, ON CONFLICT (form_token) DO NOTHING,
    not a SELECT before every submission; a copy racing the first waits on the
    first one's unique index entry, then finds it. Callers insert the document
    before moving stock, so a double submit gets the first document back,
    never "not enough stock"."""
    if form_token and len(form_token) > 64:
        raise DomainError(_("The form is damaged; please open the page again."))
    document = insert_row(session, model, {**values, "form_token": form_token or None},
                          do_nothing_on=("form_token",) if form_token else None)
    if document is None:
        return session.execute(select(model).where(model.form_token == form_token)).scalar_one(), False
    if hasattr(model, "lines"):
        relation = inspect(model).relationships["lines"]
        document_key = next(iter(relation.remote_side)).key  # the line's column pointing at its document
        set_committed_value(document, "lines", insert_rows(
            session, relation.mapper.class_, [{**line, document_key: document.id} for line in lines]))
    return document, True


def as_stored(unit: Unit) -> Unit:
    """The unit refreshed in place from the database. A write must not trust
    the copy in the session: the signed-in user's own unit may come from the
    per-process user cache (app/user_cache.py), and the unit's path decides
    which ancestors' rollups the write changes."""
    session = object_session(unit)
    if session is not None and unit.id is not None:
        load_row(session, Unit, unit.id)
    return unit


def check_unit(actor, unit: Optional[Unit]) -> Unit:
    """The unit a write is for, as stored: in the actor's area and active."""
    if unit is not None:
        as_stored(unit)
    if unit is None or not scoping.unit_in_scope(actor, unit):
        raise DomainError(_("This unit is outside the area you manage."))
    if not unit.active:
        raise DomainError(_("The unit %(name)s is inactive.", name=unit.name_th))
    return unit


def check_date(unit: Unit, raw) -> datetime.date:
    """A document date: blank means today; never in the future, never before
    the unit existed."""
    day = parse_date(raw) if raw not in (None, "") else today()
    if day > today():
        raise DomainError(_("The date %(date)s is in the future.", date=thai_date(day)))
    earliest = SYSTEM_START if unit.source == "geothai" else max(SYSTEM_START, unit.created_on.date())
    if day < earliest:
        raise DomainError(_("The date %(date)s is before %(unit)s existed in the system (%(earliest)s).",
                            date=thai_date(day), unit=unit.name_th, earliest=thai_date(earliest)))
    return day


@dataclass(frozen=True)
class ItemRef:
    """An active item as the reference-data cache knows it (no query needed)."""

    id: int
    code: str
    name_th: str
    unit_label: str


def resolve_item(session: Session, item) -> "Item | ItemRef":
    """The item asked for — an Item, or an item id as forms send it — or the
    default one (forms skip the question when only one item is active). Ids
    are checked against the cached list of active items, saving a query on
    every submission."""
    if isinstance(item, ItemRef):
        return item
    if item is None or isinstance(item, int):
        active = active_items(session)
        match = next((row for row in active if row[0] == item), None) if item is not None else \
            (active[0] if active else None)
        if match is None:
            raise DomainError(_("Please choose an active item."))
        return ItemRef(*match[:4])
    if not item.active:
        raise DomainError(_("Please choose an active item."))
    return item


def _text(raw, field: str, *, required: bool = True, limit: int = 255) -> Optional[str]:
    value = " ".join(str(raw or "").split())
    if required and not value:
        raise DomainError(_("Please enter %(field)s.", field=field))
    if len(value) > limit:
        raise DomainError(_("%(field)s is longer than %(limit)s characters.", field=field, limit=limit))
    return value or None


# ---------------------------------------------------------------- receipt

def record_receipt(session: Session, actor, *, unit: Unit, item: Optional[Item] = None, receipt_date,
                   source, reference_no, quantity_sent, form_token: Optional[str] = None) -> Receipt:
    """Stock arriving from outside the tree; it enters stock at the day's count."""
    check_unit(actor, unit)
    item = resolve_item(session, item)
    receipt, created = insert_document(
        session, Receipt, form_token, unit_id=unit.id, item_id=item.id, receipt_date=check_date(unit, receipt_date),
        source=_text(source, _l("the source")),
        reference_no=_text(reference_no, _l("the reference document number"), limit=64),
        quantity_sent=parse_quantity(quantity_sent, _l("the quantity sent")), created_by_id=getattr(actor, "id", None))
    if not created:
        return receipt
    rollup.mark_reported(session, unit, receipt.receipt_date, "receipt", actor)
    record(session, actor, "create", "receipt", receipt.id, unit.id,
           after={"quantity_sent": receipt.quantity_sent, "source": receipt.source,
                  "reference_no": receipt.reference_no, "date": receipt.receipt_date})
    return receipt


# ---------------------------------------------------------------- daily count

@dataclass
class CountLineInput:
    receipt_id: int
    counted: object
    damaged: object = 0
    missing: object = 0
    reason: object = ""


def arrivals_to_count(session: Session, unit_id: int, item_id: int, day: datetime.date) -> list:
    """Receipts of the day (and earlier ones still waiting) not yet counted."""
    return list(session.execute(
        select(Receipt).where(Receipt.unit_id == unit_id, Receipt.item_id == item_id,
                              Receipt.status == "awaiting_count", Receipt.receipt_date <= day)
        .order_by(Receipt.receipt_date, Receipt.id)).scalars())


def _members(raw_members: Iterable[dict]) -> list:
    members = []
    for member in raw_members or []:
        name = " ".join(str(member.get("name") or "").split())
        position = " ".join(str(member.get("position") or "").split())
        if name:
            if not position:
                raise DomainError(_("Please enter the position of committee member %(name)s.", name=name))
            members.append({"name": name[:255], "position": position[:255]})
    return members


def save_count(session: Session, actor, *, unit: Unit, item: Optional[Item] = None, count_date,
               lines: Iterable[CountLineInput], members: Iterable[dict], chair_name=None,
               physical_count=None, note=None, form_token: Optional[str] = None) -> DailyCount:
    """Create or update the draft count of a unit, item and day."""
    check_unit(actor, unit)
    item = resolve_item(session, item)
    day = check_date(unit, count_date)
    # The day's count, created as an empty draft when there is none, and locked:
    # two members saving the first draft at the same moment get one count (the
    # second waits for the first, then updates it) instead of a unique-key error.
    key = {"unit_id": unit.id, "item_id": item.id, "count_date": day}
    insert_row(session, DailyCount, {**key, "created_by_id": getattr(actor, "id", None),
                                     "form_token": form_token or None},
               do_nothing_on=("unit_id", "item_id", "count_date"))
    count = session.execute(select(DailyCount).filter_by(**key).with_for_update()).scalar_one()
    if count.status == "signed":
        raise DomainError(_("The count of %(date)s is signed and locked; record an adjustment with a reason "
                            "to correct it.", date=thai_date(day)))
    waiting = {r.id: r for r in arrivals_to_count(session, unit.id, item.id, day)}
    parsed = []
    for line in lines:
        receipt = waiting.get(int(line.receipt_id))
        if receipt is None:
            raise DomainError(_("Receipt %(id)s is not waiting to be counted at this unit.", id=line.receipt_id))
        counted = parse_quantity(line.counted, _("the counted quantity"), allow_zero=True)
        damaged = parse_quantity(line.damaged or 0, _("the damaged quantity"), allow_zero=True)
        missing = parse_quantity(line.missing or 0, _("the missing quantity"), allow_zero=True)
        reason = _text(line.reason, _("the reason"), required=False, limit=500)
        if counted + damaged + missing != receipt.quantity_sent:
            raise DomainError(_(
                "Reference %(ref)s: counted %(counted)s + damaged %(damaged)s + missing %(missing)s must equal "
                "the %(sent)s pieces sent.", ref=receipt.reference_no, counted=format_number(counted),
                damaged=format_number(damaged), missing=format_number(missing),
                sent=format_number(receipt.quantity_sent)))
        if (damaged or missing) and not reason:
            raise DomainError(_("Reference %(ref)s: please give the reason for the damaged or missing pieces.",
                                ref=receipt.reference_no))
        parsed.append((receipt, counted, damaged, missing, reason))
    member_list = _members(members)
    chair = _text(chair_name, _("the chair"), required=False)
    physical = None
    if physical_count not in (None, ""):
        physical = parse_quantity(physical_count, _("the physical count"), allow_zero=True)
    count.members = json.dumps(member_list, ensure_ascii=False)
    count.chair_name = chair
    count.physical_count = physical
    count.note = _text(note, _("the note"), required=False, limit=2000)
    # A saved-again draft replaces its lines. The old ones go first: the unit of
    # work would insert the new lines before deleting the old, and a receipt may
    # sit on one count line only (unique receipt_id).
    count.lines.clear()
    session.flush()
    count.lines.extend(DailyCountLine(receipt_id=r.id, quantity_sent=r.quantity_sent, counted=c, damaged=d,
                                      missing=m, reason=reason) for r, c, d, m, reason in parsed)
    session.flush()
    rollup.mark_reported(session, unit, day, "count", actor)
    record(session, actor, "save_draft", "daily_count", count.id, unit.id,
           after={"lines": [[r.id, c, d, m] for r, c, d, m, _r in parsed], "members": member_list,
                  "chair": chair, "physical_count": physical})
    return count


def expected_balance(session: Session, count: DailyCount) -> int:
    """Book stock once the count's arrivals are in."""
    pending = 0 if count.status == "signed" else sum(line.counted for line in count.lines)
    return balance_of(session, count.unit_id, count.item_id) + pending


def sign_count(session: Session, actor, count: DailyCount) -> DailyCount:
    """The chair signs: the count is locked and the counted arrivals enter stock."""
    check_unit(actor, count.unit)
    session.refresh(count, with_for_update=True)  # a second signature at the same moment waits, then sees "signed"
    if count.status == "signed":
        raise DomainError(_("This count is already signed and locked."))
    members = json.loads(count.members or "[]")
    if len(members) < MIN_COMMITTEE:
        raise DomainError(_("A count needs at least %(n)s committee members with their positions.", n=MIN_COMMITTEE))
    if not count.chair_name or count.chair_name not in {m["name"] for m in members}:
        raise DomainError(_("Please choose the chair from the committee members."))
    for line in count.lines:
        if line.receipt.status != "awaiting_count":
            raise DomainError(_("Reference %(ref)s has already been counted.", ref=line.receipt.reference_no))
        if line.counted:
            post(session, unit=count.unit, item_id=count.item_id, quantity=line.counted, kind="receipt",
                 document_type="daily_count", document_id=count.id, actor=actor, entry_date=count.count_date)
        line.receipt.status = "counted"
        line.receipt.counted_quantity = line.counted
        rollup.add(session, count.unit, count.item_id, count.count_date, received=line.quantity_sent,
                   counted=line.counted, count_discrepancy=line.damaged + line.missing)
    session.flush()
    count.book_balance = balance_of(session, count.unit_id, count.item_id)
    count.status = "signed"
    count.signed_by_id = getattr(actor, "id", None)
    count.signed_on = datetime.datetime.utcnow()
    session.flush()
    record(session, actor, "sign", "daily_count", count.id, count.unit_id, before={"status": "draft"},
           after={"status": "signed", "book_balance": count.book_balance, "physical_count": count.physical_count,
                  "counted": sum(line.counted for line in count.lines)})
    return count


# ---------------------------------------------------------------- allocation

def allocate(session: Session, actor, *, unit: Unit, item: Optional[Item] = None, allocation_date, document_no,
             shares: Iterable[tuple], form_token: Optional[str] = None) -> Allocation:
    """One dispatch sheet: `shares` are (receiving unit, quantity) pairs; rows
    with an empty quantity are skipped. Stock leaves the sender at once."""
    check_unit(actor, unit)
    item = resolve_item(session, item)
    day = check_date(unit, allocation_date)
    document_no = _text(document_no, _("the dispatch document number"), limit=64)
    parsed, seen = [], set()
    for receiver, raw in shares:
        if raw in (None, "") or str(raw).strip() == "":
            continue
        if receiver is None or receiver.id == unit.id or not scoping.path_in_subtree(receiver.path, unit.path):
            raise DomainError(_("%(name)s is not a unit below %(sender)s.",
                                name=getattr(receiver, "name_th", "?"), sender=unit.name_th))
        if not receiver.active:
            raise DomainError(_("The unit %(name)s is inactive.", name=receiver.name_th))
        if receiver.id in seen:
            raise DomainError(_("%(name)s appears twice on the sheet.", name=receiver.name_th))
        seen.add(receiver.id)
        parsed.append((receiver, parse_quantity(raw, _("the quantity for %(name)s", name=receiver.name_th))))
    if not parsed:
        raise DomainError(_("Please enter a quantity for at least one receiving unit."))
    allocation, created = insert_document(
        session, Allocation, form_token,
        lines=[{"unit_id": receiver.id, "quantity_sent": quantity} for receiver, quantity in parsed],
        unit_id=unit.id, item_id=item.id, allocation_date=day, document_no=document_no,
        created_by_id=getattr(actor, "id", None))
    if not created:
        return allocation
    total = sum(quantity for _r, quantity in parsed)
    post(session, unit=unit, item_id=item.id, quantity=-total, kind="allocation_out",
         document_type="allocation", document_id=allocation.id, actor=actor, entry_date=day)
    rollup.add(session, unit, item.id, day, allocated_out=total)
    for receiver, quantity in parsed:
        rollup.add(session, receiver, item.id, day, in_transit_change=quantity)
    rollup.mark_reported(session, unit, day, "allocation", actor)
    record(session, actor, "create", "allocation", allocation.id, unit.id,
           after={"document_no": document_no, "total": total,
                  "shares": [[receiver.code, quantity] for receiver, quantity in parsed]})
    return allocation


def confirm_receipt(session: Session, actor, line: AllocationLine, *, confirmed_quantity, reason=None,
                    confirm_date=None) -> AllocationLine:
    """The receiving unit confirms what arrived; only its own users may."""
    # Two phones tapping "confirm" at once: the row lock makes the second wait
    # for the first and then read "confirmed" (without it, both entered stock).
    session.refresh(line, with_for_update=True)
    as_stored(line.unit)
    if line.unit_id != getattr(getattr(actor, "unit", None), "id", None):
        raise DomainError(_("This shipment is addressed to another unit; only the receiving unit confirms it."))
    if line.status != "in_transit":
        raise DomainError(_("This shipment has already been confirmed."))
    day = check_date(line.unit, confirm_date or today())
    if day < line.allocation.allocation_date:
        raise DomainError(_("A shipment cannot arrive before it was sent (%(date)s).",
                            date=thai_date(line.allocation.allocation_date)))
    received = parse_quantity(confirmed_quantity, _("the quantity received"), allow_zero=True)
    if received > line.quantity_sent:
        raise DomainError(_("More than the %(sent)s pieces sent cannot be confirmed; record the extra as a "
                            "receipt.", sent=format_number(line.quantity_sent)))
    reason = _text(reason, _("the reason for the difference"), required=received != line.quantity_sent, limit=500)
    line.status = "confirmed"
    line.confirmed_quantity = received
    line.discrepancy = line.quantity_sent - received
    line.discrepancy_reason = reason
    line.confirmed_by_id = getattr(actor, "id", None)
    line.confirmed_on = datetime.datetime.utcnow()
    line.confirm_date = day
    if received:
        post(session, unit=line.unit, item_id=line.allocation.item_id, quantity=received,
             kind="allocation_in", document_type="allocation_line", document_id=line.id, actor=actor,
             entry_date=day)
    rollup.add(session, line.unit, line.allocation.item_id, day, confirmed_in=received,
               transfer_discrepancy=line.discrepancy, in_transit_change=-line.quantity_sent)
    rollup.mark_reported(session, line.unit, day, "confirmation", actor)
    session.flush()
    record(session, actor, "confirm", "allocation_line", line.id, line.unit_id, before={"status": "in_transit"},
           after={"status": "confirmed", "sent": line.quantity_sent, "received": received,
                  "discrepancy": line.discrepancy, "reason": reason})
    return line


# ---------------------------------------------------------------- distribution

def distribute(session: Session, actor, *, unit: Unit, item: Optional[Item] = None, distribution_date,
               lines: Iterable[tuple], form_token: Optional[str] = None) -> Distribution:
    """`lines` are (risk group, pieces, people reached); empty rows are skipped."""
    check_unit(actor, unit)
    item = resolve_item(session, item)
    day = check_date(unit, distribution_date)
    parsed, seen = [], set()
    for group, raw_pieces, raw_people in lines:
        if str(raw_pieces or "").strip() == "" and str(raw_people or "").strip() == "":
            continue
        if group is None or not group.active:
            raise DomainError(_("Please choose an active risk group."))
        if group.id in seen:
            raise DomainError(_("The risk group %(name)s appears twice.", name=group.name_th))
        seen.add(group.id)
        pieces = parse_quantity(raw_pieces, _("the pieces for %(name)s", name=group.name_th))
        people = parse_quantity(raw_people, _("the people reached in %(name)s", name=group.name_th))
        if people > pieces:
            raise DomainError(_("%(name)s: more people (%(people)s) than pieces (%(pieces)s).", name=group.name_th,
                                people=format_number(people), pieces=format_number(pieces)))
        parsed.append((group, pieces, people))
    if not parsed:
        raise DomainError(_("Please enter the pieces and people reached for at least one risk group."))
    distribution, created = insert_document(
        session, Distribution, form_token,
        lines=[{"risk_group_id": g.id, "quantity": p, "people_reached": n} for g, p, n in parsed],
        unit_id=unit.id, item_id=item.id, distribution_date=day, created_by_id=getattr(actor, "id", None))
    if not created:
        return distribution
    total = sum(p for _g, p, _n in parsed)
    post(session, unit=unit, item_id=item.id, quantity=-total, kind="distribution",
         document_type="distribution", document_id=distribution.id, actor=actor, entry_date=day)
    rollup.add(session, unit, item.id, day, distributed=total, people_reached=sum(n for _g, _p, n in parsed))
    for group, pieces, people in parsed:
        rollup.add_risk_group(session, unit, item.id, day, group.id, pieces, people)
    rollup.mark_reported(session, unit, day, "distribution", actor)
    record(session, actor, "create", "distribution", distribution.id, unit.id,
           after={"total": total, "lines": [[g.code, p, n] for g, p, n in parsed], "date": day})
    return distribution


def reverse_distribution(session: Session, actor, distribution: Distribution, *, reason) -> Distribution:
    """A distribution recorded by mistake: its pieces come back with a reversing line."""
    check_unit(actor, distribution.unit)
    session.refresh(distribution, with_for_update=True)  # a concurrent second reversal waits, then sees it
    if distribution.reversed:
        raise DomainError(_("This distribution has already been reversed."))
    reason = _text(reason, _("the reason"), limit=500)
    total = sum(line.quantity for line in distribution.lines)
    day = today()
    post(session, unit=distribution.unit, item_id=distribution.item_id, quantity=total, kind="reversal",
         document_type="distribution", document_id=distribution.id, actor=actor, entry_date=day)
    rollup.add(session, distribution.unit, distribution.item_id, day, distributed=-total,
               people_reached=-sum(line.people_reached for line in distribution.lines))
    for line in distribution.lines:
        rollup.add_risk_group(session, distribution.unit, distribution.item_id, day, line.risk_group_id,
                              -line.quantity, -line.people_reached)
    distribution.reversed = True
    record(session, actor, "reverse", "distribution", distribution.id, distribution.unit_id,
           before={"reversed": False}, after={"reversed": True, "returned": total, "reason": reason})
    return distribution


# ---------------------------------------------------------------- adjustment

def adjust(session: Session, actor, *, unit: Unit, item: Optional[Item] = None, adjustment_date, kind, quantity,
           reason, form_token: Optional[str] = None) -> Adjustment:
    """Loss, damage and expiry take stock out (enter the pieces as a positive
    number); a correction may go either way (negative to take out)."""
    check_unit(actor, unit)
    item = resolve_item(session, item)
    day = check_date(unit, adjustment_date)
    if kind not in ADJUSTMENT_KINDS:
        raise DomainError(_("Please choose the kind of adjustment."))
    amount = parse_quantity(quantity, _("the quantity"), allow_negative=kind == "correction")
    signed = amount if kind == "correction" else -amount
    reason = _text(reason, _("the reason"), limit=500)
    adjustment, created = insert_document(
        session, Adjustment, form_token, unit_id=unit.id, item_id=item.id, adjustment_date=day, kind=kind,
        quantity=signed, reason=reason, created_by_id=getattr(actor, "id", None))
    if not created:
        return adjustment
    after = post(session, unit=unit, item_id=item.id, quantity=signed, kind="adjustment",
                 document_type="adjustment", document_id=adjustment.id, actor=actor, entry_date=day)
    rollup.add(session, unit, item.id, day, adjusted=signed)
    rollup.mark_reported(session, unit, day, "adjustment", actor)
    record(session, actor, "adjust", "adjustment", adjustment.id, unit.id, before={"balance": after - signed},
           after={"balance": after, "kind": kind, "quantity": signed, "reason": reason})
    return adjustment
