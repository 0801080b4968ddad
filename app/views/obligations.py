"""Who must report daily: the rules of each level (central administrator) and
the exceptions of single units (administrators, in their area). The rules
and the checks live in app/commands/obligations.py."""
from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import Form

from app.commands.obligations import (ExceptionInput, RemoveReportingException, SetReportingException,
                                      SetReportingRules)
from app import scoping
from app.db.transaction import transaction
from app.errors import DomainError
from app.extensions import db
from app.fab.datamodel import current_actor
from app.fab.unit_picker import UnitPickerField
from app.labels import LEVEL_GROUP_LABELS, REPORTING_RULE_LABELS
from app.models.obligation import DEFAULT_RULES, RULES
from app.models.unit import LEVEL_ORDER, Unit
from app.permissions import EXEMPT, OBLIGATIONS_VIEW, SET_RULES
from app.queries.obligations import exceptions_in_scope, forget_rules, rules


class _ExceptionUnit(Form):
    """The unit is searched as one types (app/fab/unit_picker.py); the command
    checks the area and level again (app/commands/obligations.py)."""
    unit = UnitPickerField(_l("Unit"))


def _posted_unit_id(raw: str):
    raw = (raw or "").strip()
    return int(raw) if raw.isdigit() and len(raw) <= 10 else None


def _unit_in_scope(actor, unit_id=None, code=None):
    """The unit to show in the picker again (after an error, or from a
    missing list's "need not report?" link), if the actor may see it."""
    if code:
        unit_id = db.session.execute(select(Unit.id).where(Unit.code == code.strip().upper())).scalar()
    return scoping.get_in_scope(db.session, Unit, unit_id, actor) if unit_id else None


class ObligationsView(BaseView):
    route_base = "/obligations"
    class_permission_name = OBLIGATIONS_VIEW
    method_permission_name = {"rules_page": SET_RULES, "exceptions": EXEMPT, "remove": EXEMPT}

    @expose("/rules", methods=["GET", "POST"])
    @has_access
    def rules_page(self):
        levels = [level.value for level in LEVEL_ORDER]
        chosen, errors = rules(db.session), {}
        if request.method == "POST":
            posted = {level: request.form.get(f"rule-{level}", "") for level in levels}
            command = SetReportingRules(db.session, current_actor(), posted)
            try:
                with transaction():
                    changed = command.run()
                forget_rules()  # again once committed: a read in between may have cached the old rules
            except DomainError as error:
                chosen, errors = {**chosen, **posted}, getattr(command, "errors", {})
                flash(error.message, "danger")
            else:
                flash(_("Saved: %(count)s levels changed. Completeness counts the new rules from now on, "
                        "past days included.", count=len(changed)) if changed else _("Nothing changed."), "success")
                return redirect(url_for("ObligationsView.rules_page"))
        return self.render_template("obligation_rules.html", levels=levels, chosen=chosen, errors=errors,
                                    defaults=DEFAULT_RULES, choices=RULES, rule_labels=REPORTING_RULE_LABELS,
                                    level_labels=LEVEL_GROUP_LABELS)

    @expose("/exceptions", methods=["GET", "POST"])
    @has_access
    def exceptions(self):
        actor, errors, posted = current_actor(), {}, {}
        picker = _ExceptionUnit()
        if request.method == "POST":
            posted = {name: request.form.get(name, "") for name in ("obliged", "reason")}
            # "unit" is the picker's id; "unit_code" stays accepted for scripts and old links.
            unit_id = _posted_unit_id(request.form.get("unit"))
            command = SetReportingException(db.session, actor, ExceptionInput(
                unit_id=unit_id, unit_code=request.form.get("unit_code") if unit_id is None else None, **posted))
            try:
                with transaction():
                    row = command.run()
            except DomainError as error:
                errors = getattr(command, "errors", {})
                picker.unit.data = _unit_in_scope(actor, unit_id, request.form.get("unit_code"))
                flash(error.message, "danger")
            else:
                flash(_("%(unit)s must now report daily.", unit=command.unit.name_th) if row.obliged
                      else _("%(unit)s is now exempt from daily reporting.", unit=command.unit.name_th), "success")
                return redirect(url_for("ObligationsView.exceptions"))
        elif request.args.get("unit"):
            picker.unit.data = _unit_in_scope(actor, code=request.args["unit"])
        if errors.get("unit_code"):
            picker.unit.errors = [errors["unit_code"]]
        return self.render_template("obligation_exceptions.html", rows=exceptions_in_scope(db.session, actor),
                                    errors=errors, posted=posted, picker=picker, level_labels=LEVEL_GROUP_LABELS)

    @expose("/exceptions/<int:unit_id>/remove", methods=["POST"])
    @has_access
    def remove(self, unit_id):
        try:
            with transaction():
                unit = RemoveReportingException(db.session, current_actor(), unit_id).run()
        except DomainError as error:
            flash(error.message, "danger")
        else:
            flash(_("%(unit)s follows the rules of its level again.", unit=unit.name_th), "success")
        return redirect(url_for("ObligationsView.exceptions"))
