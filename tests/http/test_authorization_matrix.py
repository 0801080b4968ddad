"""Authorization matrix generated from app.url_map: every route, every role,
an object inside and an object outside the role's subtree.

- no request ever answers 500;
- a read of an out-of-scope object answers 403/404 (or FAB's redirect when the
  role lacks the permission altogether) and never shows the object;
- a write aimed at an out-of-scope object leaves it exactly as it was.
FAB's bulk actions (action, action_post, muldelete) are included.

The forged daily work is aimed at a target built for it, where each request
is valid but for its scope: a control test sends the same requests from
inside the scope and sees each one take effect."""
import datetime
import re
import uuid

import pytest
from sqlalchemy import select

# The operations that build the targets.
from app.commands.allocation import allocate
from app.commands.count import CountLineInput, save_count, sign_count
from app.commands.receipt import record_receipt
from app.commands.units import create_unit
from app.commands.users import create_user
from app.extensions import db
from app.models.ledger import (Adjustment, Allocation, AllocationLine, DailyCount, Distribution, LedgerLine,
                               Receipt, RiskGroup, StockBalance)
from app.models.rollup import DailyReport
from app.models.unit import Unit
from app.models.user import MaskLogUser
from app.roles import COUNTING_COMMITTEE, OFFICER
from app.thai import today
from tests.helpers import COMMITTEE, client_for, flashed_text, login

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
# The target of the forged daily work: a new LAO under this district, built by the province administrator.
TARGET_DISTRICT = {"cm": "5002", "bkk": "1001"}
ADMIN_OF_REGION = {"cm": "cm-admin", "bkk": "bkk-admin"}
STOCK, AWAITING, SHIPPED = 1000, 200, 100  # pieces counted in, awaiting count, in transit to the end unit
TARGET_DOCUMENTS = (Receipt, DailyCount, Allocation, Distribution, Adjustment, LedgerLine, DailyReport)
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


# ---------------------------------------------------------------- forged daily work

def _build_target(app, region):
    """A new LAO with one end unit: STOCK pieces counted in, AWAITING more to
    count, SHIPPED in transit to the end unit, and the in-scope users of the
    control test. Ids of it all."""
    with app.app_context():
        admin = db.session.execute(select(MaskLogUser).where(MaskLogUser.username == ADMIN_OF_REGION[region])
                                   ).scalar_one()
        district = db.session.execute(select(Unit).where(Unit.code == TARGET_DISTRICT[region])).scalar_one()
        tag = uuid.uuid4().hex[:8]
        lao = create_unit(db.session, admin, parent=district, level="lao", name_th=f"อปท.ทดสอบ {tag}",
                          code=f"M{tag}")
        end = create_unit(db.session, admin, parent=lao, level="end_unit", name_th=f"หน่วยรับทดสอบ {tag}",
                          code=f"M{tag}-1")
        people = {key: create_user(db.session, admin, username=f"{key}-{tag}", first_name=key, last_name=tag,
                                   email=f"{key}-{tag}@example.com", unit=unit, role_names=[role])
                  for key, unit, role in (("officer", lao, OFFICER), ("committee", lao, COUNTING_COMMITTEE),
                                          ("end_officer", end, OFFICER))}
        db.session.flush()
        # The stock-up is dated yesterday, so today's count sheet is still open and
        # neither unit has reported today (hand-made units refuse dates before their creation).
        for unit in (lao, end):
            unit.created_on -= datetime.timedelta(days=2)
        db.session.flush()
        day = today() - datetime.timedelta(days=1)

        def receive(quantity):
            return record_receipt(db.session, admin, unit=lao, receipt_date=day, source="ศบค.มท.",
                                  reference_no=f"IN-{tag}-{quantity}", quantity_sent=quantity)

        stock_up = receive(STOCK)
        count = save_count(db.session, admin, unit=lao, count_date=day, members=COMMITTEE,
                           lines=[CountLineInput(stock_up.id, counted=STOCK)], chair_name=COMMITTEE[0]["name"],
                           physical_count=STOCK)
        sign_count(db.session, admin, count)
        awaiting = receive(AWAITING)
        shipment = allocate(db.session, admin, unit=lao, allocation_date=day, document_no=f"OUT-{tag}",
                            shares=[(end, SHIPPED)]).lines[0]
        group = db.session.execute(select(RiskGroup.id).where(RiskGroup.active).order_by(RiskGroup.sort_order)
                                   ).scalars().first()
        db.session.commit()
        return {"lao": lao.id, "end": end.id, "awaiting": awaiting.id, "shipment": shipment.id, "group": group,
                **{key: person.id for key, person in people.items()}}


@pytest.fixture(scope="module")
def targets(app):
    """The targets of the out-of-scope attempts, one per region; nothing may change them."""
    return {region: _build_target(app, region) for region in PROVINCE_OF_REGION}


