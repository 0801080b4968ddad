"""Correcting a mistake of the daily work (แก้ไขรายการที่บันทึกผิด): an officer
reverses a distribution, or recalls a shipment its receiver has not confirmed
yet, with a reason. Both are operations of app/commands/ (audited, in one
transaction); this page lists what can be corrected and posts them."""
from __future__ import annotations

import datetime

from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _

from app.commands.allocation import RecallInput, RecallShipment
from app.commands.base import backdate_days
from app.commands.distribution import ReversalInput, ReverseDistribution
from app.db.transaction import transaction
from app.errors import DomainError
from app.extensions import db
from app.fab.datamodel import current_actor
from app.models.unit import Unit
from app.permissions import RECORD, TODAY_VIEW
from app.queries.corrections import recent_distributions, shipments_in_transit_from
from app.queries.reference import active_items
from app.thai import format_number, thai_date, today
from app.views.helpers import in_scope_or_404, keep_refused_form, refused_form_of_page
from app.views.today import chosen_item_id


class CorrectionsView(BaseView):
    route_base = "/today"
    class_permission_name = TODAY_VIEW  # the today page's own permissions: who records may correct
    method_permission_name = {"corrections": RECORD, "reverse": RECORD, "recall": RECORD}

    @expose("/<int:unit_id>/corrections")
    @has_access
    def corrections(self, unit_id):
        unit = in_scope_or_404(Unit, unit_id)
        item_id = chosen_item_id()
        failed_form, posted, _errors = refused_form_of_page()
        since = today() - datetime.timedelta(days=backdate_days())
        return self.render_template(
            "corrections.html", unit=unit, item_id=item_id, items=active_items(db.session), since=since,
            distributions=recent_distributions(db.session, unit.id, item_id, since),
            shipments=shipments_in_transit_from(db.session, unit.id, item_id),
            failed_form=failed_form, posted=posted)

    def _correct(self, unit_id, form_name, command, message):
        unit = in_scope_or_404(Unit, unit_id)
        item_id = chosen_item_id()
        page = url_for(".corrections", unit_id=unit.id, item=item_id)
        try:
            with transaction():
                result = command.run()
        except DomainError as error:
            flash(str(error), "danger")
            keep_refused_form(form_name, request.form, page_path=url_for(".corrections", unit_id=unit.id))
            return redirect(page)
        flash(message(result), "success")
        return redirect(page)

    @expose("/<int:unit_id>/reverse/<int:distribution_id>", methods=["POST"])
    @has_access
    def reverse(self, unit_id, distribution_id):
        command = ReverseDistribution(db.session, current_actor(), ReversalInput(
            distribution_id=distribution_id, reason=request.form.get("reason"), unit_id=unit_id))
        return self._correct(unit_id, f"reverse-{distribution_id}", command, lambda distribution: _(
            "The distribution of %(date)s is reversed: %(pieces)s pieces are back in stock today.",
            date=thai_date(distribution.distribution_date),
            pieces=format_number(sum(line.quantity for line in distribution.lines))))

    @expose("/<int:unit_id>/recall/<int:line_id>", methods=["POST"])
    @has_access
    def recall(self, unit_id, line_id):
        command = RecallShipment(db.session, current_actor(), RecallInput(
            line_id=line_id, reason=request.form.get("reason"), unit_id=unit_id))
        return self._correct(unit_id, f"recall-{line_id}", command, lambda line: _(
            "The shipment to %(name)s is recalled: %(pieces)s pieces are back in stock today.",
            name=line.unit.name_th, pieces=format_number(line.quantity_sent)))
