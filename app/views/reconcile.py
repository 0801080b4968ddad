"""Google Form reconciliation (เทียบข้อมูลกับ Google Form): a province
administrator (or the central one, for any province) uploads the form's
response export, chooses its columns once, picks the units the matcher could
not tell from the typed names once, and reads per unit and day what is the
same, what differs and what is in one place only; exports it; creates
documents for rows found only in the form. The reading and comparing is
app/reconcile/, the writes app/commands/form_import.py."""
from __future__ import annotations

import datetime
import os
from urllib.parse import urlencode

from flask import abort, flash, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import Form

from app.commands.form_import import (ImportFormRow, KeepUpload, RememberMapping, RememberUnitChoices, RowImport,
                                      UploadInput, load_upload, remembered_choices, remembered_mapping)
from app.db.transaction import transaction
from app.errors import DomainError
from app.extensions import db
from app.fab.datamodel import current_actor
from app.fab.unit_picker import UnitPickerField
from app.labels import level_label
from app.models.form_import import FormUpload
from app.models.unit import Unit
from app.permissions import FORM_RECONCILE_VIEW, RECONCILE
from app import scoping
from app.queries.reference import active_items, active_risk_groups
from app.reconcile import report
from app.reconcile.form_file import read_form_file
from app.reconcile.mapping import check_mapping, guess_mapping, roles
from app.reconcile.reconciliation import DIFFERENT, ONLY_FORM, STATUSES

# Lines a page shows; the xlsx carries all of them.
SHOWN_LINES = 500
RECENT_UPLOADS = 20
# Names to pick a unit for that a page lists (the most used first); the next page load shows the rest.
SHOWN_UNPLACED = 100


def _provinces(actor) -> list:
    """The provinces the actor may reconcile: their own, or every one for the centre."""
    return db.session.execute(select(Unit).where(Unit.level == "province", Unit.active.is_(True),
                                                 scoping.unit_scope_clause(actor)).order_by(Unit.code)).scalars().all()


def _unit_pickers(count: int, province_id: int) -> Form:
    """A unit picker per name to pick ("other-1" ...), searching the
    province's units only: any unit of it can be chosen, not only the
    matcher's candidates. The posted id is checked by RememberUnitChoices."""
    fields = {f"other-{index}": UnitPickerField(_l("Another unit of the province"), allow_blank=True,
                                                 within=province_id) for index in range(1, count + 1)}
    return type("UnitPicks", (Form,), fields)()


def _posted_choices(form) -> dict:
    """{typed key: unit id} of the names picked: the unit searched for
    ("other-N") over the candidate chosen in the list ("pick-N")."""
    choices = {}
    for name, typed in form.items():
        if not name.startswith("typed-") or not typed:
            continue
        index = name[len("typed-"):]
        value = (form.get(f"other-{index}") or "").strip() or (form.get(f"pick-{index}") or "").strip()
        if value.isdigit() and len(value) <= 10:
            choices[typed] = int(value)
    return choices


def _chosen_item() -> int:
    items = active_items(db.session)
    wanted = request.values.get("item", type=int)
    return wanted if wanted in {item[0] for item in items} else items[0][0]


