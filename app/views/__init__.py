"""Registers the FAB views, one module per area."""
from flask_babel import lazy_gettext as _l


def register_views(appbuilder) -> None:
    from app.views.about import AboutView
    from app.views.today import TodayView
    from app.views.units import UnitModelView

    appbuilder.add_view(TodayView, "Today", href="/today/", icon="fa-calendar-check", label=_l("Today"))

    appbuilder.add_view(
        UnitModelView,
        "List Units",
        icon="fa-sitemap",
        label=_l("Units"),
        category="Units",
        category_label=_l("Units"),
        category_icon="fa-sitemap",
    )
    from app.views import documents as d

    records = dict(category="Records", category_label=_l("Records"), category_icon="fa-book")
    for view, name, label, icon in (
        (d.ReceiptView, "Receipts", _l("Receipts"), "fa-truck-ramp-box"),
        (d.DailyCountView, "Daily counts", _l("Daily counts"), "fa-clipboard-check"),
        (d.AllocationView, "Allocations", _l("Allocations"), "fa-share-nodes"),
        (d.ShipmentView, "Shipments", _l("Shipments"), "fa-truck"),
        (d.DistributionView, "Distributions", _l("Distributions"), "fa-people-group"),
        (d.AdjustmentView, "Adjustments", _l("Adjustments"), "fa-scale-balanced"),
        (d.LedgerView, "Stock ledger", _l("Stock ledger"), "fa-book"),
        (d.AuditView, "Audit trail", _l("Audit trail"), "fa-user-shield"),
    ):
        appbuilder.add_view(view, name, label=label, icon=icon, **records)
    reference = dict(category="Reference data", category_label=_l("Reference data"), category_icon="fa-list")
    appbuilder.add_view(d.ItemView, "Items", label=_l("Items"), icon="fa-box", **reference)
    appbuilder.add_view(d.RiskGroupView, "Risk groups", label=_l("Risk groups"), icon="fa-users", **reference)
    appbuilder.add_view_no_menu(d.PrintView)
    appbuilder.add_view_no_menu(AboutView)
    from flask import current_app

    current_app.before_request(guard_fab_routes)
    appbuilder.add_link(
        "About",
        label=_l("About MaskLog"),
        href="/about/",
        icon="fa-info-circle",
        category="Help",
        category_label=_l("Help"),
        category_icon="fa-question-circle",
    )


def guard_fab_routes():
    """Two FAB routes crash (500) on input they do not expect, in every
    ModelView, its security views included: an action name the view does not
    know (AttributeError), `download/<filename>` (MaskLog stores no files;
    FAB's handler fails on any name it did not write) and a chart's
    `<group_by>` that is not a number (ValueError). All answer 404."""
    from flask import abort, current_app, request

    endpoint = request.endpoint or ""
    view_name, _, method = endpoint.rpartition(".")
    if method == "download":
        abort(404)
    group_by = (request.view_args or {}).get("group_by")
    if group_by is not None and not str(group_by).isdigit():
        abort(404)
    if method not in ("action", "action_post"):
        return None
    view = next((v for v in current_app.appbuilder.baseviews if v.__class__.__name__ == view_name), None)
    name = (request.view_args or {}).get("name") if method == "action" else request.form.get("action")
    if view is None or name not in (getattr(view, "actions", None) or {}):
        abort(404)
    return None
