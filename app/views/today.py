"""The "today" page of a unit (งานวันนี้): balance, shipments to confirm, the
day's count, and the forms of the daily work. Each handler builds the
operation's input from the form and runs it (app/commands/) in one
transaction; a refused form comes back with what was typed."""
from __future__ import annotations

import datetime
import uuid

from flask import abort, flash, jsonify, make_response, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _

from app import scoping
from app.commands.adjustment import Adjust, AdjustmentInput
from app.commands.allocation import Allocate, AllocationInput, ConfirmationInput, ConfirmShipment
from app.commands.count import CountInput, CountLineInput, SaveCount
from app.commands.distribution import Distribute, DistributionInput
from app.commands.no_activity import NoActivityInput, ReportNoActivity
from app.commands.receipt import ReceiptInput, RecordReceipt
from app.db.transaction import transaction
from app.errors import DomainError, FieldErrors, SavedAtTheSameMoment
from app.extensions import db
from app.fab.datamodel import current_actor
from app.labels import LEDGER_KIND_LABELS
from app.models.unit import Unit
from app.permissions import CONFIRM, COUNT, RECORD, TODAY, TODAY_VIEW
from app.queries import missing
from app.queries.count_sheet import MEMBER_ROWS, count_sheet, next_count_day
from app.queries.reference import active_items, active_risk_groups, resolve_item
from app.queries.today import child_units, today_page
from app.thai import parse_date, thai_date, today
from app.views.offline import QUEUE_HEADER, keep_offline
from app.views.helpers import (in_scope_or_404, keep_refused_form, redirect_to_own_unit, refused_form,
                               refused_form_of_page)


def chosen_item_id() -> int:
    items = active_items(db.session)
    if not items:
        abort(404)
    wanted = request.values.get("item", type=int)
    return wanted if wanted in {i[0] for i in items} else items[0][0]


def numbered_fields(form, prefix: str, not_a_number=None) -> list:
    """The N of every `<prefix>N` field posted; a forged N that is no number
    is left out, or given as `not_a_number` (then refused by the operation)."""
    numbers = []
    for key in form:
        suffix = key[len(prefix):]
        if key.startswith(prefix):
            if suffix.isascii() and suffix.isdecimal() and len(suffix) <= 10:
                numbers.append(int(suffix))
            elif not_a_number is not None:
                numbers.append(not_a_number)
    return numbers


def document_number(result):
    """What the queue shows of a sent record: the document's own number where
    it has one (a dispatch or reference number), else its id; None for "nothing
    today"."""
    if isinstance(result, bool) or result is None:
        return None
    return getattr(result, "document_no", None) or getattr(result, "reference_no", None) or str(result.id)


def receipt_recorded(receipt) -> tuple:
    """The receipt's message says which count it goes onto (a signed count is locked)."""
    day = next_count_day(db.session, receipt.unit_id, receipt.item_id, receipt.receipt_date)
    if day == receipt.receipt_date:
        return _("Receipt recorded; it enters stock when the counting committee signs the count of %(date)s.",
                 date=thai_date(day)), "success"
    return _("Receipt recorded. The count of %(signed)s is already signed and locked, so this receipt goes onto the "
             "next count (%(date)s); it enters stock when that count is signed.",
             signed=thai_date(day - datetime.timedelta(days=1)), date=thai_date(day)), "warning"


