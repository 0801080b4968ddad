"""The "today" page of a unit (งานวันนี้): balance, shipments to confirm, the
day's count, and the forms of the daily work. Handlers parse the form and hand
off to app/commands/ledger.py; a refused form comes back with what was typed."""
from __future__ import annotations

import json
import uuid

from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import scoping
from app.commands import DomainError
from app.commands import ledger
from app.commands.reference import active_items, active_risk_groups
from app.commands.reporting import report_no_activity
from app.commands.today import count_of_day, last_committee, stock_figures, today_page
from app.extensions import db
from app.models.ledger import AllocationLine, RiskGroup
from app.models.unit import Unit
from app.thai import parse_date, today
from app.views.scoped import current_actor, redirect_to_own_unit

SAVED_AT_THE_SAME_MOMENT = _l("Someone saved the same thing at the same moment; nothing was written. "
                              "Please check the page and try again.")

KIND_LABELS = {
    "receipt": _l("Received (counted)"),
    "allocation_out": _l("Allocated to units below"),
    "allocation_in": _l("Received from allocation"),
    "distribution": _l("Distributed to risk groups"),
    "adjustment": _l("Adjustment"),
    "reversal": _l("Reversal"),
}


def unit_in_scope_or_404(unit_id: int) -> Unit:
    unit = db.session.get(Unit, unit_id)
    if unit is None or not scoping.unit_in_scope(current_actor(), unit):
        abort(404)
    return unit


def chosen_item_id() -> int:
    items = active_items(db.session)
    if not items:
        abort(404)
    wanted = request.values.get("item", type=int)
    return wanted if wanted in {i[0] for i in items} else items[0][0]


