"""Who must report daily: the rules of each level (central administrator) and
the exceptions of single units (administrators, in their area). The rules
and the checks live in app/commands/obligations.py."""
from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _

from app.commands.obligations import (ExceptionInput, RemoveReportingException, SetReportingException,
                                      SetReportingRules)
from app.db.transaction import transaction
from app.errors import DomainError
from app.extensions import db
from app.fab.datamodel import current_actor
from app.labels import LEVEL_GROUP_LABELS, REPORTING_RULE_LABELS
from app.models.obligation import DEFAULT_RULES, RULES
from app.models.unit import LEVEL_ORDER
from app.permissions import EXEMPT, OBLIGATIONS_VIEW, SET_RULES
from app.queries.obligations import exceptions_in_scope, forget_rules, rules


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
        if request.method == "POST":
            posted = {name: request.form.get(name, "") for name in ("unit_code", "obliged", "reason")}
            command = SetReportingException(db.session, actor, ExceptionInput(**posted))
            try:
                with transaction():
                    row = command.run()
            except DomainError as error:
                errors = getattr(command, "errors", {})
                flash(error.message, "danger")
            else:
                flash(_("%(unit)s must now report daily.", unit=command.unit.name_th) if row.obliged
                      else _("%(unit)s is now exempt from daily reporting.", unit=command.unit.name_th), "success")
                return redirect(url_for("ObligationsView.exceptions"))
        elif request.args.get("unit"):
            posted = {"unit_code": request.args["unit"]}
        return self.render_template("obligation_exceptions.html", rows=exceptions_in_scope(db.session, actor),
                                    errors=errors, posted=posted, level_labels=LEVEL_GROUP_LABELS)

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
