"""The authorization matrix of the REST API (#17): every route under /api/v1/
× every role × an object in the caller's area, in a sibling district of the
same province and in another province.

Three worlds are built once per backend, each a new LAO with an end unit below
it, stock, one document of every kind and a user of every role at the LAO and
at the end unit: "in" (under Chiang Mai's district 5002, where the actors
live), "sibling" (under Chiang Mai's district 5001) and "other_province"
(under Bangkok's district 1001). The central administrator is `admin`, the
province administrator `cm-admin`.

Writes: each request is valid for the target's own user. A caller without the
permission gets 403 `forbidden` (even in scope), a caller outside the target's
area 403 `out_of_scope` (a unit in the body) or 404 (an id in the path); then
nothing was written anywhere (documents, ledger lines, audit entries, stock),
and the same request sent by the target's own user succeeds and writes (the
control: only the role or the scope refused it). Reads: lists hold only rows
of the caller's subtree (all of them: the count is checked against the
database), rison filters narrow and never widen, a get of an out-of-scope id
is 404, figures and balances of an out-of-scope unit are 404. Every error is
JSON (code, message, message_th, field), never HTML, never 500."""
from __future__ import annotations

import datetime
import uuid
from dataclasses import dataclass
from typing import Callable

import prison
import pytest
from sqlalchemy import func, select

from app.commands.allocation import allocate
from app.commands.count import CountLineInput, save_count, sign_count
from app.commands.distribution import distribute
from app.commands.adjustment import adjust
from app.commands.receipt import record_receipt
from app.commands.units import create_unit
from app.commands.users import create_user
from app.extensions import db
from app.models.ledger import (Adjustment, Allocation, AllocationLine, AuditEntry, DailyCount, DailyCountLine,
                               Distribution, DistributionLine, Item, LedgerLine, Receipt, RiskGroup, StockBalance,
                               UnitCommittee)
from app.models.rollup import ROLLUP_FIGURES, DailyReport, DailyRollup, ReportRollup, RiskGroupRollup
from app.models.unit import Unit
from app.models.user import MaskLogUser
from app.roles import COUNTING_COMMITTEE, OFFICER, VIEWER
from app.stock import balance_on
from app.thai import today
from tests.helpers import COMMITTEE, bearer_for

ROLES = ["admin", "province_admin", "officer", "committee", "viewer"]
SCOPES = ["in", "sibling", "other_province"]
# scope -> (district the world's LAO sits under, the province administrator who builds it)
WORLDS = {"in": ("5002", "cm-admin"), "sibling": ("5001", "cm-admin"), "other_province": ("1001", "bkk-admin")}
# What each role may write (app/roles.py: TodayView's record, confirm, count).
PERMISSIONS = {"admin": {"record", "confirm", "count"}, "province_admin": set(), "officer": {"record", "confirm"},
               "committee": {"count"}, "viewer": set()}
STOCK = 1_000_000  # pieces at each world's LAO: no write here runs out of stock


def in_scope(role: str, scope: str) -> bool:
    """The actors sit at the "in" world's LAO (or end unit), the province
    administrator at Chiang Mai, the central administrator at the root."""
    return {"admin": True, "province_admin": scope != "other_province"}.get(role, scope == "in")


# ---------------------------------------------------------------- requests and their answers

_TOKENS: dict = {}


def call(app, method: str, url: str, user_id=None, body=None):
    """One request (outside any app context: Flask would reuse it, and `g`
    with it), signed in by JWT when `user_id` is given. Every answer is
    checked for the error shape."""
    headers = {}
    if user_id is not None:
        key = (id(app), user_id)
        if key not in _TOKENS:
            _TOKENS[key] = bearer_for(app, user_id)
        headers = _TOKENS[key]
    response = app.test_client().open(url, method=method, json=body, headers=headers)
    check_shape(response, f"{method} {url}")
    return response


