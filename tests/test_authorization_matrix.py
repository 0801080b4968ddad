"""Authorization matrix generated from app.url_map: every route, every role,
an object inside and an object outside the role's subtree.

- no request ever answers 500;
- a read of an out-of-scope object answers 403/404 (or FAB's redirect when the
  role lacks the permission altogether) and never shows the object;
- a write aimed at an out-of-scope object leaves it exactly as it was.
FAB's bulk actions (action, action_post, muldelete) are included."""
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models.unit import Unit
from app.models.user import MaskLogUser
from tests.conftest import login

ROLES = ["anonymous", "admin", "cm-admin", "cm-officer", "cm-committee", "cm-viewer", "bkk-admin"]
DENIED = {302, 401, 403, 404, 405}

# An object of each kind in Chiang Mai and one in Bangkok, with a marker that
# appears on a page only if the object is shown.
TARGETS = {
    "unit": {"cm": ("code", "CM-SRIPHUM-HPH", "โรงพยาบาลส่งเสริมสุขภาพตำบลศรีภูมิ"),
             "bkk": ("code", "100101", "พระบรมมหาราชวัง")},
    "user": {"cm": ("username", "cm-officer", "cm-officer"),
             "bkk": ("username", "bkk-admin", "bkk-admin")},
}
# Ledger documents from the demo day of work, found by their unit's province.
DOCUMENT_MODELS = {
    "receipt": "Receipt", "daily_count": "DailyCount", "allocation": "Allocation",
    "shipment": "AllocationLine", "adjustment": "Adjustment", "ledger": "LedgerLine", "audit": "AuditEntry",
}
DOCUMENT_MARKERS = {"cm": "DEMO-CM", "bkk": "DEMO-BKK"}
PROVINCE_OF_REGION = {"cm": "50", "bkk": "10"}
# Which kind of object a view's <pk> refers to.
VIEW_KINDS = {"UnitModelView": "unit", "UnitApi": "unit", "MaskLogUserView": "user", "TodayView": "unit",
              "ReceiptView": "receipt", "DailyCountView": "daily_count", "AllocationView": "allocation",
              "ShipmentView": "shipment", "AdjustmentView": "adjustment", "LedgerView": "ledger",
              "AuditView": "audit", "PrintView.allocation": "allocation", "PrintView.count": "daily_count",
              "RegistrationView.sheet": "unit", "RegistrationView.reissue_link": "user", "QRView": "unit"}
OBJECT_ARGS = {"pk", "unit_id", "user_id"}


def out_of_scope_region(role):
    return {"bkk-admin": "cm"}.get(role, "bkk")


# Requests must run outside any app context the test holds: Flask reuses an
# active app context, and with it `g` (Flask-Login caches the user there).
def _load(app, kind, region):
    """(pk, marker) of the target object."""
    if kind in DOCUMENT_MODELS:
        from app import models

        model = getattr(models, DOCUMENT_MODELS[kind])
        with app.app_context():
            province = db.session.execute(select(Unit).where(Unit.code == PROVINCE_OF_REGION[region])).scalar_one()
            row = db.session.execute(select(model).join(Unit, Unit.id == model.unit_id)
                                     .where(Unit.path.like(province.path + "%")).order_by(model.id)).scalars().first()
            assert row is not None, (kind, region)
            return row.id, province.name_th
    model, (column, value, marker) = (Unit if kind == "unit" else MaskLogUser), TARGETS[kind][region]
    with app.app_context():
        row = db.session.execute(select(model).where(getattr(model, column) == value)).scalar_one()
        return row.id, marker


def _snapshot(app, kind, region):
    model, (column, value, _) = (Unit if kind == "unit" else MaskLogUser), TARGETS[kind][region]
    with app.app_context():
        row = db.session.execute(select(model).where(getattr(model, column) == value)).scalar_one()
        columns = row.__table__.columns.keys()
        state = {c: getattr(row, c) for c in columns if c not in ("last_login", "login_count", "fail_login_count")}
        if kind == "user":
            state["roles"] = sorted(r.name for r in row.roles)
        return state


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in ("static", "appbuilder.static"):
            continue
        view = rule.endpoint.split(".")[0]
        yield rule, view


