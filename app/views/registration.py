"""Bulk registration (template download, upload, row-by-row result), printable
activation sheets with a QR code per user, reissued links, and the public
activation page where a new user chooses a password."""
from __future__ import annotations

import io

from flask import flash, redirect, request, send_file, url_for
from flask_login import login_user
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from sqlalchemy import select

from app import scoping
from app.db.transaction import transaction
from app.errors import DomainError, RowsRejected
from app.commands.activation import (activate, format_code, issue_day, make_token, redeem_code, reissue, short_code,
                                     user_for_token)
from app.commands.registration import COLUMNS, USERS_SHEET, import_rows, read_table, template_workbook, validate_rows
from app.commands.unit_import import DATA_SHEET as UNITS_DATA_SHEET, import_units, unit_template_workbook
from app.extensions import db
from app.models.unit import Unit
from app.models.user import MaskLogUser
from app.qr import qr_img
from app.roles import role_label
from app.views.qr import public_base
from app.views.helpers import in_scope_or_404
from app.fab.datamodel import current_actor
from app.permissions import REGISTER, REGISTRATION_VIEW


def activation_url(user: MaskLogUser, day=None) -> str:
    return f"{public_base()}/activate/{make_token(user, day)}"


class RegistrationView(BaseView):
    route_base = "/registration"
    default_view = "index"
    class_permission_name = REGISTRATION_VIEW
    method_permission_name = {name: REGISTER for name in ("index", "template", "upload", "sheets", "sheet",
                                                          "reissue_link", "unit_template", "unit_upload")}

    @expose("/")
    @has_access
    def index(self):
        return self.render_template("registration.html", columns=COLUMNS, result=None)

    @staticmethod
    def _send_template(build, filename):
        """A template workbook made for the admin: their roles and units."""
        return send_file(io.BytesIO(build(db.session, current_actor())), as_attachment=True,
                         download_name=filename,
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")

    def _refused(self, message):
        flash(message, "danger")
        return self.render_template("registration.html", columns=COLUMNS, result=None), 422

    def _run_upload(self, handle, sheet):
        """Read the uploaded spreadsheet (its sheet `sheet`, the template's data
        sheet) and hand its table to `handle`; an unreadable file comes back to
        the page with a Thai message."""
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(_("Please choose a file."), "danger")
            return redirect(url_for(".index"))
        try:
            return handle(read_table(upload.filename, upload.read(), sheet))
        except DomainError as error:
            return self._refused(str(error))

    @expose("/template.xlsx")
    @has_access
    def template(self):
        return self._send_template(template_workbook, "masklog-users-template.xlsx")

    @expose("/upload", methods=["POST"])
    @has_access
    def upload(self):
        return self._run_upload(self._import_users, USERS_SHEET)

    def _import_users(self, table):
        actor = current_actor()
        rows = validate_rows(db.session, actor, table)
        bad = [row for row in rows if row.errors]
        imported = 0
        if not bad or request.form.get("mode") == "valid":
            with transaction():
                imported = import_rows(db.session, actor, rows)
        repaired = sum(1 for row in rows if "phone" in row.repaired and not row.errors) if imported else 0
        result = {"total": len(rows), "bad": bad, "imported": imported, "phones_repaired": repaired, "units": sorted(
            {(row.unit.id, row.unit.name_th, row.unit.code) for row in rows if not row.errors and row.unit},
            key=lambda u: u[2]) if imported else []}
        status = 200 if imported or not bad else 422
        return self.render_template("registration.html", columns=COLUMNS, result=result), status

    @expose("/units/template.xlsx")
    @has_access
    def unit_template(self):
        return self._send_template(unit_template_workbook, "masklog-units-template.xlsx")

    @expose("/units/upload", methods=["POST"])
    @has_access
    def unit_upload(self):
        return self._run_upload(self._import_units, UNITS_DATA_SHEET)

    def _import_units(self, table):
        try:
            with transaction():
                rows = import_units(db.session, current_actor(), table,
                                    valid_rows_only=request.form.get("mode") == "valid")
        except RowsRejected as rejected:
            rows = rejected.rows
        created = [row for row in rows if row.unit is not None]
        bad = [row for row in rows if row.errors]
        result = {"total": len(rows), "bad": bad, "imported": len(created), "units": [], "kind": "units"}
        return self.render_template("registration.html", columns=COLUMNS, result=result), \
            (200 if created or not bad else 422)

    @expose("/sheets")
    @has_access
    def sheets(self):
        """Units in scope with users still waiting to activate."""
        actor = current_actor()
        rows = db.session.execute(
            select(Unit.id, Unit.code, Unit.name_th, db.func.count(MaskLogUser.id))
            .join(MaskLogUser, MaskLogUser.unit_id == Unit.id)
            .where(scoping.unit_scope_clause(actor), MaskLogUser.password.is_(None), MaskLogUser.active.is_(True),
                   Unit.active.is_(True))  # a switched-off unit's people could activate but never sign in
            .group_by(Unit.id, Unit.code, Unit.name_th).order_by(Unit.code)).all()
        return self.render_template("activation_sheets.html", units=rows)

    @expose("/sheet/<int:unit_id>")
    @has_access
    def sheet(self, unit_id):
        """A unit's cards; `?user=<id>` prints one person's card only (the
        form that creates a single user links here)."""
        unit = in_scope_or_404(Unit, unit_id)
        if not unit.active:
            flash(_("%(name)s is switched off: its people cannot sign in, so no activation cards are printed.",
                    name=unit.name_th), "warning")
            return redirect(url_for(".sheets"))
        query = select(MaskLogUser).where(
            MaskLogUser.unit_id == unit.id, MaskLogUser.password.is_(None), MaskLogUser.active.is_(True))
        only = request.args.get("user", type=int)
        if only is not None:
            query = query.where(MaskLogUser.id == only)
        users = db.session.execute(query.order_by(MaskLogUser.username)).unique().scalars().all()
        day = issue_day()  # one day for the whole sheet: links and codes printed together
        cards = [{"user": u, "url": activation_url(u, day), "code": format_code(short_code(u, day)),
                  "roles": ", ".join(role_label(r.name) for r in u.roles)} for u in users]
        for card in cards:
            card["qr"] = qr_img(card["url"], size_px=120, alt=card["user"].username)
        return self.render_template("activation_sheet.html", unit=unit, cards=cards, single=only is not None,
                                    code_page=f"{public_base()}/activate/")

    @expose("/reissue/<int:user_id>", methods=["GET", "POST"])
    @has_access
    def reissue_link(self, user_id):
        """GET asks for confirmation (the person's printed sheet stops
        working); POST issues the new link."""
        user = in_scope_or_404(MaskLogUser, user_id)
        if request.method == "GET":
            return self.render_template("reissue_activation.html", user=user)
        try:
            with transaction():
                reissue(db.session, current_actor(), user)
            flash(_("A new activation link was issued for %(name)s (%(username)s); the earlier sheet, link and "
                    "code no longer work. Print the new card below.",
                    name=user.get_full_name(), username=user.username), "success")
        except DomainError as error:
            flash(str(error), "danger")
        return redirect(url_for(".sheet", unit_id=user.unit_id, user=user.id))


class ActivationView(BaseView):
    """Public: the link (or the username with the short code) is the credential."""

    route_base = "/activate"
    default_view = "code"

    @expose("/", methods=["GET", "POST"])
    def code(self):
        """For people who cannot scan the QR code: username and short code."""
        if request.method == "POST":
            with transaction():  # a wrong code is counted, so this commits either way
                result = redeem_code(db.session, request.form.get("username"), request.form.get("code"),
                                     ip=request.remote_addr)
            if result.token:
                return redirect(url_for(".form", token=result.token))
            return self.render_template("activate.html", error=result.error, user=None, code_form=True,
                                        username=request.form.get("username", "")), 422
        return self.render_template("activate.html", error=None, user=None, code_form=True, username="")

    @expose("/<token>", methods=["GET", "POST"])
    def form(self, token):
        try:
            user = user_for_token(db.session, token)
        except DomainError as error:
            return self.render_template("activate.html", error=str(error), user=None), 400
        if request.method == "POST":
            try:
                with transaction():
                    activate(db.session, token, request.form.get("password"), request.form.get("confirm"))
            except DomainError as error:
                return self.render_template("activate.html", error=str(error), user=user), 422
            # Signed in at once, as FAB's own sign-in does (and audited as a sign-in).
            sm = self.appbuilder.sm
            login_user(user, remember=False)
            sm.update_user_auth_stat(user, True)
            flash(_("Your password is set and you are signed in."), "success")
            return redirect(self.appbuilder.get_url_for_index)
        return self.render_template("activate.html", error=None, user=user)