def check_shape(response, what: str) -> None:
    assert response.status_code < 500, f"{what}: {response.status_code}"
    text = response.get_data(as_text=True)
    assert "<html" not in text.lower(), f"{what}: HTML"
    if response.status_code >= 400:
        assert response.mimetype == "application/json", f"{what}: {response.mimetype}"
        body = response.get_json()
        assert isinstance(body, dict) and {"code", "message", "message_th", "field"} <= set(body), (what, body)
        for key in ("code", "message", "message_th"):
            assert isinstance(body[key], str) and body[key].strip(), (what, key, body)
        assert body["field"] is None or isinstance(body["field"], str), (what, body)


def refused(response, status: int, code: str, field="any", what=None):
    body = response.get_json()
    assert (response.status_code, body["code"]) == (status, code), (what, body)
    if field != "any":
        assert body["field"] == field, (what, body)
    return body


# ---------------------------------------------------------------- the worlds

def _user(username):
    return db.session.execute(select(MaskLogUser).where(MaskLogUser.username == username)).scalar_one()


def _unit(code):
    return db.session.execute(select(Unit).where(Unit.code == code)).scalar_one()


def _build_world(app, scope: str) -> dict:
    district_code, admin_name = WORLDS[scope]
    with app.app_context():
        admin = _user(admin_name)
        tag = uuid.uuid4().hex[:8].upper()
        lao = create_unit(db.session, admin, parent=_unit(district_code), level="lao",
                          name_th=f"อปท.ทดสอบสิทธิ์ API {tag}", code=f"Z{tag}")
        end = create_unit(db.session, admin, parent=lao, level="end_unit", name_th=f"หน่วยรับทดสอบสิทธิ์ API {tag}",
                          code=f"Z{tag}-1")
        people = {}
        for prefix, unit in (("", lao), ("end_", end)):
            for role, role_name in (("officer", OFFICER), ("committee", COUNTING_COMMITTEE), ("viewer", VIEWER)):
                name = f"{prefix}{role}-{tag}".lower().replace("_", "-")
                people[prefix + role] = create_user(db.session, admin, username=name, first_name=role, last_name=tag,
                                                    email=f"{name}@example.com", unit=unit, role_names=[role_name])
        db.session.flush()
        # The stock-up is dated yesterday, so that today's count sheet stays open.
        for unit in (lao, end):
            unit.created_on -= datetime.timedelta(days=2)
        db.session.flush()
        day = today() - datetime.timedelta(days=1)
        receipt = record_receipt(db.session, admin, unit=lao, receipt_date=day, source="ศบค.มท.",
                                 reference_no=f"IN-{tag}", quantity_sent=STOCK)
        count = save_count(db.session, admin, unit=lao, count_date=day, members=COMMITTEE,
                           lines=[CountLineInput(receipt.id, counted=STOCK)], chair_name=COMMITTEE[0]["name"],
                           physical_count=STOCK)
        sign_count(db.session, admin, count)
        group = db.session.execute(select(RiskGroup.id).where(RiskGroup.active).order_by(RiskGroup.sort_order)
                                   ).scalars().first()
        allocation = allocate(db.session, admin, unit=lao, allocation_date=day, document_no=f"OUT-{tag}",
                              shares=[(end, 10)])
        distribution = distribute(db.session, admin, unit=lao, distribution_date=day, lines=[(group, 10, 5)])
        adjustment = adjust(db.session, admin, unit=lao, adjustment_date=day, kind="loss", quantity=1, reason="x")
        db.session.flush()
        ledger = db.session.scalar(select(func.max(LedgerLine.id)).where(LedgerLine.unit_id == lao.id))
        samples = {"unit": lao.id, "receipt": receipt.id, "count": count.id, "allocation": allocation.id,
                   "shipment": allocation.lines[0].id, "distribution": distribution.id,
                   "adjustment": adjustment.id, "ledger": ledger}
        world = {"scope": scope, "tag": tag, "lao": lao.id, "lao_code": lao.code, "lao_path": lao.path,
                 "end": end.id, "group": group, "admin": admin.id, "samples": samples,
                 **{key: person.id for key, person in people.items()}}
        db.session.commit()
        return world


