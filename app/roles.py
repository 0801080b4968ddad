"""Roles, defined in code and synced idempotently (`flask masklog setup`).

FAB permissions say which *actions* a role may take; the unit tree (app/scoping.py)
says which *rows*. There is never a permission per unit.

These are FAB "builtin roles" (FAB_ROLES): their permissions are checked in
memory with regular expressions, so a permission check costs no SQL query.
Patterns are anchored with "$" because FAB uses re.match (prefix match)."""
import re

from flask_babel import lazy_gettext as _l

from app.permissions import (AUDIT_VIEW, CHART, CONFIRM, COUNT, DASHBOARD, DASHBOARD_VIEW, DOCUMENT_VIEWS, EXPORT,
                             MANUAL_VIEW, MENU_ABOUT, OPENAPI, SWAGGER_VIEW, MENU_ACTIVATION_SHEETS, MENU_AUDIT, MENU_DAILY_CHART,
                             MENU_DASHBOARD, MENU_DOCUMENTS, MENU_HELP, MENU_LIST_UNITS, MENU_LIST_USERS, MENU_MANUAL,
                             MENU_RECORDS, MENU_REGISTER_USERS, MENU_REPORTING_EXCEPTIONS, OBLIGATIONS_VIEW, EXEMPT,
                             FORM_RECONCILE_VIEW, MENU_RECONCILE, RECONCILE, MENU_SECURITY, MENU_TODAY, MENU_UNITS, PRINT,
                             PRINT_VIEW, READ, RECORD, REGISTER, REGISTRATION_VIEW, RESET_MY_PASSWORD_VIEW,
                             RESET_PASSWORD_VIEW, ROLLUP_CHART_VIEW, TODAY, TODAY_VIEW, SWITCH, UNIT_API, UNIT_STATUS_VIEW, UNIT_VIEW,
                             USER_INFO_EDIT_VIEW, USER_VIEW)

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


def _names(*names) -> str:
    """A regular expression matching exactly these names (FAB uses re.match)."""
    return "(" + "|".join(re.escape(name) for name in names) + ")$"


def _can(*permissions) -> str:
    return "can_" + _names(*permissions)


_MENU = "menu_access$"

# Every signed-in user may see and edit their own profile and change their password.
_SELF_SERVICE = [
    (_names(USER_INFO_EDIT_VIEW, RESET_MY_PASSWORD_VIEW), "can_this_form_(get|post)$"),
    # Actions are checked under their bare name (FAB), views under can_<name>.
    (_names(USER_VIEW), "(can_userinfo|userinfoedit|resetmypassword)$"),
    (_names(MENU_HELP, MENU_ABOUT, MENU_MANUAL), _MENU),
    (_names(MANUAL_VIEW), _can(READ)),
    # The API's description: what a signed-in user's scripts may call (nothing in it is secret).
    (_names(OPENAPI), _can("get")),
    (_names(SWAGGER_VIEW), _can("show")),
]
_TODAY = [
    (_names(TODAY_VIEW), _can(TODAY)),
    (_names(MENU_TODAY), _MENU),
    # Every signed-in role reads the documents of its subtree and prints them.
    (_names(*DOCUMENT_VIEWS), _can("list", "show")),
    (_names(MENU_RECORDS, *MENU_DOCUMENTS), _MENU),
    (_names(PRINT_VIEW), _can(PRINT)),
    # Every signed-in role sees the dashboard of its subtree and exports its reports.
    (_names(DASHBOARD_VIEW), _can(DASHBOARD, EXPORT)),
    (_names(ROLLUP_CHART_VIEW), _can(CHART)),
    (_names(MENU_DASHBOARD, MENU_DAILY_CHART), _MENU),
]
_UNITS_READ = [
    (_names(UNIT_VIEW), _can("list", "show")),
    (_names(UNIT_API), _can("get", "info")),
    (_names(MENU_UNITS, MENU_LIST_UNITS), _MENU),
]

ROLE_DEFINITIONS = {
    CENTRAL_ADMIN: [(".*", ".*")],
    PROVINCE_ADMIN: _SELF_SERVICE
    + _UNITS_READ
    + _TODAY
    + [
        (_names(UNIT_VIEW), _can("add", "edit")),
        (_names(UNIT_STATUS_VIEW), _can(SWITCH)),
        (_names(OBLIGATIONS_VIEW), _can(EXEMPT)),
        (_names(FORM_RECONCILE_VIEW), _can(RECONCILE)),
        (_names(MENU_RECONCILE), _MENU),
        (_names(MENU_REPORTING_EXCEPTIONS), _MENU),
        (_names(USER_VIEW), "(can_(list|show|add|edit)|resetpasswords|unlock)$"),
        (_names(RESET_PASSWORD_VIEW), "can_this_form_(get|post)$"),
        (_names(MENU_SECURITY, MENU_LIST_USERS, MENU_REGISTER_USERS, MENU_ACTIVATION_SHEETS), _MENU),
        (_names(REGISTRATION_VIEW), _can(REGISTER)),
        (_names(AUDIT_VIEW), _can("list", "show")),
        (_names(MENU_AUDIT), _MENU),
    ],
    OFFICER: _SELF_SERVICE + _UNITS_READ + _TODAY + [(_names(TODAY_VIEW), _can(RECORD, CONFIRM))],
    COUNTING_COMMITTEE: _SELF_SERVICE + _UNITS_READ + _TODAY + [(_names(TODAY_VIEW), _can(COUNT))],
    VIEWER: _SELF_SERVICE + _UNITS_READ + _TODAY,
    PUBLIC: [],
}

# Which roles each role may hand out. Only the central administrator appoints
# province administrators (letter มท 0230/ว 2655: two per province).
GRANTABLE_ROLES = {
    CENTRAL_ADMIN: [CENTRAL_ADMIN, PROVINCE_ADMIN, OFFICER, COUNTING_COMMITTEE, VIEWER],
    PROVINCE_ADMIN: [OFFICER, COUNTING_COMMITTEE, VIEWER],
}


# Which unit levels each role may sit at. A province administrator manages one
# province (the letter: two per province), so they sit at the province unit; a
# central administrator anywhere but the root would reach the unscoped security
# screens (roles, groups) from inside a subtree. Roles not listed sit anywhere.
ROLE_LEVELS = {
    CENTRAL_ADMIN: ("central",),
    PROVINCE_ADMIN: ("province",),
}


def misplaced_role_message(role_name: str, unit_level: str):
    """A Thai reason when a role may not sit at a unit of this level, else None."""
    allowed = ROLE_LEVELS.get(role_name)
    if allowed is None or unit_level in allowed:
        return None
    if role_name == CENTRAL_ADMIN:
        return _l("A central administrator must belong to the central unit.")
    return _l("A province administrator must belong to a province unit (not a district or a unit below it).")


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