class TodayView(BaseView):
    route_base = "/today"
    default_view = "mine"
    class_permission_name = TODAY_VIEW
    method_permission_name = {
        "mine": TODAY, "unit_page": TODAY,
        "receipt": RECORD, "allocate": RECORD, "distribute": RECORD, "adjust": RECORD, "nothing": RECORD,
        "confirm": CONFIRM, "count": COUNT,
    }

    # ------------------------------------------------------------ pages
    @expose("/")
    @has_access
    def mine(self):
        return redirect_to_own_unit(".unit_page")

    @expose("/<int:unit_id>")
    @has_access
    def unit_page(self, unit_id):
        unit = in_scope_or_404(Unit, unit_id)
        failed_form, posted, _errors = refused_form_of_page()
        item_id = chosen_item_id()
        day = today()
        actor = current_actor()
        own_unit = scoping.is_own_unit(actor, unit)
        context = dict(
            unit=unit, day=day, synced_at=datetime.datetime.utcnow(),
            user_name=f"{actor.first_name} {actor.last_name}".strip(), items=active_items(db.session), item_id=item_id,
            **today_page(db.session, unit.id, item_id, day),
            can_confirm=own_unit and self._may(CONFIRM),
            can_record=self._may(RECORD), can_count=self._may(COUNT),
            # The "not reported today" banner: only on a day the unit must report. On another
            # unit's page (a district officer opening a subdistrict's) it names that unit: "your
            # unit" would be the officer's own, and they may still tap "nothing" for it.
            report_due=missing.report_due(db.session, unit, day), own_unit=own_unit,
            risk_groups=active_risk_groups(db.session),
            kind_labels=LEDGER_KIND_LABELS,  # lazy: only the kinds the page lists are translated
            posted=posted or {}, failed_form=failed_form, form_token=uuid.uuid4().hex,
            adjustment_kinds=[("loss", _("Loss")), ("damage", _("Damage")), ("expiry", _("Expiry")),
                              ("correction", _("Correction (+/-)"))],
        )
        response = make_response(self.render_template("today.html", **context))
        # Only the own unit's page is kept on the phone for offline work (app/views/offline.py).
        return keep_offline(response) if own_unit else response

    def _may(self, permission: str) -> bool:
        """Forms are shown only to roles that may send them (checked in memory)."""
        return self.appbuilder.sm.has_access(f"can_{permission}", self.class_permission_name)

    # ------------------------------------------------------------ submissions
    def _submit(self, unit_id, form_name, make_command, success):
        """Run one operation in one transaction. Every outcome redirects to the
        today page (POST-redirect-GET); refused, the page comes back once with
        the form as typed. `make_command(unit_id, item_id)` builds it; `success`
        is the message, or a function of its result giving (message, category).

        Sent by the phone's queue (app/static/offline.js, header X-MaskLog-Queue),
        the answer is JSON instead of the redirect: "now" (sent as the form was
        submitted) still flashes and keeps the refused form for the page the
        script then opens; "later" (an offline record sent afterwards) only
        answers, the queue shows the outcome itself."""
        unit = in_scope_or_404(Unit, unit_id)
        item_id = chosen_item_id()
        page = url_for(".unit_page", unit_id=unit.id, item=item_id)
        queued = request.headers.get(QUEUE_HEADER)
        try:
            with transaction():
                result = make_command(unit.id, item_id).run()
                # What the answer says of the result is read before the commit expires it:
                # after it, a refresh cost a SELECT and a transaction of its own (~1/8 of a receipt).
                message, category = success(result) if callable(success) else (success, "success")
                document = document_number(result) if queued else None
        except DomainError as error:
            if queued != "later":
                flash(str(error), "warning" if isinstance(error, SavedAtTheSameMoment) else "danger")
                keep_refused_form(form_name, request.form, page_path=url_for(".unit_page", unit_id=unit.id))
            if queued:
                return jsonify(ok=False, message=str(error), field=error.field, next=page), 422
            return redirect(page)
        if queued != "later":
            flash(message, category)
        if queued:
            return jsonify(ok=True, message=str(message), category=category, document=document,
                           next=page)
        return redirect(page)

    @expose("/<int:unit_id>/receipt", methods=["POST"])
    @has_access
    def receipt(self, unit_id):
        form = request.form
        return self._submit(unit_id, "receipt", lambda unit, item: RecordReceipt(db.session, current_actor(), ReceiptInput(
            unit_id=unit, item_id=item, date=form.get("date"), source=form.get("source"),
            reference_no=form.get("reference_no"), quantity_sent=form.get("quantity_sent"),
            form_token=form.get("form_token"))), receipt_recorded)

    @expose("/<int:unit_id>/nothing", methods=["POST"])
    @has_access
    def nothing(self, unit_id):
        """"Nothing to record today" in one tap, so silence means "not reported". The
        form carries the day its page shows (the phone's queue may send it the
        next day); without one, the day it is sent."""
        return self._submit(
            unit_id, "nothing", lambda unit, _item: ReportNoActivity(
                db.session, current_actor(), NoActivityInput(unit, request.form.get("date") or None)),
            lambda new: (_("Reported: nothing to record today."), "success") if new
            else (_("This unit has already reported today."), "info"))

    @expose("/<int:unit_id>/allocate", methods=["POST"])
    @has_access
    def allocate(self, unit_id):
        form = request.form
        shares = [(receiver_id, form.get(f"share-{receiver_id}", "x"))
                  for receiver_id in numbered_fields(form, "share-", not_a_number=-1)]
        return self._submit(unit_id, "allocate", lambda unit, item: Allocate(db.session, current_actor(), AllocationInput(
            unit_id=unit, item_id=item, date=form.get("date"), document_no=form.get("document_no"),
            shares=shares, form_token=form.get("form_token"))), _("Allocation saved; the stock is in transit."))

    @expose("/<int:unit_id>/distribute", methods=["POST"])
    @has_access
    def distribute(self, unit_id):
        form = request.form
        group_ids = sorted(set(numbered_fields(form, "pieces-")) | set(numbered_fields(form, "people-")))
        lines = [(group_id, form.get(f"pieces-{group_id}"), form.get(f"people-{group_id}")) for group_id in group_ids]
        return self._submit(unit_id, "distribute", lambda unit, item: Distribute(db.session, current_actor(), DistributionInput(
            unit_id=unit, item_id=item, date=form.get("date"), lines=lines,
            form_token=form.get("form_token"))), _("Distribution recorded."))

    @expose("/<int:unit_id>/adjust", methods=["POST"])
    @has_access
    def adjust(self, unit_id):
        form = request.form
        return self._submit(unit_id, "adjust", lambda unit, item: Adjust(db.session, current_actor(), AdjustmentInput(
            unit_id=unit, item_id=item, date=form.get("date"), kind=form.get("kind"),
            quantity=form.get("quantity"), reason=form.get("reason"), form_token=form.get("form_token"))),
            _("Adjustment recorded."))

    @expose("/<int:unit_id>/confirm/<int:line_id>", methods=["POST"])
    @has_access
    def confirm(self, unit_id, line_id):
        form = request.form
        return self._submit(unit_id, f"confirm-{line_id}", lambda unit, _item: ConfirmShipment(
            db.session, current_actor(), ConfirmationInput(
                line_id=line_id, unit_id=unit, received=form.get("received"), reason=form.get("reason"),
                confirm_date=form.get("date") or None, form_token=form.get("form_token"))),
            _("Receipt confirmed; the stock is yours."))

    # ------------------------------------------------------------ daily count
    @expose("/<int:unit_id>/count", methods=["GET", "POST"])
    @has_access
    def count(self, unit_id):
        """The count sheet. Every outcome of a POST redirects (POST-redirect-GET):
        a refused sheet comes back once, from the session, with what was typed
        and each error beside its field."""
        unit = in_scope_or_404(Unit, unit_id)
        item = resolve_item(db.session, chosen_item_id())
        try:
            day = parse_date(request.values.get("date") or today())
        except DomainError as error:
            flash(str(error), "danger")
            day = today()
        here = url_for(".count", unit_id=unit.id, item=item.id, date=day.isoformat())
        if request.method == "POST":
            signing = request.form.get("action") == "sign"
            try:
                with transaction():
                    SaveCount(db.session, current_actor(), count_input(request.form, unit.id, item.id, day)).run()
                flash(_("The count is signed and locked; the counted pieces are in stock.") if signing
                      else _("Draft saved."), "success")
            except FieldErrors as error:
                flash(_("Please correct the %(n)s fields marked below; nothing was saved.", n=len(error.errors)),
                      "danger")
                keep_refused_form("count", request.form, error.errors)
            except DomainError as error:
                flash(str(error), "warning" if isinstance(error, SavedAtTheSameMoment) else "danger")
                keep_refused_form("count", request.form)
            return redirect(here)
        posted, errors = refused_form("count")
        committee_errors = any(key in ("members", "chair") or key.startswith("member-") for key in errors)
        return self.render_template("count.html", unit=unit, item=item, day=day, posted=posted, errors=errors,
                                    committee_errors=committee_errors,
                                    has_units_below=bool(child_units(db.session, unit.id)),
                                    **count_sheet(db.session, unit, item.id, day))


def count_input(form, unit_id: int, item_id: int, day) -> CountInput:
    """The count sheet as posted: a line per arrival, up to MEMBER_ROWS
    members, the chair chosen among the member rows (`chair_row`)."""
    lines = [CountLineInput(receipt_id=n, counted=form.get(f"counted-{n}"), damaged=form.get(f"damaged-{n}"),
                            missing=form.get(f"missing-{n}"), reason=form.get(f"reason-{n}"))
             for n in numbered_fields(form, "counted-")]
    members = [{"name": form.get(f"member-name-{i}"), "position": form.get(f"member-position-{i}")}
               for i in range(MEMBER_ROWS)]
    chair_row = form.get("chair_row", type=int)
    chair = members[chair_row]["name"] if chair_row is not None and 0 <= chair_row < MEMBER_ROWS else None
    return CountInput(unit_id=unit_id, item_id=item_id, date=day, lines=lines, members=members,
                      chair_name=chair, physical_count=form.get("physical_count"), note=form.get("note"),
                      sign=form.get("action") == "sign",
                      default_below=(form.get("default_below") == "on") if "default_below_shown" in form else None)