@pytest.fixture(scope="module")
def worlds(app):
    built = {scope: _build_world(app, scope) for scope in SCOPES}
    with app.app_context():
        built["central_admin"] = _user("admin").id
        built["province_admin"] = _user("cm-admin").id
    return built


# ---------------------------------------------------------------- what a write may change

TALLIED = (Receipt, DailyCount, DailyCountLine, UnitCommittee, Allocation, AllocationLine, Distribution,
           DistributionLine, Adjustment, LedgerLine, AuditEntry, DailyReport, DailyRollup, RiskGroupRollup,
           ReportRollup)


def tally(app) -> dict:
    """Rows of every table a write of the daily work touches, the stock held
    in the whole country, the rollups' figures and the last audit entry, in
    one statement: a refused request must leave all of it as it was."""
    columns = {model.__name__: select(func.count()).select_from(model).scalar_subquery() for model in TALLIED}
    columns["stock"] = select(func.coalesce(func.sum(StockBalance.quantity), 0)).scalar_subquery()
    columns["last_audit"] = select(func.max(AuditEntry.id)).scalar_subquery()
    # Rollups are updated in place: their figures, summed, show any change.
    for figure in ROLLUP_FIGURES:
        columns[f"rollup_{figure}"] = select(func.coalesce(func.sum(getattr(DailyRollup, figure)), 0)
                                             ).scalar_subquery()
    with app.app_context():
        row = db.session.execute(select(*[column.label(name) for name, column in columns.items()])).one()
        return dict(row._mapping)


def _fresh_end_unit(world) -> Unit:
    """A new end unit under the world's LAO (in scope of the LAO's users):
    for what happens once per unit and day (nothing-today, the day's count)."""
    admin = db.session.get(MaskLogUser, world["admin"])
    tag = uuid.uuid4().hex[:6].upper()
    return create_unit(db.session, admin, parent=db.session.get(Unit, world["lao"]), level="end_unit",
                       name_th=f"หน่วยใหม่ {tag}", code=f"{world['lao_code']}-{tag}")


def _awaiting_receipt(world, unit, quantity=7) -> Receipt:
    return record_receipt(db.session, db.session.get(MaskLogUser, world["admin"]), unit=unit, source="ศบค.มท.",
                          reference_no=f"R-{uuid.uuid4().hex[:6]}", quantity_sent=quantity)


def _shipment(world) -> int:
    allocation = allocate(db.session, db.session.get(MaskLogUser, world["admin"]),
                          unit=db.session.get(Unit, world["lao"]), document_no=f"S-{uuid.uuid4().hex[:6]}",
                          shares=[(db.session.get(Unit, world["end"]), 4)])
    return allocation.lines[0].id


def _count_request(world):
    unit = _fresh_end_unit(world)
    receipt = _awaiting_receipt(world, unit)
    return {"unit": unit.id, "body": {
        "unit_id": unit.id, "lines": [{"receipt_id": receipt.id, "counted": 7}], "members": COMMITTEE,
        "chair_name": COMMITTEE[0]["name"], "physical_count": 7, "sign": True}}


def _draft_count(world):
    unit = _fresh_end_unit(world)
    receipt = _awaiting_receipt(world, unit)
    count = save_count(db.session, db.session.get(MaskLogUser, world["admin"]), unit=unit,
                       lines=[CountLineInput(receipt.id, counted=7)], members=COMMITTEE,
                       chair_name=COMMITTEE[0]["name"], physical_count=7)
    return {"unit": unit.id, "id": count.id}


def _distribution(world):
    made = distribute(db.session, db.session.get(MaskLogUser, world["admin"]), unit=db.session.get(Unit, world["lao"]),
                      lines=[(world["group"], 2, 1)])
    return {"unit": world["lao"], "id": made.id}


@dataclass
class Write:
    """One write route: `prepare(world)` makes what the request needs (in an
    app context), `request(world, made)` -> (url, body); `effect` the rows
    a success adds; `state(made)` the document the request changes."""

    permission: str
    prepare: Callable
    request: Callable
    effect: dict
    status: int
    path_id: bool = False
    state: Callable = lambda made: None
    at_end_unit: bool = False  # its users act from the receiving end unit (confirm)


