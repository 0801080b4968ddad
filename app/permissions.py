"""The names FAB permissions are made of, shared by app/roles.py (who may)
and the views and menus (what there is), so a renamed view or menu entry
cannot silently drop out of a role. tests/unit/test_permissions.py checks that
every registered view and menu entry is granted to some non-admin role or
listed in ADMIN_ONLY."""

# ---------------------------------------------------------------- views (FAB's class_permission_name)
TODAY_VIEW = "TodayView"
DASHBOARD_VIEW = "DashboardView"
ROLLUP_CHART_VIEW = "RollupChartView"
PRINT_VIEW = "PrintView"
MANUAL_VIEW = "ManualView"
UNIT_VIEW = "UnitModelView"
UNIT_API = "UnitApi"
UNIT_STATUS_VIEW = "UnitStatusView"
OBLIGATIONS_VIEW = "ReportingObligationsView"
FORM_RECONCILE_VIEW = "FormReconcileView"
USER_VIEW = "MaskLogUserView"
RESET_PASSWORD_VIEW = "ResetPasswordView"
REGISTRATION_VIEW = "RegistrationView"
PROVINCE_ADMINS_VIEW = "ProvinceAdminsView"
AUDIT_VIEW = "AuditView"
ITEM_VIEW = "ItemView"
RISK_GROUP_VIEW = "RiskGroupView"
DOCUMENT_VIEWS = ("ReceiptView", "DailyCountView", "AllocationView", "ShipmentView", "DistributionView",
                  "AdjustmentView", "LedgerView")
# FAB's OpenAPI spec and its Swagger UI (FAB_API_SWAGGER_UI)
OPENAPI = "OpenApi"
SWAGGER_VIEW = "SwaggerView"
# FAB's own self-service views
USER_INFO_EDIT_VIEW = "UserInfoEditView"
RESET_MY_PASSWORD_VIEW = "ResetMyPasswordView"

# ---------------------------------------------------------------- permissions of MaskLog's views (can_<name>)
TODAY, RECORD, CONFIRM, COUNT = "today", "record", "confirm", "count"
DASHBOARD, EXPORT, CHART, PRINT = "dashboard", "export", "chart", "print"
READ, REGISTER, LIST = "read", "register", "list"
SWITCH = "switch"  # switch a unit (and its subtree) off or on
SET_RULES, EXEMPT = "set_rules", "exempt"  # who must report daily: the rules of levels, a unit's exception
RECONCILE = "reconcile"  # compare the province's Google Form with MaskLog, import rows found only there

# ---------------------------------------------------------------- menu entries (names, not labels)
MENU_TODAY = "Today"
MENU_DASHBOARD = "Dashboard"
MENU_UNITS = "Units"
MENU_LIST_UNITS = "List Units"
MENU_REPORTING_RULES = "Reporting rules"
MENU_REPORTING_EXCEPTIONS = "Reporting exceptions"
MENU_RECORDS = "Records"
MENU_DOCUMENTS = ("Receipts", "Daily counts", "Allocations", "Shipments", "Distributions", "Adjustments",
                  "Stock ledger")
MENU_AUDIT = "Audit trail"
MENU_RECONCILE = "Google Form reconciliation"
MENU_DAILY_CHART = "Daily chart"
MENU_REFERENCE = "Reference data"
MENU_ITEMS = "Items"
MENU_RISK_GROUPS = "Risk groups"
MENU_SECURITY = "Security"
MENU_LIST_USERS = "List Users"  # FAB's
MENU_REGISTER_USERS = "Register users"
MENU_ACTIVATION_SHEETS = "Activation sheets"
MENU_PROVINCE_ADMINS = "Province administrators"
MENU_HELP = "Help"
MENU_MANUAL = "User manual"
MENU_ABOUT = "About"

# Only the central administrator (every permission) reaches these: reference
# data, the national view of province administrators, and FAB's security
# screens (roles, permissions, views, user statistics), which are not scoped.
ADMIN_ONLY = {
    ITEM_VIEW, RISK_GROUP_VIEW, PROVINCE_ADMINS_VIEW, MENU_REFERENCE, MENU_ITEMS, MENU_RISK_GROUPS,
    MENU_PROVINCE_ADMINS, MENU_REPORTING_RULES,
    "MaskLogRoleView", "MaskLogPermissionViewView", "ViewMenuModelView", "PermissionModelView", "UserStatsChartView",
    "MaskLogUserStatsView", "MaskLogGroupView",
    "List Roles", "User's Statistics", "Base Permissions", "Views/Menus", "Permission on Views/Menus",
    "List Groups", "MenuApi",
}
