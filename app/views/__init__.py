"""Registers the FAB views, one module per area, under the menu names of
app/permissions.py (which app/roles.py grants)."""
from flask_babel import lazy_gettext as _l

from app import permissions as p


def register_views(appbuilder) -> None:
    from app.views import documents as d
    from app.views.about import AboutView
    from app.views.corrections import CorrectionsView
    from app.views.coverage import ProvinceAdminsView
    from app.views.dashboard import DashboardView, RollupChartView
    from app.views.manual import ManualView
    from app.views.obligations import ObligationsView
    from app.views.qr import PublicQRView, QRView
    from app.views.reconcile import FormReconcileView
    from app.views.registration import ActivationView, RegistrationView
    from app.views.today import TodayView
    from app.views.unit_status import UnitStatusView
    from app.views.units import UnitModelView

    appbuilder.add_view(TodayView, p.MENU_TODAY, href="/today/", icon="fa-calendar-check", label=_l("Today"))
    appbuilder.add_view_no_menu(CorrectionsView)
    appbuilder.add_view(DashboardView, p.MENU_DASHBOARD, href="/dashboard/", icon="fa-chart-column",
                        label=_l("Dashboard"))
    appbuilder.add_view(UnitModelView, p.MENU_LIST_UNITS, icon="fa-sitemap", label=_l("Units"),
                        category=p.MENU_UNITS, category_label=_l("Units"), category_icon="fa-sitemap")
    appbuilder.add_view_no_menu(UnitStatusView)
    appbuilder.add_view(ObligationsView, p.MENU_REPORTING_EXCEPTIONS, href="/obligations/exceptions",
                        label=_l("Reporting exceptions"), icon="fa-user-clock", category=p.MENU_UNITS)
    appbuilder.add_link(p.MENU_REPORTING_RULES, href="/obligations/rules", label=_l("Reporting rules"),
                        icon="fa-list-check", category=p.MENU_UNITS)
    records = dict(category=p.MENU_RECORDS, category_label=_l("Records"), category_icon="fa-book")
    document_views = (d.ReceiptView, d.DailyCountView, d.AllocationView, d.ShipmentView, d.DistributionView,
                      d.AdjustmentView, d.LedgerView)
    document_labels = (_l("Receipts"), _l("Daily counts"), _l("Allocations"), _l("Shipments"),
                       _l("Distributions"), _l("Adjustments"), _l("Stock ledger"))
    document_icons = ("fa-truck-ramp-box", "fa-clipboard-check", "fa-share-nodes", "fa-truck", "fa-people-group",
                      "fa-scale-balanced", "fa-book")
    for view, name, label, icon in zip(document_views, p.MENU_DOCUMENTS, document_labels, document_icons):
        appbuilder.add_view(view, name, label=label, icon=icon, **records)
    appbuilder.add_view(d.AuditView, p.MENU_AUDIT, label=_l("Audit trail"), icon="fa-user-shield", **records)
    appbuilder.add_view(FormReconcileView, p.MENU_RECONCILE, label=_l("Compare with the Google Form"),
                        icon="fa-code-compare", **records)
    appbuilder.add_view(RollupChartView, p.MENU_DAILY_CHART, label=_l("Daily chart"), icon="fa-chart-line",
                        **records)
    reference = dict(category=p.MENU_REFERENCE, category_label=_l("Reference data"), category_icon="fa-list")
    appbuilder.add_view(d.ItemView, p.MENU_ITEMS, label=_l("Items"), icon="fa-box", **reference)
    appbuilder.add_view(d.RiskGroupView, p.MENU_RISK_GROUPS, label=_l("Risk groups"), icon="fa-users",
                        **reference)
    appbuilder.add_view_no_menu(d.PrintView)
    appbuilder.add_view(RegistrationView, p.MENU_REGISTER_USERS, label=_l("Register users"),
                        icon="fa-file-import", category=p.MENU_SECURITY, category_label=_l("Security"),
                        category_icon="fa-cogs")
    appbuilder.add_link(p.MENU_ACTIVATION_SHEETS, label=_l("Activation sheets"), href="/registration/sheets",
                        icon="fa-qrcode", category=p.MENU_SECURITY)
    appbuilder.add_view_no_menu(ActivationView)
    appbuilder.add_view(ProvinceAdminsView, p.MENU_PROVINCE_ADMINS, label=_l("Province administrators"),
                        icon="fa-user-tie", category=p.MENU_SECURITY)
    appbuilder.add_view_no_menu(AboutView)
    appbuilder.add_view_no_menu(PublicQRView)
    appbuilder.add_view_no_menu(QRView)
    help_menu = dict(category=p.MENU_HELP, category_label=_l("Help"), category_icon="fa-question-circle")
    appbuilder.add_view(ManualView, p.MENU_MANUAL, label=_l("User manual"), icon="fa-book-open", **help_menu)
    appbuilder.add_link(p.MENU_ABOUT, label=_l("About MaskLog"), href="/about/", icon="fa-info-circle",
                        **help_menu)


def register_template_helpers(app) -> None:
    """Jinja globals and filters the views' templates use."""
    from app.views.dashboard import register as register_dashboard_helpers
    from app.views.navbar import register as register_navbar
    from app.views.qr import register_qr_helpers
    from app.views.script_messages import register as register_script_messages
    from app.views.unit_status import register as register_unit_status_helpers

    register_dashboard_helpers(app)
    register_qr_helpers(app)
    register_unit_status_helpers(app)
    register_navbar(app)
    register_script_messages(app)