def _status_of(model, attribute):
    return lambda made: getattr(db.session.get(model, made["id"]), attribute)


WRITES = {
    "receipt": Write(
        "record", lambda w: {"unit": w["lao"]},
        lambda w, m: ("/api/v1/receipt/", {"unit_id": w["lao"], "source": "ศบค.มท.",
                                           "reference_no": f"API-{uuid.uuid4().hex[:6]}", "quantity_sent": 5}),
        {"Receipt": 1}, 201),
    "count": Write(
        "count", _count_request, lambda w, m: ("/api/v1/count/", m["body"]),
        {"DailyCount": 1, "DailyCountLine": 1, "LedgerLine": 1}, 200),
    "count_sign": Write(
        "count", _draft_count, lambda w, m: (f"/api/v1/count/{m['id']}/sign", {}),
        {"LedgerLine": 1}, 200, path_id=True, state=_status_of(DailyCount, "status")),
    "allocation": Write(
        "record", lambda w: {"unit": w["lao"]},
        lambda w, m: ("/api/v1/allocation/", {"unit_id": w["lao"], "document_no": f"API-{uuid.uuid4().hex[:6]}",
                                              "shares": [{"unit_id": w["end"], "quantity": 3}]}),
        {"Allocation": 1, "AllocationLine": 1, "LedgerLine": 1}, 201),
    "shipment_confirm": Write(
        "confirm", lambda w: {"id": _shipment(w), "unit": w["end"]},
        lambda w, m: (f"/api/v1/shipment/{m['id']}/confirm", {"received": 4}),
        {"LedgerLine": 1}, 200, path_id=True, state=_status_of(AllocationLine, "status"), at_end_unit=True),
    "shipment_recall": Write(
        "record", lambda w: {"id": _shipment(w), "unit": w["end"]},  # a shipment's unit_id is its receiver
        lambda w, m: (f"/api/v1/shipment/{m['id']}/recall", {"reason": "ส่งผิดหน่วย"}),
        {"LedgerLine": 1}, 200, path_id=True, state=_status_of(AllocationLine, "status")),
    "distribution": Write(
        "record", lambda w: {"unit": w["lao"]},
        lambda w, m: ("/api/v1/distribution/", {"unit_id": w["lao"], "lines": [
            {"risk_group_id": w["group"], "quantity": 2, "people_reached": 1}]}),
        {"Distribution": 1, "DistributionLine": 1, "LedgerLine": 1}, 201),
    "distribution_reverse": Write(
        "record", _distribution, lambda w, m: (f"/api/v1/distribution/{m['id']}/reverse", {"reason": "บันทึกผิด"}),
        {"LedgerLine": 1}, 200, path_id=True, state=_status_of(Distribution, "reversed")),
    "adjustment": Write(
        "record", lambda w: {"unit": w["lao"]},
        lambda w, m: ("/api/v1/adjustment/", {"unit_id": w["lao"], "kind": "loss", "quantity": 1,
                                              "reason": "สูญหาย"}),
        {"Adjustment": 1, "LedgerLine": 1}, 201),
    "no_activity": Write(
        "record", lambda w: {"unit": _fresh_end_unit(w).id},
        lambda w, m: ("/api/v1/no_activity/", {"unit_id": m["unit"]}),
        {"DailyReport": 1}, 200),
}


def actor_of(worlds, role: str, write: Write) -> int:
    """The user of `role` who sends the request (the "in" world's)."""
    if role == "admin":
        return worlds["central_admin"]
    if role == "province_admin":
        return worlds["province_admin"]
    return worlds["in"][("end_" if write.at_end_unit else "") + role]


def own_user(world, write: Write) -> int:
    """The target's own user who may send the request: the control."""
    if write.permission == "confirm":
        return world["end_officer"]  # only the receiving unit's own users confirm
    return world["committee" if write.permission == "count" else "officer"]