class TodayView(BaseView):
    route_base = "/today"
    default_view = "mine"
    method_permission_name = {
        "mine": "today", "unit_page": "today",
        "receipt": "record", "allocate": "record", "distribute": "record", "adjust": "record",
        "confirm": "confirm", "count": "count", "nothing": "record",
    }

    # ------------------------------------------------------------ pages
    @expose("/")
    @has_access
    def mine(self):
        return redirect_to_own_unit(".unit_page")

    @expose("/<int:unit_id>")
    @has_access
    def unit_page(self, unit_id, posted=None, failed_form=None, status=200):
        unit = unit_in_scope_or_404(unit_id)
        item_id = chosen_item_id()
        day = today()
        actor = current_actor()
        context = dict(
            unit=unit, day=day, items=active_items(db.session), item_id=item_id,
            **today_page(db.session, unit.id, item_id, day),
            can_confirm=getattr(actor.unit, "id", None) == unit.id and self._may("confirm"),
            can_record=self._may("record"), can_count=self._may("count"),
            risk_groups=active_risk_groups(db.session),
            kind_labels={k: str(v) for k, v in KIND_LABELS.items()},
            posted=posted or {}, failed_form=failed_form, form_token=uuid.uuid4().hex,
            adjustment_kinds=[("loss", _("Loss")), ("damage", _("Damage")), ("expiry", _("Expiry")),
                              ("correction", _("Correction (+/-)"))],
        )
        return self.render_template("today.html", **context), status

    def _may(self, permission: str) -> bool:
        """Forms are shown only to roles that may send them (checked in memory)."""
        return self.appbuilder.sm.has_access(f"can_{permission}", self.class_permission_name)

    # ------------------------------------------------------------ submissions
    def _submit(self, unit_id, form_name, operation, success):
        """Run one ledger command in one transaction; refused → same page, input kept.
        `success` is the message, or a function of the command's result giving
        (message, category)."""
        unit = unit_in_scope_or_404(unit_id)
        item_id = chosen_item_id()
        result = None
        try:
            result = operation(unit, item_id)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            flash(str(error), "danger")
            return self.unit_page(unit_id, posted=request.form, failed_form=form_name, status=422)
        except IntegrityError:
            # A double-submitted form is answered by the document INSERT itself
            # (ledger.insert_document); what still lands here is another write to the
            # same row at the same moment, e.g. two first drafts of one day's count.
            db.session.rollback()
            flash(str(SAVED_AT_THE_SAME_MOMENT), "warning")
            return self.unit_page(unit_id, posted=request.form, failed_form=form_name, status=409)
        message, category = success(result) if callable(success) else (success, "success")
        flash(message, category)
        return redirect(url_for(".unit_page", unit_id=unit_id, item=item_id))

    @expose("/<int:unit_id>/receipt", methods=["POST"])
    @has_access
    def receipt(self, unit_id):
        form = request.form
        return self._submit(unit_id, "receipt", lambda unit, item: ledger.record_receipt(
            db.session, current_actor(), unit=unit, item=item, receipt_date=form.get("date"),
            source=form.get("source"), reference_no=form.get("reference_no"),
            quantity_sent=form.get("quantity_sent"), form_token=form.get("form_token")),
            _("Receipt recorded; it enters stock when the counting committee signs the day's count."))

    @expose("/<int:unit_id>/nothing", methods=["POST"])
    @has_access
    def nothing(self, unit_id):
        """"Nothing to record today" in one tap, so silence means "not reported"."""
        return self._submit(
            unit_id, "nothing", lambda unit, _item: report_no_activity(db.session, current_actor(), unit),
            lambda new: (_("Reported: nothing to record today."), "success") if new
            else (_("This unit has already reported today."), "info"))

    @expose("/<int:unit_id>/allocate", methods=["POST"])
    @has_access
    def allocate(self, unit_id):
        form = request.form

        def run(unit, item):
            wanted = {}
            for key, value in form.items():
                if key.startswith("share-") and value.strip():
                    wanted[int(key[6:]) if key[6:].isascii() and key[6:].isdecimal() else -1] = value
            # One query for the units named on the sheet; ledger.allocate checks they sit below.
            receivers = {u.id: u for u in db.session.execute(
                select(Unit).where(Unit.id.in_([i for i in wanted if 0 < i <= 2_147_483_647]))).scalars()}
            shares = [(receivers.get(unit_id_), value) for unit_id_, value in wanted.items()]
            return ledger.allocate(db.session, current_actor(), unit=unit, item=item,
                                   allocation_date=form.get("date"), document_no=form.get("document_no"),
                                   shares=shares, form_token=form.get("form_token"))
        return self._submit(unit_id, "allocate", run, _("Allocation saved; the stock is in transit."))

    @expose("/<int:unit_id>/distribute", methods=["POST"])
    @has_access
    def distribute(self, unit_id):
        form = request.form

        def run(unit, item):
            groups = {g.id: g for g in db.session.execute(select(RiskGroup)).scalars()}
            lines = [(groups.get(gid), form.get(f"pieces-{gid}"), form.get(f"people-{gid}")) for gid in groups]
            return ledger.distribute(db.session, current_actor(), unit=unit, item=item,
                                     distribution_date=form.get("date"), lines=lines,
                                     form_token=form.get("form_token"))
        return self._submit(unit_id, "distribute", run, _("Distribution recorded."))

    @expose("/<int:unit_id>/adjust", methods=["POST"])
    @has_access
    def adjust(self, unit_id):
        form = request.form
        return self._submit(unit_id, "adjust", lambda unit, item: ledger.adjust(
            db.session, current_actor(), unit=unit, item=item, adjustment_date=form.get("date"),
            kind=form.get("kind"), quantity=form.get("quantity"), reason=form.get("reason"),
            form_token=form.get("form_token")), _("Adjustment recorded."))

    @expose("/<int:unit_id>/confirm/<int:line_id>", methods=["POST"])
    @has_access
    def confirm(self, unit_id, line_id):
        form = request.form

        def run(unit, item):
            line = db.session.get(AllocationLine, line_id)
            if line is None or line.unit_id != unit.id:
                raise DomainError(_("This shipment is addressed to another unit; only the receiving unit "
                                    "confirms it."))
            return ledger.confirm_receipt(db.session, current_actor(), line,
                                          confirmed_quantity=form.get("received"),
                                          reason=form.get("reason"), confirm_date=form.get("date") or None)
        return self._submit(unit_id, f"confirm-{line_id}", run, _("Receipt confirmed; the stock is yours."))

    # ------------------------------------------------------------ daily count
    @expose("/<int:unit_id>/count", methods=["GET", "POST"])
    @has_access
    def count(self, unit_id):
        unit = unit_in_scope_or_404(unit_id)
        item = ledger.resolve_item(db.session, chosen_item_id())
        actor = current_actor()
        try:
            day = parse_date(request.values.get("date") or today())
        except DomainError as error:
            flash(str(error), "danger")
            day = today()
        posted, status = {}, 200
        if request.method == "POST":
            form = request.form
            lines = [ledger.CountLineInput(receipt_id=int(key[8:]), counted=value,
                                           damaged=form.get(f"damaged-{key[8:]}"),
                                           missing=form.get(f"missing-{key[8:]}"),
                                           reason=form.get(f"reason-{key[8:]}"))
                     for key, value in form.items()
                     if key.startswith("counted-") and key[8:].isascii() and key[8:].isdecimal()
                     and len(key) < 20]
            members = [{"name": form.get(f"member-name-{i}"), "position": form.get(f"member-position-{i}")}
                       for i in range(8)]
            try:
                draft = ledger.save_count(db.session, actor, unit=unit, item=item, count_date=day, lines=lines,
                                          members=members, chair_name=form.get("chair"),
                                          physical_count=form.get("physical_count"), note=form.get("note"))
                if form.get("action") == "sign":
                    ledger.sign_count(db.session, actor, draft)
                db.session.commit()
                flash(_("The count is signed and locked; the counted pieces are in stock.")
                      if form.get("action") == "sign" else _("Draft saved."), "success")
                return redirect(url_for(".count", unit_id=unit.id, item=item.id, date=day.isoformat()))
            except DomainError as error:
                db.session.rollback()
                flash(str(error), "danger")
                posted, status = form, 422
            except IntegrityError:  # two first drafts of the same day at the same moment
                db.session.rollback()
                flash(str(SAVED_AT_THE_SAME_MOMENT), "warning")
                posted, status = form, 409

        count = count_of_day(db.session, unit.id, item.id, day)
        arrivals = ledger.arrivals_to_count(db.session, unit.id, item.id, day)
        if count is not None and count.status == "signed":
            arrivals = [line.receipt for line in count.lines]
        chair = count.chair_name if count else None
        if count is None:
            previous_members, chair = last_committee(db.session, unit.id, day)
            members = json.loads(previous_members)
        else:
            members = json.loads(count.members)
        return self.render_template(
            "count.html", unit=unit, item=item, day=day, count=count, arrivals=arrivals, chair=chair or "",
            lines={line.receipt_id: line for line in (count.lines if count else [])},
            members=members + [{"name": "", "position": ""}] * max(0, 5 - len(members)),
            expected=ledger.expected_balance(db.session, count) if count else
            stock_figures(db.session, unit.id, item.id)[0] + sum(r.quantity_sent for r in arrivals),
            posted=posted), status
