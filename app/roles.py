"""Roles, defined in code and synced idempotently (`flask masklog setup`).

FAB permissions say which *actions* a role may take; the unit tree (app/scoping.py)
says which *rows*. There is never a permission per unit.

These are FAB "builtin roles" (FAB_ROLES): their permissions are checked in
memory with regular expressions, so a permission check costs no SQL query.
Patterns are anchored with "$" because FAB uses re.match (prefix match)."""
from flask_babel import lazy_gettext as _l

CENTRAL_ADMIN = "Central Administrator"
PROVINCE_ADMIN = "Province Administrator"
OFFICER = "Officer"
COUNTING_COMMITTEE = "Counting Committee"
VIEWER = "Viewer"
PUBLIC = "Public"

ROLE_LABELS = {
    CENTRAL_ADMIN: _l("Central administrator"),
    PROVINCE_ADMIN: _l("Province administrator"),
    OFFICER: _l("Officer"),
    COUNTING_COMMITTEE: _l("Counting committee"),
    VIEWER: _l("Viewer (executive)"),
    PUBLIC: _l("Public (not signed in)"),
}

# Every signed-in user may see and edit their own profile and change their password.
_SELF_SERVICE = [
    ("UserInfoEditView$", "can_this_form_(get|post)$"),
    ("ResetMyPasswordView$", "can_this_form_(get|post)$"),
    # Actions are checked under their bare name (FAB), views under can_<name>.
    ("MaskLogUserView$", "(can_userinfo|userinfoedit|resetmypassword)$"),
    ("(Help|About|User manual)$", "menu_access$"),
    ("ManualView$", "can_read$"),
]
_TODAY = [
    ("TodayView$", "can_today$"),
    ("Today$", "menu_access$"),
    # Every signed-in role reads the documents of its subtree and prints them.
    ("(Receipt|DailyCount|Allocation|Shipment|Distribution|Adjustment|Ledger)View$", "can_(list|show)$"),
    ("(Records|Receipts|Daily counts|Allocations|Shipments|Distributions|Adjustments|Stock ledger)$",
     "menu_access$"),
    ("PrintView$", "can_print$"),
    # Every signed-in role sees the dashboard of its subtree and exports its reports.
    ("DashboardView$", "can_(dashboard|export)$"),
    ("RollupChartView$", "can_chart$"),
    ("(Dashboard|Daily chart)$", "menu_access$"),
]
_UNITS_READ = [
    ("UnitModelView$", "can_(list|show)$"),
    ("UnitApi$", "can_(get|info)$"),
    ("(Units|List Units)$", "menu_access$"),
]

ROLE_DEFINITIONS = {
    CENTRAL_ADMIN: [(".*", ".*")],
    PROVINCE_ADMIN: _SELF_SERVICE
    + _UNITS_READ
    + _TODAY
    + [
        ("UnitModelView$", "can_(add|edit)$"),
        ("MaskLogUserView$", "(can_(list|show|add|edit)|resetpasswords)$"),
        ("ResetPasswordView$", "can_this_form_(get|post)$"),
        ("(Security|List Users|Register users|Activation sheets)$", "menu_access$"),
        ("RegistrationView$", "can_register$"),
        ("AuditView$", "can_(list|show)$"),
        ("Audit trail$", "menu_access$"),
    ],
    OFFICER: _SELF_SERVICE + _UNITS_READ + _TODAY + [("TodayView$", "can_(record|confirm)$")],
    COUNTING_COMMITTEE: _SELF_SERVICE + _UNITS_READ + _TODAY + [("TodayView$", "can_count$")],
    VIEWER: _SELF_SERVICE + _UNITS_READ + _TODAY,
    PUBLIC: [],
}

# Which roles each role may hand out. Only the central administrator appoints
# province administrators (letter มท 0230/ว 2655: two per province).
GRANTABLE_ROLES = {
    CENTRAL_ADMIN: [CENTRAL_ADMIN, PROVINCE_ADMIN, OFFICER, COUNTING_COMMITTEE, VIEWER],
    PROVINCE_ADMIN: [OFFICER, COUNTING_COMMITTEE, VIEWER],
}


def role_label(name: str) -> str:
    return str(ROLE_LABELS.get(name, name))


def grantable_role_names(actor) -> list:
    """Union of what the actor's roles may grant (empty when none)."""
    names = []
    for role in getattr(actor, "roles", None) or []:
        for granted in GRANTABLE_ROLES.get(role.name, []):
            if granted not in names:
                names.append(granted)
    return names