def expected(write: Write, role: str, scope: str):
    """(status, code) of the answer, or "ok"."""
    if write.permission not in PERMISSIONS[role]:
        return 403, "forbidden"
    if not in_scope(role, scope):
        return (404, "not_found") if write.path_id else (403, "out_of_scope")
    if write.permission == "confirm" and role == "admin":
        return 422, "not_the_receiving_unit"  # the central administrator is not the receiving unit
    return "ok"


def prepare(app, write: Write, world):
    with app.app_context():
        made = write.prepare(world)
        url, body = write.request(world, made)
        db.session.commit()
        return made, url, body


def state_of(app, write: Write, made):
    with app.app_context():
        return write.state(made)


def assert_wrote(app, write: Write, before: dict, response, made, state_before, what="control"):
    assert response.status_code == write.status, (what, response.get_json())
    after = tally(app)
    for table, rows in write.effect.items():
        assert after[table] - before[table] == rows, (what, table, before[table], after[table])
    assert after["AuditEntry"] > before["AuditEntry"], (what, "no audit entry")
    result = response.get_json()["result"]
    assert result["unit_id"] == made["unit"], (what, result)
    if write.path_id:
        assert state_of(app, write, made) != state_before, (what, "the document did not change")
    if "recorded" in result:
        assert result["recorded"] is True


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize("name", list(WRITES))
def test_write_by_every_role(app, worlds, name, scope):
    """One write route aimed at one world, sent by every role. The refusals
    are tried on one prepared target (a refused request leaves it as it was,
    so each next role meets the same valid request), then its own user
    sends it (the control); each role that may write gets a target of its own."""
    write, world = WRITES[name], worlds[scope]
    outcomes = {role: expected(write, role, scope) for role in ROLES}
    made, url, body = prepare(app, write, world)
    before, state_before = tally(app), state_of(app, write, made)
    refusing = [role for role in ROLES if outcomes[role] != "ok"]
    for role in refusing:
        response = call(app, "POST", url, actor_of(worlds, role, write), body)
        answer = refused(response, *outcomes[role], what=role)
        if outcomes[role][1] == "out_of_scope":
            assert answer["field"] == "unit_id", (role, answer)
        assert tally(app) == before, f"{role}: refused, but wrote"
        assert state_of(app, write, made) == state_before, role
    if refusing:
        # The control: the same request, sent by the target's own user, is valid.
        assert_wrote(app, write, before, call(app, "POST", url, own_user(world, write), body), made, state_before)
    for role in ROLES:
        if outcomes[role] == "ok":
            made, url, body = prepare(app, write, world)
            before, state_before = tally(app), state_of(app, write, made)
            assert_wrote(app, write, before, call(app, "POST", url, actor_of(worlds, role, write), body), made,
                         state_before, what=role)
    assert refusing or scope == "in", "every role may write out of the actors' area?"


# ---------------------------------------------------------------- writes refused by a rule of their own

def test_only_the_receiving_unit_confirms(app, worlds):
    """The sender's officer has the permission and the shipment in scope, yet
    is not the receiving unit."""
    write, world = WRITES["shipment_confirm"], worlds["in"]
    made, url, body = prepare(app, write, world)
    before, state_before = tally(app), state_of(app, write, made)
    refused(call(app, "POST", url, world["officer"], body), 422, "not_the_receiving_unit")
    assert tally(app) == before and state_of(app, write, made) == "in_transit"
    assert_wrote(app, write, before, call(app, "POST", url, world["end_officer"], body), made, state_before)


def test_the_receiver_cannot_recall(app, worlds):
    """The receiving unit's officer sees the shipment (it is addressed to it)
    but its sender is above: 403 out_of_scope."""
    write, world = WRITES["shipment_recall"], worlds["in"]
    made, url, body = prepare(app, write, world)
    before, state_before = tally(app), state_of(app, write, made)
    refused(call(app, "POST", url, world["end_officer"], body), 403, "out_of_scope")
    assert tally(app) == before and state_of(app, write, made) == "in_transit"
    assert_wrote(app, write, before, call(app, "POST", url, world["officer"], body), made, state_before)


