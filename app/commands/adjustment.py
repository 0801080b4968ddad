"""Adjustments: loss, damage and expiry take stock out; a correction may go
either way. Every correction of the books is an adjustment with a reason,
never an edit."""
from __future__ import annotations

from dataclasses import dataclass

# lazy: a DomainError says itself in Thai and, for the API, in English (app/errors.py)
from flask_babel import lazy_gettext as _

from app.commands.base import DocumentCommand, DocumentInput, about_field, clean_text, item_id_of
from app.db.audit import record
from app.db.documents import insert_document
from app.errors import DomainError
from app.models.ledger import Adjustment
from app.rollups.contributions import ADJUSTED
from app.rollups.pending import contribute, mark_reported
from app.stock import post
from app.thai import parse_quantity

ADJUSTMENT_KINDS = ("loss", "damage", "expiry", "correction")


@dataclass(kw_only=True)
class AdjustmentInput(DocumentInput):
    kind: object  # one of ADJUSTMENT_KINDS
    quantity: object  # pieces as typed: positive; a correction may be negative (taken out)
    reason: object


class Adjust(DocumentCommand):
    data: AdjustmentInput

    def validate(self) -> None:
        data = self.data
        self.check_unit_item_day()
        if data.kind not in ADJUSTMENT_KINDS:
            raise DomainError(_("Please choose the kind of adjustment."), field="kind")
        with about_field("quantity"):
            amount = parse_quantity(data.quantity, _("the quantity"), allow_negative=data.kind == "correction")
        self.signed = amount if data.kind == "correction" else -amount
        with about_field("reason"):
            self.reason = clean_text(data.reason, _("the reason"), limit=500)

    def run(self) -> Adjustment:
        self.validate()
        adjustment, created = insert_document(
            self.session, Adjustment, self.data.form_token, unit_id=self.unit.id, item_id=self.item.id,
            adjustment_date=self.day, kind=self.data.kind, quantity=self.signed, reason=self.reason,
            created_by_id=self.actor_id)
        if not created:
            return adjustment
        after = post(self.session, unit=self.unit, item_id=self.item.id, quantity=self.signed, kind="adjustment",
                     document_type="adjustment", document_id=adjustment.id, actor=self.actor, entry_date=self.day)
        contribute(self.session, ADJUSTED, self.unit, self.item.id, self.day, adjustment)
        mark_reported(self.session, self.unit, self.day, "adjustment", self.actor)
        record(self.session, self.actor, "adjust", "adjustment", adjustment.id, self.unit.id,
               before={"balance": after - self.signed},
               after={"balance": after, "kind": self.data.kind, "quantity": self.signed, "reason": self.reason})
        return adjustment


def adjust(session, actor, *, unit, item=None, adjustment_date=None, kind, quantity, reason,
           form_token=None) -> Adjustment:
    """Keyword form for scripts, tests and dev data: the same Adjust.run()."""
    return Adjust(session, actor, AdjustmentInput(
        unit_id=unit.id, item_id=item_id_of(item), date=adjustment_date, kind=kind, quantity=quantity,
        reason=reason, form_token=form_token)).run()
