"""Recording a receipt: stock arriving from outside the tree (a purchase, the
ministry). It enters stock only when the counting committee signs the day's
count (app/commands/count.py)."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from app.commands.base import DocumentCommand, DocumentInput, about_field, clean_text, item_id_of
from app.db.audit import record
from app.db.documents import insert_document
from app.models.ledger import Receipt
from app.rollups.contributions import RECEIPT_RECORDED
from app.rollups.pending import contribute, mark_reported
from app.thai import parse_quantity


@dataclass(kw_only=True)
class ReceiptInput(DocumentInput):
    source: object
    reference_no: object
    quantity_sent: object  # as typed: Thai or Arabic digits, thousands separators


class RecordReceipt(DocumentCommand):
    data: ReceiptInput

    def validate(self) -> None:
        data = self.data
        self.check_unit_item_day()
        self.values = {
            "unit_id": self.unit.id, "item_id": self.item.id, "receipt_date": self.day,
            "created_by_id": self.actor_id}
        with about_field("source"):
            self.values["source"] = clean_text(data.source, _l("the source"))
        with about_field("reference_no"):
            self.values["reference_no"] = clean_text(data.reference_no, _l("the reference document number"), limit=64)
        with about_field("quantity_sent"):
            self.values["quantity_sent"] = parse_quantity(data.quantity_sent, _l("the quantity sent"))

    def run(self) -> Receipt:
        self.validate()
        receipt, created = insert_document(self.session, Receipt, self.data.form_token, **self.values)
        if created:
            mark_reported(self.session, self.unit, receipt.receipt_date, "receipt", self.actor)
            contribute(self.session, RECEIPT_RECORDED, self.unit, receipt.item_id, receipt.receipt_date, receipt)
            record(self.session, self.actor, "create", "receipt", receipt.id, self.unit.id,
                   after={"quantity_sent": receipt.quantity_sent, "source": receipt.source,
                          "reference_no": receipt.reference_no, "date": receipt.receipt_date})
        return receipt


def record_receipt(session, actor, *, unit, item=None, receipt_date=None, source, reference_no, quantity_sent,
                   form_token=None) -> Receipt:
    """Keyword form for scripts, tests and dev data: the same RecordReceipt.run()."""
    return RecordReceipt(session, actor, ReceiptInput(
        unit_id=unit.id, item_id=item_id_of(item), date=receipt_date, source=source,
        reference_no=reference_no, quantity_sent=quantity_sent, form_token=form_token)).run()