@pytest.mark.parametrize("receiver", ["sibling", "other_province", "parent", "itself"])
def test_allocation_shares_only_to_units_below(app, worlds, receiver):
    """A share to a unit that is not below the sender is refused on the
    share's field, and a unit outside the caller's area is not named (ids
    cannot be probed for names); the same sheet to the sender's own end unit
    goes through."""
    world = worlds["in"]
    with app.app_context():
        target = {"sibling": worlds["sibling"]["end"], "other_province": worlds["other_province"]["end"],
                  "parent": db.session.get(Unit, world["lao"]).parent_id, "itself": world["lao"]}[receiver]
        outside_name = db.session.get(Unit, target).name_th
    body = {"unit_id": world["lao"], "document_no": f"API-{uuid.uuid4().hex[:6]}",
            "shares": [{"unit_id": target, "quantity": 3}]}
    before = tally(app)
    answer = refused(call(app, "POST", "/api/v1/allocation/", world["officer"], body), 422, "invalid",
                     field="shares.0.unit_id")
    assert tally(app) == before
    if receiver != "itself":
        assert outside_name not in answer["message_th"] + answer["message"], "names a unit outside the area"
    body["shares"][0]["unit_id"] = world["end"]
    assert_wrote(app, WRITES["allocation"], before, call(app, "POST", "/api/v1/allocation/", world["officer"], body),
                 {"unit": world["lao"]}, None)


@pytest.mark.parametrize("scope", ["sibling", "other_province"])
def test_a_count_cannot_take_in_a_receipt_of_another_area(app, worlds, scope):
    """The day's count of an in-scope unit naming a receipt that waits at a
    unit outside the committee's area: refused, nothing written."""
    write, world = WRITES["count"], worlds["in"]
    made, url, body = prepare(app, write, world)
    with app.app_context():
        foreign = _awaiting_receipt(worlds[scope], db.session.get(Unit, worlds[scope]["end"])).id
        db.session.commit()
    forged = {**body, "lines": [{**body["lines"][0], "receipt_id": foreign}]}
    before = tally(app)
    refused(call(app, "POST", url, world["committee"], forged), 422, "invalid")
    assert tally(app) == before
    assert_wrote(app, write, before, call(app, "POST", url, world["committee"], body), made, None)


PATH_ID_WRITES = [name for name, write in WRITES.items() if write.path_id]


@pytest.mark.parametrize("pk", [0, 2_147_483_647, 2_147_483_648, 10 ** 19])
@pytest.mark.parametrize("name", PATH_ID_WRITES)
def test_path_ids_that_match_nothing_are_404(app, worlds, name, pk):
    url, body = WRITES[name].request(worlds["in"], {"id": pk})
    before = tally(app)
    refused(call(app, "POST", url, worlds["central_admin"], body), 404, "not_found")
    assert tally(app) == before


# ---------------------------------------------------------------- reads

# resource -> (model, the column naming the row's unit)
RESOURCES = {"unit": (Unit, "id"), "receipt": (Receipt, "unit_id"), "count": (DailyCount, "unit_id"),
             "allocation": (Allocation, "unit_id"), "shipment": (AllocationLine, "unit_id"),
             "distribution": (Distribution, "unit_id"), "adjustment": (Adjustment, "unit_id"),
             "ledger": (LedgerLine, "unit_id")}


def actor_path(app, user_id) -> str:
    with app.app_context():
        return db.session.get(MaskLogUser, user_id).unit.path


def reader_of(worlds, role: str) -> int:
    return actor_of(worlds, role, WRITES["receipt"])


def rows_in_subtree(app, resource: str, root: str) -> int:
    model, column = RESOURCES[resource]
    with app.app_context():
        query = select(func.count()).select_from(model)
        if model is not Unit:
            query = query.join(Unit, Unit.id == getattr(model, column))
        return db.session.scalar(query.where(Unit.path >= root, Unit.path < root[:-1] + "0"))


def paths_of(app, unit_ids) -> dict:
    with app.app_context():
        return dict(db.session.execute(select(Unit.id, Unit.path).where(Unit.id.in_(set(unit_ids)))).all())