def _actions(app, view):
    instance = next((v for v in app.appbuilder.baseviews if v.__class__.__name__ == view), None)
    return sorted(getattr(instance, "actions", {}) or {}) or ["nonexistent"]


def _urls(app, rule, view, pk):
    """Concrete URLs for a rule, with <pk>, <name>, … filled in."""
    args = set(rule.arguments)
    values = {}
    for name in OBJECT_ARGS & args:
        values[name] = pk
    if "line_id" in args:
        values["line_id"] = 1
    if "token" in args:
        values["token"] = "not-a-token"
    if "filename" in args:
        values["filename"] = "nothing.txt"
    if "locale" in args:
        values["locale"] = "en"
    if "group_by" in args:
        values["group_by"] = "username"
    names = _actions(app, view) if "name" in args else [None]
    for name in names:
        if name:
            values["name"] = name
        path = rule.rule
        for key, value in values.items():
            path = re.sub(r"<(?:[a-z]+:)?%s>" % key, str(value), path)
        yield path


@pytest.fixture(scope="module")
def clients(app):
    made = {}
    for role in ROLES:
        client = app.test_client()
        if role != "anonymous":
            login(client, role)
        made[role] = client
    return made


@pytest.mark.parametrize("role", ROLES)
def test_reads_never_leak_out_of_scope_objects(app, clients, role):
    client = clients[role]
    region = out_of_scope_region(role)
    checked = 0
    targets = {kind: _load(app, kind, region) for kind in list(TARGETS) + list(DOCUMENT_MODELS)}
    for rule, view in list(_routes(app)):
        if "GET" not in rule.methods or rule.endpoint.endswith("logout"):
            continue
        if role == "admin" and rule.endpoint.rpartition(".")[2] in ("delete", "action"):
            continue  # FAB mutates on GET when CSRF is off: not a read for this role
        kind = VIEW_KINDS.get(rule.endpoint, VIEW_KINDS.get(view))
        if OBJECT_ARGS & set(rule.arguments) and kind is None:
            pk, marker = 1, None  # security views: central administrator only
        elif kind:
            pk, marker = targets[kind]
        else:
            pk, marker = None, None
        for url in _urls(app, rule, view, pk):
            response = client.get(url)
            checked += 1
            assert response.status_code != 500, f"{role} GET {url}: 500"
            body = response.get_data().decode("utf-8", "replace")
            if role == "admin":
                continue  # the whole country is in scope
            if marker and OBJECT_ARGS & set(rule.arguments):
                assert response.status_code in DENIED, f"{role} GET {url}: {response.status_code}"
                assert marker not in body, f"{role} GET {url} shows {marker}"
            if marker is None and kind is None:
                for leaked in [other[region][2] for other in TARGETS.values()] + [DOCUMENT_MARKERS[region]]:
                    assert leaked not in body, f"{role} GET {url} shows {leaked}"
    assert checked > 40


