"""QR entry points: the system's address, unit posters that open the unit's
"today" page, and shipment codes on dispatch notes that open the receipt
confirmation. A QR grants nothing by itself: every link lands behind the
normal sign-in and scoping rule, and shipment links are signed and expire."""
from __future__ import annotations

from flask import Response, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from app import scoping
from app.commands.allocation import refuse_unless_in_transit
from app.errors import DomainError
from app.extensions import db
from app.models.ledger import AllocationLine
from app.models.unit import Unit
from app.posters import unit_posters
from app.qr import qr_img, qr_png, qr_svg_bytes
from app.fab.datamodel import current_actor
from app.permissions import TODAY, TODAY_VIEW
from app.views.helpers import in_scope_or_404

MAX_POSTERS = 2000
SHIPMENT_LINK_DAYS = 90


def public_base() -> str:
    return (current_app.config.get("PUBLIC_BASE_URL") or request.host_url).rstrip("/")


def unit_url(unit: Unit) -> str:
    return f"{public_base()}/qr/u/{unit.id}"


def _shipment_serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="masklog-shipment")


def shipment_url(line: AllocationLine) -> str:
    return f"{public_base()}/qr/s/{_shipment_serializer().dumps({'l': line.id})}"


def system_qr():
    return qr_img(public_base() + "/", size_px=140, alt="MaskLog")


def register_qr_helpers(app) -> None:
    app.jinja_env.globals.update(shipment_url=shipment_url, unit_qr_url=unit_url, public_base=public_base,
                                 system_qr=system_qr, qr_img=qr_img)


class PublicQRView(BaseView):
    """The system's own address, for the login page, the about page and posters."""

    route_base = "/qr"
    default_view = "png"

    @expose("/system.png")
    def png(self):
        return Response(qr_png(public_base() + "/", box_size=10), mimetype="image/png",
                        headers={"Content-Disposition": "attachment; filename=masklog-qr.png"})

    @expose("/system.svg")
    def svg(self):
        return Response(qr_svg_bytes(public_base() + "/"), mimetype="image/svg+xml",
                        headers={"Content-Disposition": "attachment; filename=masklog-qr.svg"})


class QRView(BaseView):
    route_base = "/qr"
    method_permission_name = {"unit_entry": TODAY, "shipment_entry": TODAY, "poster": TODAY, "posters": TODAY}
    class_permission_name = TODAY_VIEW  # the same people who open the today page

    def _refuse(self, message, status=403):
        return self.render_template("qr_refused.html", message=message), status

    @expose("/u/<int:unit_id>")
    @has_access
    def unit_entry(self, unit_id):
        unit = db.session.get(Unit, unit_id)
        if unit is None:
            return self._refuse(_("This QR code points to a unit that does not exist."), 404)
        if not unit.active:
            return self._refuse(_("The unit %(name)s (%(code)s) on this QR code is no longer active.",
                                  name=unit.name_th, code=unit.code), 410)
        actor = current_actor()
        if not scoping.unit_in_scope(actor, unit):
            own = getattr(getattr(actor, "unit", None), "name_th", "-")
            # Only the code (printed on the poster): nothing of another area is shown.
            return self._refuse(_("This QR code belongs to unit %(code)s, which is outside the area you manage "
                                  "(your unit: %(own)s). Ask that unit's staff to record.", code=unit.code, own=own))
        return redirect(url_for("TodayView.unit_page", unit_id=unit.id))

    @expose("/s/<token>")
    @has_access
    def shipment_entry(self, token):
        try:
            data = _shipment_serializer().loads(token, max_age=SHIPMENT_LINK_DAYS * 24 * 3600)
        except SignatureExpired:
            return self._refuse(_("This shipment QR code has expired; open the shipment from your today page."), 410)
        except BadSignature:
            return self._refuse(_("This QR code is not valid; it may have been damaged or altered."), 400)
        line = db.session.get(AllocationLine, data.get("l")) if isinstance(data, dict) else None
        if line is None:
            return self._refuse(_("This QR code is not valid; it may have been damaged or altered."), 400)
        if not scoping.is_own_unit(current_actor(), line.unit_id):
            return self._refuse(_("This shipment is addressed to %(name)s; only that unit's users confirm it.",
                                  name=line.unit.name_th))
        try:
            refuse_unless_in_transit(line)
        except DomainError as refusal:  # confirmed, or recalled by its sender: the page says which
            flash(str(refusal), "info")
        return redirect(url_for("TodayView.unit_page", unit_id=line.unit_id, item=line.allocation.item_id)
                        + f"#confirm-{line.id}")

    def _size(self):
        # Given as (width, height) in mm: fpdf2 warns that its "A5" changed in 2.8.5.
        return (148, 210) if request.args.get("size", "A4").upper() == "A5" else "A4"

    def _poster_response(self, units, filename):
        parents = {u.id: u for u in db.session.execute(
            select(Unit).where(Unit.id.in_({u.parent_id for u in units if u.parent_id}))).scalars()}
        data = unit_posters([(u, parents.get(u.parent_id), unit_url(u)) for u in units], self._size())
        return Response(data, mimetype="application/pdf",
                        headers={"Content-Disposition": f"inline; filename={filename}"})

    @expose("/unit/<int:unit_id>/poster.pdf")
    @has_access
    def poster(self, unit_id):
        unit = in_scope_or_404(Unit, unit_id)
        if not unit.active:
            return self._refuse(_("The unit %(name)s (%(code)s) on this QR code is no longer active.",
                                  name=unit.name_th, code=unit.code), 410)
        return self._poster_response([unit], f"poster-{unit.code}.pdf")

    @expose("/unit/<int:unit_id>/posters.pdf")
    @has_access
    def posters(self, unit_id):
        """One poster per page for the unit and every active unit below it."""
        root = in_scope_or_404(Unit, unit_id)
        query = select(Unit).where(scoping.subtree_clause(Unit.path, root.path), Unit.active.is_(True))
        count = db.session.execute(select(db.func.count()).select_from(query.subquery())).scalar()
        if count > MAX_POSTERS:
            return self._refuse(_("%(count)s units are below %(name)s; a batch holds at most %(max)s posters. "
                                  "Please choose a district or a smaller area.", count=f"{count:,}",
                                  name=root.name_th, max=f"{MAX_POSTERS:,}"), 422)
        units = db.session.execute(query.order_by(Unit.code)).scalars().all()
        return self._poster_response(units, f"posters-{root.code}.pdf")