def get_list(app, resource: str, user_id, **rison):
    rison.setdefault("page_size", 20)
    response = call(app, "GET", f"/api/v1/{resource}/?q={prison.dumps(rison)}", user_id)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("resource", list(RESOURCES))
def test_get_by_id(app, worlds, resource, role):
    reader = reader_of(worlds, role)
    for scope in SCOPES:
        pk = worlds[scope]["samples"][resource]
        response = call(app, "GET", f"/api/v1/{resource}/{pk}", reader)
        if in_scope(role, scope):
            assert response.status_code == 200, (scope, response.get_json())
            body = response.get_json()
            assert body["id"] == pk
            shown = body["result"].get("unit_id", pk if resource == "unit" else None)
            assert shown in (worlds[scope]["lao"], worlds[scope]["end"]), body
        else:
            refused(response, 404, "not_found")
    refused(call(app, "GET", f"/api/v1/{resource}/2147483648", reader), 404, "not_found")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("resource", list(RESOURCES))
def test_list_holds_the_callers_subtree_only(app, worlds, resource, role):
    reader = reader_of(worlds, role)
    root = actor_path(app, reader)
    column = "id" if resource == "unit" else "unit_id"
    expected_count = rows_in_subtree(app, resource, root)
    assert expected_count >= 1
    if role != "admin":
        assert expected_count < rows_in_subtree(app, resource, "/"), "nothing outside the area to leak"

    def check(data, what):
        rows = data["result"]
        paths = paths_of(app, [row[column] for row in rows])
        outside = [row for row in rows if not paths[row[column]].startswith(root)]
        assert not outside, (what, outside[:3])
        return data["count"]

    # Documents come newest first: the other worlds' rows, written last, would be on this page if they leaked.
    assert check(get_list(app, resource, reader), "page") == expected_count
    # A filter that matches everything narrows to the subtree, never beyond it.
    everything = {"col": "path", "opr": "sw", "value": "/"} if resource == "unit" else \
        {"col": column, "opr": "gt", "value": 0}
    assert check(get_list(app, resource, reader, filters=[everything], page_size=5), everything) == expected_count
    # Filtering on each world's units: rows when in scope, none otherwise.
    for scope in SCOPES:
        world = worlds[scope]
        rule = {"col": "parent_id" if resource == "unit" else column, "opr": "eq",
                "value": world["end"] if resource == "shipment" else world["lao"]}
        counted = check(get_list(app, resource, reader, filters=[rule], page_size=5), (scope, rule))
        assert (counted >= 1) == in_scope(role, scope), (scope, rule, counted)


@pytest.mark.parametrize("role", ROLES)
def test_unit_search_and_info(app, worlds, role):
    reader = reader_of(worlds, role)
    assert call(app, "GET", "/api/v1/unit/_info", reader).status_code == 200
    for scope in SCOPES:
        world = worlds[scope]
        response = call(app, "GET", f"/api/v1/unit/search?term={world['lao_code']}", reader)
        assert response.status_code == 200, response.get_json()
        found = {row["id"] for row in response.get_json()["results"]}
        if in_scope(role, scope):
            assert world["lao"] in found, scope
        else:
            assert found == set(), scope
    # A search by name that matches every world's units finds those of the caller's subtree only.
    root = actor_path(app, reader)
    results = call(app, "GET", "/api/v1/unit/search?term=ทดสอบสิทธิ์&page_size=20", reader).get_json()["results"]
    found = {row["id"] for row in results}
    assert found >= {worlds[scope]["lao"] for scope in SCOPES if in_scope(role, scope)}, found
    assert all(path.startswith(root) for path in paths_of(app, found).values())