def forged_daily_work(target):
    """(name, url, form) of every daily-work form, each one valid at the target
    for a user in scope with the permission; fresh form tokens, so no request is
    taken for a double submission."""
    lao, end = target["lao"], target["end"]
    count = {"action": "sign", "chair_row": "0", "physical_count": "0", f"counted-{target['awaiting']}": str(AWAITING)}
    for i, member in enumerate(COMMITTEE):
        count[f"member-name-{i}"], count[f"member-position-{i}"] = member["name"], member["position"]
    work = [
        ("receipt", f"/today/{lao}/receipt", {"source": "x", "reference_no": "x", "quantity_sent": "5"}),
        ("adjust", f"/today/{lao}/adjust", {"kind": "loss", "quantity": "5", "reason": "x"}),
        ("distribute", f"/today/{lao}/distribute", {f"pieces-{target['group']}": "10",
                                                    f"people-{target['group']}": "5"}),
        ("allocate", f"/today/{lao}/allocate", {"document_no": "x", f"share-{end}": "20"}),
    ]
    work = [(name, url, {**data, "form_token": uuid.uuid4().hex}) for name, url, data in work]
    return work + [
        ("count", f"/today/{lao}/count", count),
        ("nothing", f"/today/{end}/nothing", {}),  # before the confirmation, which also reports the day
        ("confirm", f"/today/{end}/confirm/{target['shipment']}", {"received": str(SHIPPED)}),
    ]


def _target_state(app, target):
    """What a forged write could change: the documents of the target's units,
    their balances, the receipt awaiting count and the shipment in transit."""
    units = (target["lao"], target["end"])
    with app.app_context():
        state = {model.__name__: db.session.query(model).filter(model.unit_id.in_(units)).count()
                 for model in TARGET_DOCUMENTS}
        state["balances"] = {unit: db.session.query(StockBalance.quantity).filter_by(unit_id=unit).scalar() or 0
                             for unit in units}
        state["awaiting"] = db.session.get(Receipt, target["awaiting"]).status
        state["shipment"] = db.session.get(AllocationLine, target["shipment"]).status
        return state


def _write_attempts(app, kind, pk, target):
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
    else:  # the daily work, aimed at the dedicated target outside the subtree
        attempts += [(url, data) for _name, url, data in forged_daily_work(target)]
    return attempts


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
@pytest.mark.parametrize("kind", ["unit", "user"])
def test_writes_on_out_of_scope_objects_have_no_effect(app, clients, targets, role, kind):
    client = clients[role]
    region = out_of_scope_region(role)
    pk, _ = _load(app, kind, region)
    target = targets[region]

    def state():  # includes the password hash of a user
        return _snapshot(app, kind, region), _target_state(app, target)

    before = state()
    assert (before[1]["awaiting"], before[1]["shipment"]) == ("awaiting_count", "in_transit"), \
        "an earlier role's attempt changed the shared target"
    for url, data in _write_attempts(app, kind, pk, target):
        for method in ("POST", "GET"):
            response = client.open(url, method=method, data=data if method == "POST" else None)
            assert response.status_code != 500, f"{role} {method} {url}: 500"
            assert state() == before, f"{role} {method} {url} changed the object or the target"


# Who sends each forged request in scope, what it must change, and how the
# balances (LAO, end unit) must move.
IN_SCOPE = {
    "receipt": ("officer", "Receipt", (0, 0)),  # stock waits for the count
    "adjust": ("officer", "Adjustment", (-5, 0)),
    "distribute": ("officer", "Distribution", (-10, 0)),
    "allocate": ("officer", "Allocation", (-20, 0)),
    "count": ("committee", "awaiting", (AWAITING, 0)),
    "nothing": ("end_officer", "DailyReport", (0, 0)),
    "confirm": ("end_officer", "shipment", (0, SHIPPED)),
}


@pytest.mark.parametrize("region", ["cm", "bkk"])
def test_forged_daily_work_takes_effect_in_scope(app, region):
    """The control of the out-of-scope attempts: the same requests, sent to a
    fresh target by its own users, each take effect, so only the scope rule
    refused them above."""
    target = _build_target(app, region)
    for name, url, data in forged_daily_work(target):
        actor, changed, (lao_moved, end_moved) = IN_SCOPE[name]
        before = _target_state(app, target)
        response = client_for(app, target[actor]).post(url, data=data)
        after = _target_state(app, target)
        refusal = flashed_text(response.get_data(as_text=True))
        assert response.status_code == 302, f"{name}: {response.status_code} {refusal}"
        assert after[changed] != before[changed], f"{name} changed nothing"
        moved = tuple(after["balances"][unit] - before["balances"][unit] for unit in (target["lao"], target["end"]))
        assert moved == (lao_moved, end_moved), name


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
    # Filtered to the demo documents: other tests add receipts that would push them off page one.
    body = clients["cm-viewer"].get("/receiptview/list/?_flt_0_reference_no=DEMO-").get_data(as_text=True)
    assert "DEMO-CM" in body and "DEMO-BKK" not in body
    allocation_id, _ = _load(app, "allocation", "cm")
    body = clients["cm-admin"].get(f"/print/allocation/{allocation_id}").get_data(as_text=True)
    assert "DEMO-CM-0017/1" in body and "๒๐,๐๐๐" in body  # Thai digits on the printout
