"""The writes of a Google Form reconciliation (app/reconcile/): remember a
province's column mapping and the units people picked for typed names, keep
an uploaded export, and create MaskLog documents for rows found only in the
form — never for rows that differ (a person decides those).

What a form row can become: a receipt (its "received" figure) and a
distribution (its pieces and people per risk group). Counts need the
committee's signatures and allocations their receivers, which a form row
does not carry: those figures are shown, not created. Each document is
made through the same command as the today page's form, with a one-time
token made of the upload and the row, so importing twice creates nothing
twice; each row is audited as imported from the form, with the file's name
and the row's number."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Optional

from flask_babel import lazy_gettext as _
from sqlalchemy import select

from app import scoping
from app.commands.base import Command
from app.commands.distribution import Distribute, DistributionInput
from app.commands.receipt import ReceiptInput, RecordReceipt
from app.db.audit import record
from app.errors import DomainError, OutOfScope
from app.models.form_import import FormMapping, FormUnitChoice, FormUpload
from app.models.unit import Unit
from app.queries.reference import active_risk_groups
from app.reconcile.form_file import read_form_file
from app.reconcile.mapping import check_is_a_form
from app.thai import thai_date

SOURCE = "Google Form"
MAX_FILENAME = 255


def load_province(session, actor, province_id) -> Unit:
    """A province of the actor's area (a province administrator: their own;
    the central administrator: any)."""
    if province_id is None:  # the centre's administrator left the list unchosen
        raise DomainError(_("Choose the province of the file."))
    province = scoping.get_in_scope(session, Unit, province_id, actor)
    if province is None or province.level != "province":
        raise OutOfScope(_("This province is outside the area you manage."))
    return province


def load_upload(session, actor, upload_id) -> FormUpload:
    upload = session.get(FormUpload, upload_id) if isinstance(upload_id, int) else None
    if upload is None:
        raise DomainError(_("This upload no longer exists; upload the file again."), code="not_found")
    load_province(session, actor, upload.province_id)
    return upload


@dataclass
class UploadInput:
    province_id: int
    filename: str
    data: bytes


class KeepUpload(Command):
    """Store a form's response export: refused (in Thai, nothing kept) when it
    does not read as a table (form_file.read_form_file) or cannot be the
    responses of a reporting form (mapping.check_is_a_form)."""

    data: UploadInput

    def run(self) -> FormUpload:
        province = load_province(self.session, self.actor, self.data.province_id)
        check_is_a_form(read_form_file(self.data.filename, self.data.data), active_risk_groups(self.session))
        upload = FormUpload(province_id=province.id, filename=(self.data.filename or "form.csv")[:MAX_FILENAME],
                            data=self.data.data, uploaded_by_id=self.actor_id)
        self.session.add(upload)
        self.session.flush()
        record(self.session, self.actor, "upload_form_export", "form_upload", upload.id, province.id,
               after={"file": upload.filename, "bytes": len(self.data.data)})
        return upload


class RememberMapping(Command):
    """data: (province id, {role: header}) as app/reconcile/mapping.check_mapping gave it."""

    def run(self) -> None:
        province_id, mapping = self.data
        province = load_province(self.session, self.actor, province_id)
        row = self.session.get(FormMapping, province.id)
        before = json.loads(row.mapping) if row is not None else None
        if row is None:
            row = FormMapping(province_id=province.id)
            self.session.add(row)
        row.mapping, row.changed_by_id = json.dumps(mapping, ensure_ascii=False, sort_keys=True), self.actor_id
        if before != mapping:
            record(self.session, self.actor, "set_form_mapping", "form_mapping", province.id, province.id,
                   before=before, after=mapping)


class RememberUnitChoices(Command):
    """data: (province id, {typed key: unit id}); each unit must be an active
    unit of that province."""

    def run(self) -> int:
        province_id, choices = self.data
        province = load_province(self.session, self.actor, province_id)
        saved = 0
        for typed, unit_id in choices.items():
            unit = scoping.get_in_scope(self.session, Unit, unit_id, self.actor)
            if unit is None or not unit.active or not scoping.path_in_subtree(unit.path, province.path):
                raise OutOfScope(_("Choose a unit of %(province)s.", province=province.name_th))
            row = self.session.get(FormUnitChoice, (province.id, typed[:255]))
            if row is None:
                row = FormUnitChoice(province_id=province.id, typed=typed[:255], unit_id=unit.id)
                self.session.add(row)
            row.unit_id, row.chosen_by_id = unit.id, self.actor_id
            record(self.session, self.actor, "choose_form_unit", "form_unit_choice", unit.id, unit.id,
                   after={"typed": typed, "unit": unit.code})
            saved += 1
        return saved


def remembered_mapping(session, province_id) -> Optional[dict]:
    row = session.get(FormMapping, province_id)
    return json.loads(row.mapping) if row is not None else None


def remembered_choices(session, province_id) -> dict:
    return dict(session.execute(select(FormUnitChoice.typed, FormUnitChoice.unit_id)
                                .where(FormUnitChoice.province_id == province_id)).all())


@dataclass
class RowImport:
    upload: FormUpload
    line: object  # app/reconcile/reconciliation.Line, status only_form
    item_id: int


class ImportFormRow(Command):
    """The documents of one row found only in the form: a receipt for its
    "received" figure, a distribution for its risk-group figures. Returns
    the documents' descriptions; refused (DomainError) when the row gives
    nothing MaskLog can create, or a command refuses it (e.g. not enough
    stock, a date too far back)."""

    data: RowImport

    def run(self) -> list:
        from app.reconcile.reconciliation import ONLY_FORM

        upload, line, item_id = self.data.upload, self.data.line, self.data.item_id
        if line.status != ONLY_FORM:  # rows that differ are for a person to settle, never imported
            raise DomainError(_("Only rows found in the form alone can be imported."))
        entry, day = line.form, line.day.isoformat()
        token = f"gform-{upload.id}-{entry.row}"
        made = []
        received = entry.figures.get("received")
        if received:
            receipt = RecordReceipt(self.session, self.actor, ReceiptInput(
                unit_id=line.unit.id, item_id=item_id, date=day, source=SOURCE,
                reference_no=_("%(file)s, row %(row)s", file=upload.filename[:150], row=entry.row),
                quantity_sent=received, form_token=f"{token}-r")).run()
            made.append({"receipt": receipt.id})
        codes = {code: group_id for group_id, code, _name in active_risk_groups(self.session)}
        lines = [(codes[code], entry.figures.get(f"pieces-{code}"), entry.figures.get(f"people-{code}"))
                 for code in codes if entry.figures.get(f"pieces-{code}")]
        if lines:
            distribution = Distribute(self.session, self.actor, DistributionInput(
                unit_id=line.unit.id, item_id=item_id, date=day, lines=lines, form_token=f"{token}-d")).run()
            made.append({"distribution": distribution.id})
        if not made:
            raise DomainError(_("This row has no receipt or distribution per risk group to create (counts and "
                                "allocations are recorded by their own forms)."))
        record(self.session, self.actor, "import_form_row", "form_upload", upload.id, line.unit.id,
               after={"file": upload.filename, "row": entry.row, "date": thai_date(line.day), "documents": made})
        return made
