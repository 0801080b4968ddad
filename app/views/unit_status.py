"""Switching a unit off and on again: a confirmation page that says how many
units and users it affects, then the operation (app/commands/unit_status.py)."""
from flask import current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _

from app.commands.unit_status import (DeactivateUnit, ReactivateUnit, UnitSwitchInput, deactivation_effect,
                                      load_switchable, reactivation_effect)
from app.db.transaction import transaction
from app.errors import DomainError
from app.extensions import db
from app.fab.datamodel import current_actor
from app.permissions import SWITCH, UNIT_STATUS_VIEW
from app.thai import format_number

_OPERATIONS = {"deactivate": (DeactivateUnit, deactivation_effect), "reactivate": (ReactivateUnit, reactivation_effect)}


class UnitStatusView(BaseView):
    route_base = "/unit-status"
    class_permission_name = UNIT_STATUS_VIEW
    method_permission_name = {"deactivate": SWITCH, "reactivate": SWITCH}

    @expose("/<int:unit_id>/deactivate", methods=["GET", "POST"])
    @has_access
    def deactivate(self, unit_id):
        return self._switch("deactivate", unit_id)

    @expose("/<int:unit_id>/reactivate", methods=["GET", "POST"])
    @has_access
    def reactivate(self, unit_id):
        return self._switch("reactivate", unit_id)

    def _switch(self, operation, unit_id):
        command_class, effect_of = _OPERATIONS[operation]
        back = url_for("UnitModelView.show", pk=unit_id)
        actor = current_actor()
        if request.method == "POST":
            try:
                with transaction():
                    effect = command_class(db.session, actor, UnitSwitchInput(unit_id)).run()
            except DomainError as error:
                flash(error.message, "danger")
                return redirect(back)
            if operation == "deactivate":
                flash(_("Switched off %(units)s units; %(users)s users can no longer sign in.",
                        units=format_number(effect.units), users=format_number(effect.users)), "success")
            else:
                flash(_("Switched back on %(units)s units; %(users)s users can sign in again.",
                        units=format_number(effect.units), users=format_number(effect.users)), "success")
            return redirect(back)
        try:
            command = command_class(db.session, actor, UnitSwitchInput(unit_id))
            command.validate()
        except DomainError as error:
            db.session.rollback()
            flash(error.message, "danger")
            return redirect(back)
        return self.render_template("unit_status.html", operation=operation, unit=command.unit,
                                    effect=effect_of(db.session, command.unit), back=back)


def unit_switch(unit_id):
    """For the unit's page: which switch the signed-in user may use on it
    ({"operation", "url"}), or None."""
    if not current_app.appbuilder.sm.has_access(f"can_{SWITCH}", UNIT_STATUS_VIEW):
        return None
    try:
        unit = load_switchable(db.session, current_actor(), int(unit_id))
    except (DomainError, TypeError, ValueError):
        return None
    operation = "deactivate" if unit.active else "reactivate"
    return {"operation": operation, "url": url_for(f"UnitStatusView.{operation}", unit_id=unit.id)}


def register(app) -> None:
    app.jinja_env.globals["unit_switch"] = unit_switch
