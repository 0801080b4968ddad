"""Allocating stock to units below (one dispatch sheet, a row per receiving
unit) and the receiving unit confirming what arrived. Stock leaves the
sender at once and is in transit until the receiver itself confirms it."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Optional

# lazy: a DomainError says itself in Thai and, for the API, in English (app/errors.py)
from flask_babel import lazy_gettext as _
from sqlalchemy import select

from app import scoping
from app.commands.base import (Command, DocumentCommand, DocumentInput, about_field, check_date, check_unit,
                               clean_text, item_id_of)
from app.db.audit import record
from app.db.ids import is_stored_id
from app.db.documents import as_stored, check_form_token, insert_document
from app.errors import DomainError, OutOfScope
from app.models.ledger import Allocation, AllocationLine
from app.models.unit import Unit
from app.rollups.contributions import (ALLOCATION_RECALLED, ALLOCATION_SENT, SHIPMENT_CONFIRMED, SHIPMENT_DISPATCHED,
                                      SHIPMENT_RECALLED)
from app.rollups.pending import contribute, mark_reported
from app.stock import post
from app.thai import format_number, parse_quantity, thai_date, today


@dataclass(kw_only=True)
class AllocationInput(DocumentInput):  # unit_id is the sender
    document_no: object
    shares: list = field(default_factory=list)  # (receiving unit id, quantity as typed); blank quantities skipped


class Allocate(DocumentCommand):
    data: AllocationInput

    def validate(self) -> None:
        data = self.data
        self.check_unit_item_day()
        with about_field("document_no"):
            self.document_no = clean_text(data.document_no, _("the dispatch document number"), limit=64)
        wanted = [(row, unit_id, raw) for row, (unit_id, raw) in enumerate(data.shares) if str(raw or "").strip()]
        # One query for the units named on the sheet (ids a 32-bit column cannot hold match nothing).
        receivers = {unit.id: unit for unit in self.session.execute(select(Unit).where(
            Unit.id.in_([i for _row, i, _raw in wanted if is_stored_id(i)]))).scalars()}
        self.shares, seen = [], set()
        for row, unit_id, raw in wanted:
            receiver = receivers.get(unit_id)
            if receiver is None or receiver.id == self.unit.id or \
                    not scoping.path_in_subtree(receiver.path, self.unit.path):
                # A unit outside the actor's area is named like one that does not exist: ids cannot be probed.
                name = receiver.name_th if scoping.unit_in_scope(self.actor, receiver) else "?"
                raise DomainError(_("%(name)s is not a unit below %(sender)s.", name=name, sender=self.unit.name_th),
                                  field=f"shares.{row}.unit_id")
            if not receiver.active:
                raise DomainError(_("The unit %(name)s is inactive.", name=receiver.name_th),
                                  field=f"shares.{row}.unit_id")
            if receiver.id in seen:
                raise DomainError(_("%(name)s appears twice on the sheet.", name=receiver.name_th),
                                  field=f"shares.{row}.unit_id")
            seen.add(receiver.id)
            with about_field(f"shares.{row}.quantity"):
                self.shares.append((receiver, parse_quantity(raw, _("the quantity for %(name)s",
                                                                    name=receiver.name_th))))
        if not self.shares:
            raise DomainError(_("Please enter a quantity for at least one receiving unit."), field="shares")

    def run(self) -> Allocation:
        self.validate()
        allocation, created = insert_document(
            self.session, Allocation, self.data.form_token,
            lines=[{"unit_id": receiver.id, "quantity_sent": quantity} for receiver, quantity in self.shares],
            unit_id=self.unit.id, item_id=self.item.id, allocation_date=self.day, document_no=self.document_no,
            created_by_id=self.actor_id)
        if not created:
            return allocation
        total = sum(quantity for _receiver, quantity in self.shares)
        post(self.session, unit=self.unit, item_id=self.item.id, quantity=-total, kind="allocation_out",
             document_type="allocation", document_id=allocation.id, actor=self.actor, entry_date=self.day)
        receivers = {receiver.id: receiver for receiver, _quantity in self.shares}
        for line in allocation.lines:
            contribute(self.session, ALLOCATION_SENT, self.unit, self.item.id, self.day, line)
            contribute(self.session, SHIPMENT_DISPATCHED, receivers[line.unit_id], self.item.id, self.day, line)
        mark_reported(self.session, self.unit, self.day, "allocation", self.actor)
        record(self.session, self.actor, "create", "allocation", allocation.id, self.unit.id,
               after={"document_no": self.document_no, "total": total,
                      "shares": [[receiver.code, quantity] for receiver, quantity in self.shares]})
        return allocation


@dataclass
class ConfirmationInput:
    line_id: int
    received: object  # the quantity that arrived, as typed
    reason: object = None  # required when it differs from what was sent
    confirm_date: object = None  # blank means today
    unit_id: Optional[int] = None  # the unit whose page it was sent from, when there is one
    form_token: Optional[str] = None  # the form's one-time token: sent again, the confirmation is not repeated


class ConfirmShipment(Command):
    """The receiving unit confirms what arrived; only its own users may."""

    data: ConfirmationInput

    def validate(self) -> None:
        data = self.data
        line = self.session.get(AllocationLine, data.line_id) if is_stored_id(data.line_id) else None
        if line is None or (data.unit_id is not None and line.unit_id != data.unit_id) \
                or not scoping.is_own_unit(self.actor, line.unit_id):
            raise DomainError(_("This shipment is addressed to another unit; only the receiving unit confirms it."),
                              code="not_the_receiving_unit")
        # Two phones tapping "confirm" at once: the row lock makes the second wait
        # for the first and then read "confirmed" (without it, both entered stock).
        self.session.refresh(line, with_for_update=True)
        as_stored(line.unit)
        self.token = check_form_token(data.form_token)
        self.replayed = self.token is not None and line.confirm_token == self.token
        if self.replayed:  # this very form was confirmed before: done, nothing to repeat
            self.line = line
            return
        refuse_unless_in_transit(line)
        with about_field("date"):
            self.day = check_date(line.unit, data.confirm_date or today())
        if self.day < line.allocation.allocation_date:
            raise DomainError(_("A shipment cannot arrive before it was sent (%(date)s).",
                                date=thai_date(line.allocation.allocation_date)))
        with about_field("received"):
            self.received = parse_quantity(data.received, _("the quantity received"), allow_zero=True)
        if self.received > line.quantity_sent:
            raise DomainError(_("More than the %(sent)s pieces sent cannot be confirmed; record the extra as a "
                                "receipt.", sent=format_number(line.quantity_sent)), field="received")
        with about_field("reason"):
            self.reason = clean_text(data.reason, _("the reason for the difference"),
                                     required=self.received != line.quantity_sent, limit=500)
        self.line = line

    def run(self) -> AllocationLine:
        self.validate()
        if self.replayed:
            return self.line
        line, received, day = self.line, self.received, self.day
        line.status = "confirmed"
        line.confirm_token = self.token
        line.confirmed_quantity = received
        line.discrepancy = line.quantity_sent - received
        line.discrepancy_reason = self.reason
        line.confirmed_by_id = self.actor_id
        line.confirmed_on = datetime.datetime.utcnow()
        line.confirm_date = day
        item_id = line.allocation.item_id
        if received:
            post(self.session, unit=line.unit, item_id=item_id, quantity=received, kind="allocation_in",
                 document_type="allocation_line", document_id=line.id, actor=self.actor, entry_date=day)
        contribute(self.session, SHIPMENT_CONFIRMED, line.unit, item_id, day, line)
        mark_reported(self.session, line.unit, day, "confirmation", self.actor)
        self.session.flush()
        record(self.session, self.actor, "confirm", "allocation_line", line.id, line.unit_id,
               before={"status": "in_transit"},
               after={"status": "confirmed", "sent": line.quantity_sent, "received": received,
                      "discrepancy": line.discrepancy, "reason": self.reason})
        return line


def refuse_unless_in_transit(line: AllocationLine) -> None:
    """Confirming and recalling both need the shipment still on its way (the
    caller holds the line's row lock, so the two cannot both pass)."""
    if line.status == "recalled":
        raise DomainError(_("This shipment was recalled by its sender on %(date)s.", date=thai_date(line.recall_date)))
    if line.status != "in_transit":
        raise DomainError(_("This shipment has already been confirmed."))


@dataclass
class RecallInput:
    line_id: int
    reason: object
    unit_id: Optional[int] = None  # the sender whose page it was sent from, when there is one


class RecallShipment(Command):
    """The sender takes back a shipment its receiver has not confirmed yet (sent
    to the wrong unit, or the wrong quantity): the pieces come back to the
    sender's stock today, the shipment is no longer in transit, and the
    receiver can no longer confirm it. A confirmed shipment is corrected by
    the receiver's own documents (an allocation back up, or an adjustment)."""

    data: RecallInput

    def validate(self) -> None:
        data = self.data
        line = self.session.get(AllocationLine, data.line_id) if is_stored_id(data.line_id) else None
        if line is None or (data.unit_id is not None and line.allocation.unit_id != data.unit_id):
            raise OutOfScope(_("This shipment was not sent by this unit."))
        self.sender = check_unit(self.session, self.actor, line.allocation.unit_id)
        # The receiver confirming at the same moment: the row lock makes one of the two wait and then refuse.
        self.session.refresh(line, with_for_update=True)
        refuse_unless_in_transit(line)
        with about_field("reason"):
            self.reason = clean_text(data.reason, _("the reason for the recall"), limit=500)
        self.line = line

    def run(self) -> AllocationLine:
        self.validate()
        line, day, sender = self.line, today(), self.sender
        item_id = line.allocation.item_id
        line.status = "recalled"
        line.recall_date = day
        line.recall_reason = self.reason
        line.recalled_by_id = self.actor_id
        line.recalled_on = datetime.datetime.utcnow()
        post(self.session, unit=sender, item_id=item_id, quantity=line.quantity_sent, kind="recall",
             document_type="allocation_line", document_id=line.id, actor=self.actor, entry_date=day)
        contribute(self.session, ALLOCATION_RECALLED, sender, item_id, day, line)
        contribute(self.session, SHIPMENT_RECALLED, as_stored(line.unit), item_id, day, line)
        self.session.flush()
        record(self.session, self.actor, "recall", "allocation_line", line.id, sender.id,
               before={"status": "in_transit"},
               after={"status": "recalled", "sent": line.quantity_sent, "receiver": line.unit.code,
                      "document_no": line.allocation.document_no, "reason": self.reason})
        return line


def allocate(session, actor, *, unit, item=None, allocation_date=None, document_no, shares,
             form_token=None) -> Allocation:
    """Keyword form for scripts, tests and dev data: `shares` are (receiving
    unit, quantity) pairs; the same Allocate.run()."""
    return Allocate(session, actor, AllocationInput(
        unit_id=unit.id, item_id=item_id_of(item), date=allocation_date, document_no=document_no,
        shares=[(getattr(receiver, "id", -1), quantity) for receiver, quantity in shares],
        form_token=form_token)).run()


def confirm_receipt(session, actor, line: AllocationLine, *, confirmed_quantity, reason=None,
                    confirm_date=None) -> AllocationLine:
    """Keyword form: the same ConfirmShipment.run()."""
    return ConfirmShipment(session, actor, ConfirmationInput(
        line_id=line.id, received=confirmed_quantity, reason=reason, confirm_date=confirm_date)).run()


def recall_shipment(session, actor, line: AllocationLine, *, reason) -> AllocationLine:
    """Keyword form: the same RecallShipment.run()."""
    return RecallShipment(session, actor, RecallInput(line_id=line.id, reason=reason)).run()
