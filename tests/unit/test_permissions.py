"""Every view and menu entry FAB registers is granted to some role other than
the central administrator, or is listed as admin-only (app/permissions.py):
a view renamed in one place and not the other would otherwise vanish from
every officer's menu without a failing test."""
import pytest

from app.permissions import ADMIN_ONLY
from app.roles import CENTRAL_ADMIN, PUBLIC, ROLE_DEFINITIONS

pytestmark = pytest.mark.database_independent
WORKING_ROLES = [name for name in ROLE_DEFINITIONS if name not in (CENTRAL_ADMIN, PUBLIC)]


class _Role:
    def __init__(self, name):
        self.name = name


def granted(app, permission, view_name) -> bool:
    sm = app.appbuilder.sm
    return any(sm._has_access_builtin_roles(_Role(role), permission, view_name) for role in WORKING_ROLES)


def menu_names(items):
    for item in items:
        if item.name != "-":
            yield item.name
        yield from menu_names(item.childs or [])


def test_every_view_with_permissions_is_granted_or_admin_only(app):
    views = [view for view in app.appbuilder.baseviews if view.base_permissions]
    assert len(views) > 25
    orphans = [view.class_permission_name for view in views
               if view.class_permission_name not in ADMIN_ONLY and type(view).__name__ not in ADMIN_ONLY
               and not any(granted(app, permission, view.class_permission_name)
                           for permission in view.base_permissions)]
    assert orphans == []


def test_every_menu_entry_is_granted_or_admin_only(app):
    names = list(menu_names(app.appbuilder.menu.get_list()))
    assert len(names) > 25
    assert [name for name in names if name not in ADMIN_ONLY and not granted(app, "menu_access", name)] == []


def test_admin_only_names_exist(app):
    """A stale name in ADMIN_ONLY would hide an orphan: each one is registered."""
    registered = set(menu_names(app.appbuilder.menu.get_list()))
    for view in app.appbuilder.baseviews:
        registered |= {view.class_permission_name, type(view).__name__}
    assert sorted(ADMIN_ONLY - registered) == []


def test_an_orphan_would_be_found(app):
    assert not granted(app, "can_list", "NoSuchView") and granted(app, "can_today", "TodayView")
