"""Registers the FAB views, one module per area."""
from flask_babel import lazy_gettext as _l


def register_views(appbuilder) -> None:
    from flask import current_app

    from app.views import documents as d
    from app.views import guards
    from app.views.about import AboutView
    from app.views.coverage import ProvinceAdminsView
    from app.views.manual import ManualView
    from app.views.qr import PublicQRView, QRView, register_qr_helpers
    from app.views.registration import ActivationView, RegistrationView
    from app.views.dashboard import DashboardView, RollupChartView
    from app.views.dashboard import register as register_dashboard_helpers
    from app.views.today import TodayView
    from app.views.units import UnitModelView

    appbuilder.add_view(TodayView, "Today", href="/today/", icon="fa-calendar-check", label=_l("Today"))
    appbuilder.add_view(DashboardView, "Dashboard", href="/dashboard/", icon="fa-chart-column",
                        label=_l("Dashboard"))
    register_dashboard_helpers(current_app)

    appbuilder.add_view(
        UnitModelView,
        "List Units",
        icon="fa-sitemap",
        label=_l("Units"),
        category="Units",
        category_label=_l("Units"),
        category_icon="fa-sitemap",
    )
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
        (RollupChartView, "Daily chart", _l("Daily chart"), "fa-chart-line"),
    ):
        appbuilder.add_view(view, name, label=label, icon=icon, **records)
    reference = dict(category="Reference data", category_label=_l("Reference data"), category_icon="fa-list")
    appbuilder.add_view(d.ItemView, "Items", label=_l("Items"), icon="fa-box", **reference)
    appbuilder.add_view(d.RiskGroupView, "Risk groups", label=_l("Risk groups"), icon="fa-users", **reference)
    appbuilder.add_view_no_menu(d.PrintView)
    appbuilder.add_view(RegistrationView, "Register users", label=_l("Register users"), icon="fa-file-import",
                        category="Security", category_label=_l("Security"), category_icon="fa-cogs")
    appbuilder.add_link("Activation sheets", label=_l("Activation sheets"), href="/registration/sheets",
                        icon="fa-qrcode", category="Security")
    appbuilder.add_view_no_menu(ActivationView)
    appbuilder.add_view(ProvinceAdminsView, "Province administrators", label=_l("Province administrators"),
                        icon="fa-user-tie", category="Security")
    appbuilder.add_view_no_menu(AboutView)
    appbuilder.add_view_no_menu(PublicQRView)
    appbuilder.add_view_no_menu(QRView)
    register_qr_helpers(current_app)
    guards.register(current_app)
    appbuilder.add_view(ManualView, "User manual", label=_l("User manual"), icon="fa-book-open",
                        category="Help", category_label=_l("Help"), category_icon="fa-question-circle")
    appbuilder.add_link(
        "About",
        label=_l("About MaskLog"),
        href="/about/",
        icon="fa-info-circle",
        category="Help",
        category_label=_l("Help"),
        category_icon="fa-question-circle",
    )