@pytest.mark.parametrize("role", ROLES)
def test_balance_and_figures(app, worlds, role):
    reader = reader_of(worlds, role)
    for scope in SCOPES:
        world = worlds[scope]
        urls = [f"/api/v1/balance/?unit_id={world['lao']}", f"/api/v1/figures/{world['lao']}",
                f"/api/v1/figures/{world['lao']}/completeness"]
        for url in urls:
            response = call(app, "GET", url, reader)
            if in_scope(role, scope):
                assert response.status_code == 200, (url, response.get_json())
                assert response.get_json()["unit_id"] == world["lao"]
            else:
                refused(response, 404, "not_found", field="unit_id")
        if in_scope(role, scope):
            with app.app_context():
                item = db.session.scalar(select(Item.id).where(Item.is_default))
                held = balance_on(db.session, world["lao"], item, today())
            answered = call(app, "GET", f"/api/v1/balance/?unit_id={world['lao']}", reader).get_json()
            assert answered["balance"] == held and held > 0
    for url in ("/api/v1/balance/?unit_id=2147483648", "/api/v1/balance/", "/api/v1/figures/0",
                "/api/v1/figures/2147483648/completeness"):
        refused(call(app, "GET", url, reader), 404, "not_found")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("resource", ["item", "risk_group"])
def test_reference_data_reads_for_every_role(app, worlds, resource, role):
    reader = reader_of(worlds, role)
    data = get_list(app, resource, reader)
    assert data["count"] >= 1
    pk = data["result"][0]["id"] if "id" in data["result"][0] else data["ids"][0]
    assert call(app, "GET", f"/api/v1/{resource}/{pk}", reader).status_code == 200
    refused(call(app, "GET", f"/api/v1/{resource}/2147483647", reader), 404, "not_found")


# ---------------------------------------------------------------- every route, without a token

READ_URLS = ["/api/v1/unit/", "/api/v1/unit/{lao}", "/api/v1/unit/_info", "/api/v1/unit/search?term=x",
             *[f"/api/v1/{resource}/" for resource in RESOURCES if resource != "unit"],
             *[f"/api/v1/{resource}/{{{resource}}}" for resource in RESOURCES if resource != "unit"],
             "/api/v1/item/", "/api/v1/item/1", "/api/v1/risk_group/", "/api/v1/risk_group/1",
             "/api/v1/balance/?unit_id={lao}", "/api/v1/figures/{lao}", "/api/v1/figures/{lao}/completeness"]
# FAB's own routes (sign-in, the OpenAPI description, the menu) are not MaskLog's resources.
FAB_ENDPOINTS = {"SecurityApi", "OpenApi", "MenuApi"}


def _pattern(url: str) -> str:
    """/api/v1/count/17/sign?x=1 -> /api/v1/count/<>/sign"""
    return "/".join("<>" if part.isdigit() or part.startswith("{") else part for part in url.split("?")[0].split("/"))


def test_the_matrix_covers_every_api_route(app):
    """A route added to the API fails here until the matrix reads or writes it."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/") and rule.endpoint.split(".")[0] not in FAB_ENDPOINTS:
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((method, "/".join("<>" if part.startswith("<") else part for part in rule.rule.split("/"))))
    covered = {("GET", _pattern(url)) for url in READ_URLS}
    covered |= {("POST", _pattern(WRITES[name].request({"lao": 1, "end": 1, "group": 1}, {"id": 1, "unit": 1,
                                                                                          "body": {}})[0]))
                for name in WRITES}
    assert routes == covered, (routes - covered, covered - routes)


@pytest.mark.parametrize("method_url", [("GET", url) for url in READ_URLS] + [("POST", name) for name in WRITES],
                         ids=lambda value: "-".join(value))
def test_without_a_token_every_route_is_401(app, worlds, method_url):
    method, url = method_url
    world = worlds["in"]
    if method == "POST":
        made = {"id": world["samples"]["shipment"], "unit": world["lao"], "body": {"unit_id": world["lao"]}}
        if url == "count_sign":
            made["id"] = world["samples"]["count"]
        elif url == "distribution_reverse":
            made["id"] = world["samples"]["distribution"]
        url, body = WRITES[url].request(world, made)
    else:
        url, body = url.format(**world, **world["samples"]), None
    before = tally(app) if method == "POST" else None
    refused(call(app, method, url, None, body), 401, "not_signed_in")
    if method == "POST":
        assert tally(app) == before