def _write_attempts(app, role, kind, pk):
    """Every POST a user could forge against one object."""
    base = {"unit": "/unitmodelview", "user": "/users"}[kind]
    view = {"unit": "UnitModelView", "user": "MaskLogUserView"}[kind]
    if kind == "unit":
        edit = {"name_th": "ถูกแก้ไข", "name_en": "hacked", "code": "HACKED-1", "active": ""}
    else:
        edit = {"first_name": "ถูกแก้ไข", "last_name": "x", "username": "hacked-user",
                "email": "hacked@example.com", "active": ""}
    attempts = [(f"{base}/edit/{pk}", edit), (f"{base}/delete/{pk}", {})]
    for name in _actions(app, view):
        attempts.append((f"{base}/action/{name}/{pk}", {}))
        attempts.append((f"{base}/action_post", {"action": name, "rowid": [str(pk)]}))
    attempts.append((f"{base}/action_post", {"action": "muldelete", "rowid": [str(pk)]}))
    if kind == "user":
        attempts.append((f"/resetpassword/form?pk={pk}", {"password": "Hacked-pass-123", "conf_password": "Hacked-pass-123"}))
        attempts.append((f"/registration/reissue/{pk}", {}))
    else:  # the daily work, aimed at a unit outside the subtree
        attempts += [
            (f"/today/{pk}/receipt", {"source": "x", "reference_no": "x", "quantity_sent": "5"}),
            (f"/today/{pk}/adjust", {"kind": "correction", "quantity": "5", "reason": "x"}),
            (f"/today/{pk}/distribute", {"pieces-1": "1", "people-1": "1"}),
            (f"/today/{pk}/allocate", {"document_no": "x"}),
            (f"/today/{pk}/count", {"action": "draft", "member-name-0": "x", "member-position-0": "x"}),
        ]
    return attempts


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
@pytest.mark.parametrize("kind", ["unit", "user"])
def test_writes_on_out_of_scope_objects_have_no_effect(app, clients, role, kind):
    client = clients[role]
    region = out_of_scope_region(role)
    pk, _ = _load(app, kind, region)
    before = _snapshot(app, kind, region)  # includes the password hash of a user
    for url, data in _write_attempts(app, role, kind, pk):
        for method in ("POST", "GET"):
            response = client.open(url, method=method, data=data if method == "POST" else None)
            assert response.status_code != 500, f"{role} {method} {url}: 500"
            assert _snapshot(app, kind, region) == before, f"{role} {method} {url} changed the object"
    if kind == "unit":
        from app.models.ledger import Adjustment, DailyCount, Distribution, Receipt

        with app.app_context():
            for model in (Receipt, Adjustment, Distribution, DailyCount):
                assert db.session.query(model).filter_by(unit_id=pk).count() == 0, model.__name__


def test_matrix_would_catch_a_visible_object(app, clients):
    """The same checks see an in-scope object: the matrix is not vacuous."""
    unit_id, marker = _load(app, "unit", "cm")
    user_id, user_marker = _load(app, "user", "cm")
    body = clients["cm-admin"].get(f"/unitmodelview/show/{unit_id}").get_data(as_text=True)
    assert marker in body
    body = clients["cm-viewer"].get(f"/unitmodelview/show/{unit_id}").get_data(as_text=True)
    assert marker in body
    body = clients["cm-admin"].get(f"/users/show/{user_id}").get_data(as_text=True)
    assert user_marker in body


def test_in_scope_edit_by_province_admin_takes_effect(app, clients):
    """A write the province administrator may make does change the row, so the
    'no effect' checks above are meaningful."""
    with app.app_context():
        unit = db.session.execute(select(Unit).where(Unit.code == "CM-CHECKPOINT")).scalar_one()
        pk, parent_id = unit.id, unit.parent_id
    response = clients["cm-admin"].post(f"/unitmodelview/edit/{pk}", data={
        "parent": str(parent_id), "code": "CM-CHECKPOINT", "name_th": "จุดตรวจคัดกรองอำเภอเมืองเชียงใหม่ (แก้ไข)",
        "name_en": "Mueang Chiang Mai checkpoint", "active": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Unit, pk).name_th.endswith("(แก้ไข)")


def test_matrix_sees_in_scope_documents(app, clients):
    receipt_id, marker = _load(app, "receipt", "cm")
    response = clients["cm-viewer"].get(f"/receiptview/show/{receipt_id}")
    assert response.status_code == 200 and marker in response.get_data(as_text=True)
    body = clients["cm-viewer"].get("/receiptview/list/").get_data(as_text=True)
    assert "DEMO-CM" in body and "DEMO-BKK" not in body
    allocation_id, _ = _load(app, "allocation", "cm")
    body = clients["cm-admin"].get(f"/print/allocation/{allocation_id}").get_data(as_text=True)
    assert "DEMO-CM-0017/1" in body and "๒๐,๐๐๐" in body  # Thai digits on the printout