class FormReconcileView(BaseView):
    route_base = "/reconcile"
    default_view = "index"
    class_permission_name = FORM_RECONCILE_VIEW
    method_permission_name = {name: RECONCILE for name in ("index", "columns", "result", "units", "xlsx",
                                                           "import_rows")}

    # ------------------------------------------------------------ upload
    @expose("/", methods=["GET", "POST"])
    @has_access
    def index(self):
        actor = current_actor()
        provinces = _provinces(actor)
        if request.method == "POST":
            upload = request.files.get("file")
            try:
                if upload is None or not upload.filename:
                    raise DomainError(_("Please choose a file."))
                province_id = request.form.get("province", type=int) or (provinces[0].id if len(provinces) == 1
                                                                           else None)
                with transaction():
                    kept = KeepUpload(db.session, actor, UploadInput(province_id, upload.filename, upload.read())).run()
            except DomainError as error:
                flash(str(error), "danger")
                return self._upload_page(provinces), 422
            return redirect(url_for(".result", upload_id=kept.id, item=_chosen_item()))
        return self._upload_page(provinces)

    def _upload_page(self, provinces):
        in_area = [province.id for province in provinces]
        uploads = db.session.execute(
            select(FormUpload, Unit.name_th).join(Unit, Unit.id == FormUpload.province_id)
            .where(FormUpload.province_id.in_(in_area)).order_by(FormUpload.id.desc()).limit(RECENT_UPLOADS)).all()
        return self.render_template("reconcile_upload.html", provinces=provinces, uploads=uploads,
                                    items=active_items(db.session), item_id=_chosen_item())

    def _upload(self, upload_id) -> FormUpload:
        try:
            return load_upload(db.session, current_actor(), upload_id)
        except DomainError:
            abort(404)  # outside the area reads exactly as "does not exist"

    # ------------------------------------------------------------ columns
    @expose("/<int:upload_id>/columns", methods=["GET", "POST"])
    @has_access
    def columns(self, upload_id):
        upload = self._upload(upload_id)
        table = read_form_file(upload.filename, upload.data)
        groups = active_risk_groups(db.session)
        remembered = remembered_mapping(db.session, upload.province_id)
        chosen = guess_mapping(table.headers, groups, remembered)
        # The province's columns of last time that this file lacks: said on the page, not guessed around.
        missing = [header for header in (remembered or {}).values() if header not in table.headers]
        errors = {}
        if request.method == "POST":
            posted = {role.name: request.form.get(f"role-{role.name}", "") for role in roles(groups)}
            try:
                mapping = check_mapping(posted, table.headers, groups)
                with transaction():
                    RememberMapping(db.session, current_actor(), (upload.province_id, mapping)).run()
            except DomainError as error:
                errors = getattr(error, "errors", {})
                chosen = {role: header for role, header in posted.items() if header}
                flash(str(error), "danger")
            else:
                flash(_("Columns saved: the next file of this province uses them too."), "success")
                return redirect(url_for(".result", upload_id=upload.id, item=_chosen_item()))
        return self.render_template("reconcile_columns.html", upload=upload, table=table, roles=roles(groups),
                                    chosen=chosen, errors=errors, preview=table.rows[:3], item_id=_chosen_item(),
                                    missing=", ".join(f"“{header}”" for header in missing))

    # ------------------------------------------------------------ the result
    def _reconciled(self, upload):
        """The upload reconciled with the province's remembered columns and
        choices (the file read once), or None when its columns must be chosen first."""
        table = read_form_file(upload.filename, upload.data)
        mapping = report.fitting_mapping(remembered_mapping(db.session, upload.province_id), table)
        if mapping is None:
            return None
        return report.run(db.session, upload, mapping, _chosen_item(),
                          remembered_choices(db.session, upload.province_id), table=table)

    @staticmethod
    def _filtered(result):
        district = request.args.get("district", "")
        status = request.args.get("status", "")
        differences_only = request.args.get("differences") == "1"
        lines = result.lines
        if district:
            lines = [line for line in lines if line.unit.district == district]
        if status in STATUSES:
            lines = [line for line in lines if line.status == status]
        if differences_only:
            lines = [line for line in lines if line.status != "equal"]
        return lines

    @expose("/<int:upload_id>")
    @has_access
    def result(self, upload_id):
        upload = self._upload(upload_id)
        result = self._reconciled(upload)
        if result is None:
            return redirect(url_for(".columns", upload_id=upload.id, item=_chosen_item()))
        lines = self._filtered(result)
        groups = active_risk_groups(db.session)
        query = {key: value for key, value in request.args.items() if key in ("district", "status", "differences",
                                                                               "item")}
        return self.render_template(
            "reconcile_result.html", upload=upload, province=db.session.get(Unit, upload.province_id),
            result=result, lines=lines[:SHOWN_LINES], total_lines=len(lines), statuses=report.status_labels(),
            role_labels=report.role_labels(groups), districts=sorted({line.unit.district for line in result.lines}),
            counts={status: result.count(status) for status in STATUSES}, query=query, item_id=_chosen_item(),
            items=active_items(db.session), level_label=level_label, importable=result.count(ONLY_FORM),
            unplaced=result.unplaced[:SHOWN_UNPLACED],
            pickers=_unit_pickers(min(len(result.unplaced), SHOWN_UNPLACED), upload.province_id),
            export_url=url_for(".xlsx", upload_id=upload.id) + "?" + urlencode(query), DIFFERENT=DIFFERENT)

    @expose("/<int:upload_id>/units", methods=["POST"])
    @has_access
    def units(self, upload_id):
        upload = self._upload(upload_id)
        choices = _posted_choices(request.form)
        try:
            with transaction():
                saved = RememberUnitChoices(db.session, current_actor(), (upload.province_id, choices)).run()
        except DomainError as error:
            flash(str(error), "danger")
        else:
            flash(_("Saved %(n)s choices: the next file of this province uses them too.", n=saved) if saved
                  else _("Nothing was chosen."), "success" if saved else "info")
        return redirect(url_for(".result", upload_id=upload.id, item=_chosen_item()))

    @expose("/<int:upload_id>/reconciliation.xlsx")
    @has_access
    def xlsx(self, upload_id):
        upload = self._upload(upload_id)
        result = self._reconciled(upload)
        if result is None:
            return redirect(url_for(".columns", upload_id=upload.id))
        province = db.session.get(Unit, upload.province_id)
        path = report.write_xlsx(result, self._filtered(result), province, upload.filename,
                                 active_risk_groups(db.session))
        handle = open(path, "rb")
        os.unlink(path)
        name = f"masklog-google-form-{province.code}-{datetime.date.today().isoformat()}.xlsx"
        return send_file(handle, as_attachment=True, download_name=name,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    @expose("/<int:upload_id>/import", methods=["POST"])
    @has_access
    def import_rows(self, upload_id):
        """Documents for the rows found only in the form (of the district
        filtered on, if any), each in its own transaction: a row refused (not
        enough stock, a date too far back) leaves the others imported."""
        upload = self._upload(upload_id)
        result = self._reconciled(upload)
        back = url_for(".result", upload_id=upload.id, item=_chosen_item())
        if result is None:
            return redirect(back)
        district = request.form.get("district", "")
        rows = [line for line in result.lines if line.status == ONLY_FORM
                and (not district or line.unit.district == district)]
        made, refused = 0, []
        for line in rows:
            try:
                with transaction():
                    ImportFormRow(db.session, current_actor(), RowImport(upload, line, _chosen_item())).run()
                made += 1
            except DomainError as error:
                refused.append(_("row %(row)s (%(unit)s): %(reason)s", row=line.form.row, unit=line.unit.name_th,
                                 reason=str(error)))
        if made:
            flash(_("Created the documents of %(n)s rows found only in the Google Form.", n=made), "success")
        if refused:
            flash(_("%(n)s rows were not imported: %(reasons)s", n=len(refused), reasons="; ".join(refused[:5])
                    + ("…" if len(refused) > 5 else "")), "warning")
        if not rows:
            flash(_("No row is found only in the Google Form."), "info")
        return redirect(back)
