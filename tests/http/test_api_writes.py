"""The REST API's writes: the same documents, ledger lines, rollups and audit
entries as the forms; Idempotency-Key (replay, reuse with another body, no
remembered errors, a 20-request race on PostgreSQL); errors as JSON in
English and Thai with a stable code and the field; the per-user write limit;
a deactivated user's token stops at once."""
import json
import re
import threading
import uuid

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.idempotency import ApiIdempotencyKey
from app.models.ledger import (Adjustment, Allocation, AllocationLine, AuditEntry, DailyCount, Distribution,
                               LedgerLine, Receipt, RiskGroup)
from app.models.rollup import DailyReport, DailyRollup
from app.models.unit import Unit
from app.models.user import MaskLogUser
from app.rollups.registry import FIGURES
from app.thai import today
from tests.helpers import (COMMITTEE, bearer_for, check_invariants, client_for, count_statements, fresh_tree, post_ok,
                           stock_up, user)


@pytest.fixture()
def api_tree(app):
    """A fresh LAO with three end units, its people, and their API headers."""
    with app.app_context():
        lao, children, people = fresh_tree(3)
        group = db.session.scalar(select(func.min(RiskGroup.id)).where(RiskGroup.active.is_(True)))
        ids = {"lao": lao.id, "children": [c.id for c in children], "code": lao.code,
               **{name: person.id for name, person in people.items()}}
    ids["headers"] = {name: bearer_for(app, ids[name]) for name in ("officer", "committee", "child0", "child1",
                                                                     "child2")}
    ids["group"] = group
    return ids


def _post(app, path, body, headers, key=None):
    extra = {"Idempotency-Key": key} if key else {}
    return app.test_client().post(path, json=body, headers={**headers, **extra})


def _ok(response, status=(200, 201)):
    assert response.status_code in ((status,) if isinstance(status, int) else status), response.get_json()
    return response.get_json()


# ---------------------------------------------------------------- the same as the forms

def _work_through_forms(app, tree):
    officer, committee = client_for(app, tree["officer"]), client_for(app, tree["committee"])
    lao, (c0, c1, c2) = tree["lao"], tree["children"]
    post_ok(officer, f"/today/{lao}/receipt", {"source": "ศบค.มท.", "reference_no": "มท 0230/1",
                                               "quantity_sent": "๑,๐๐๐", "form_token": uuid.uuid4().hex})
    with app.app_context():
        receipt_id = db.session.scalar(select(func.max(Receipt.id)).where(Receipt.unit_id == lao))
    sheet = {f"counted-{receipt_id}": "990", f"damaged-{receipt_id}": "10", f"missing-{receipt_id}": "0",
             f"reason-{receipt_id}": "กล่องเปียก", "chair_row": "0", "physical_count": "990", "action": "sign"}
    for i, member in enumerate(COMMITTEE):
        sheet[f"member-name-{i}"], sheet[f"member-position-{i}"] = member["name"], member["position"]
    post_ok(committee, f"/today/{lao}/count", sheet)
    post_ok(officer, f"/today/{lao}/allocate", {"document_no": "จส 1", "form_token": uuid.uuid4().hex,
                                                f"share-{c0}": "300", f"share-{c1}": "200"})
    with app.app_context():
        lines = dict(db.session.execute(select(AllocationLine.unit_id, AllocationLine.id)
                                        .where(AllocationLine.unit_id.in_([c0, c1]))).all())
    post_ok(client_for(app, tree["child0"]), f"/today/{c0}/confirm/{lines[c0]}", {"received": "300", "reason": ""})
    post_ok(client_for(app, tree["child1"]), f"/today/{c1}/confirm/{lines[c1]}", {"received": "150",
                                                                                  "reason": "ขาดส่ง"})
    post_ok(officer, f"/today/{lao}/distribute", {f"pieces-{tree['group']}": "100", f"people-{tree['group']}": "50",
                                                  "form_token": uuid.uuid4().hex})
    post_ok(officer, f"/today/{lao}/adjust", {"kind": "loss", "quantity": "10", "reason": "สูญหาย",
                                              "form_token": uuid.uuid4().hex})
    post_ok(client_for(app, tree["child2"]), f"/today/{c2}/nothing", {})


def _work_through_the_api(app, tree):
    headers, lao, (c0, c1, c2) = tree["headers"], tree["lao"], tree["children"]
    receipt = _ok(_post(app, "/api/v1/receipt/", {"unit_id": lao, "source": "ศบค.มท.", "reference_no": "มท 0230/1",
                                                  "quantity_sent": "๑,๐๐๐"}, headers["officer"]), 201)
    _ok(_post(app, "/api/v1/count/", {
        "unit_id": lao, "lines": [{"receipt_id": receipt["id"], "counted": 990, "damaged": 10, "missing": 0,
                                   "reason": "กล่องเปียก"}],
        "members": COMMITTEE, "chair_name": COMMITTEE[0]["name"], "physical_count": 990, "sign": True},
        headers["committee"]), 200)
    allocation = _ok(_post(app, "/api/v1/allocation/", {"unit_id": lao, "document_no": "จส 1", "shares": [
        {"unit_id": c0, "quantity": 300}, {"unit_id": c1, "quantity": "200"}]}, headers["officer"]), 201)
    lines = {line["unit_id"]: line["id"] for line in allocation["result"]["lines"]}
    _ok(_post(app, f"/api/v1/shipment/{lines[c0]}/confirm", {"received": 300}, headers["child0"]), 200)
    _ok(_post(app, f"/api/v1/shipment/{lines[c1]}/confirm", {"received": 150, "reason": "ขาดส่ง"},
              headers["child1"]), 200)
    _ok(_post(app, "/api/v1/distribution/", {"unit_id": lao, "lines": [
        {"risk_group_id": tree["group"], "quantity": 100, "people_reached": 50}]}, headers["officer"]), 201)
    _ok(_post(app, "/api/v1/adjustment/", {"unit_id": lao, "kind": "loss", "quantity": 10, "reason": "สูญหาย"},
              headers["officer"]), 201)
    answer = _ok(_post(app, "/api/v1/no_activity/", {"unit_id": c2}, headers["child2"]), 200)
    assert answer["result"] == {"unit_id": c2, "date": today().isoformat(), "recorded": True}


def _written(app, tree) -> dict:
    """Everything the work wrote for the tree, with ids, codes and people
    replaced by their place in the tree, so two trees can be compared."""
    units = [tree["lao"], *tree["children"]]
    place = {unit_id: f"unit{n}" for n, unit_id in enumerate(units)}
    people = {tree[name]: name for name in ("officer", "committee", "child0", "child1", "child2")}
    code_tag = re.compile(re.escape(tree["code"]))

    def clean(value):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str) if not isinstance(value, str) \
            else value
        return code_tag.sub("CODE", text)

    with app.app_context():
        def rows(model, *columns):
            return sorted(tuple(place.get(v, v) if c in ("unit_id",) else people.get(v, v) if c.endswith("_by_id")
                                else v for c, v in zip(columns, row))
                          for row in db.session.execute(select(*[getattr(model, c) for c in columns])
                                                        .where(model.unit_id.in_(units))).all())

        receipt_ids = {rid: f"receipt{n}" for n, rid in enumerate(db.session.scalars(
            select(Receipt.id).where(Receipt.unit_id.in_(units)).order_by(Receipt.id)))}
        audit = []
        for entry in db.session.scalars(select(AuditEntry).where(AuditEntry.unit_id.in_(units))
                                        .order_by(AuditEntry.id)):
            after = json.loads(entry.after) if entry.after else None
            if entry.action == "save_draft":
                after["lines"] = [[receipt_ids[line[0]], *line[1:]] for line in after["lines"]]
            audit.append((entry.action, entry.object_type, people.get(entry.actor_id), place.get(entry.unit_id),
                          place.get(entry.actor_unit_id, entry.actor_unit_id), clean(entry.before), clean(after)))
        distribution_lines = sorted((line.quantity, line.people_reached) for d in db.session.scalars(
            select(Distribution).where(Distribution.unit_id.in_(units))) for line in d.lines)
        figures = [figure.column for figure in FIGURES if hasattr(DailyRollup, figure.column)]
        return {
            "receipts": rows(Receipt, "unit_id", "receipt_date", "source", "reference_no", "quantity_sent", "status",
                             "counted_quantity", "created_by_id"),
            "counts": rows(DailyCount, "unit_id", "count_date", "status", "physical_count", "book_balance", "members",
                           "chair_name", "created_by_id", "signed_by_id"),
            "allocations": rows(Allocation, "unit_id", "allocation_date", "document_no", "created_by_id"),
            "shipments": rows(AllocationLine, "unit_id", "quantity_sent", "status", "confirmed_quantity",
                              "discrepancy", "discrepancy_reason", "confirm_date", "confirmed_by_id"),
            "distributions": rows(Distribution, "unit_id", "distribution_date", "reversed", "created_by_id"),
            "distribution_lines": distribution_lines,
            "adjustments": rows(Adjustment, "unit_id", "adjustment_date", "kind", "quantity", "reason",
                                "created_by_id"),
            "ledger": rows(LedgerLine, "unit_id", "entry_date", "kind", "quantity", "document_type"),
            "reports": rows(DailyReport, "unit_id", "day", "first_kind"),
            "rollups": rows(DailyRollup, "unit_id", "item_id", "day", *figures),
            "audit": audit,
        }


def test_the_daily_work_through_the_api_writes_what_the_forms_write(app, api_tree):
    with app.app_context():
        form_tree = fresh_tree(3)
        lao, children, people = form_tree
        form_ids = {"lao": lao.id, "children": [c.id for c in children], "code": lao.code, "group": api_tree["group"],
                    **{name: person.id for name, person in people.items()}}
    _work_through_forms(app, form_ids)
    _work_through_the_api(app, api_tree)
    by_form, by_api = _written(app, form_ids), _written(app, api_tree)
    # The run did the whole flow: stock counted in, sent, confirmed, handed out, adjusted.
    assert len(by_api["ledger"]) == 6 and len(by_api["audit"]) == 9 and len(by_api["rollups"]) == 3
    assert len(by_api["reports"]) == 4
    for table in by_form:
        assert by_api[table] == by_form[table], table
    with app.app_context():
        check_invariants()


# ---------------------------------------------------------------- Idempotency-Key

def _receipt_body(tree, quantity=100):
    return {"unit_id": tree["lao"], "source": "ศบค.มท.", "reference_no": "มท 1", "quantity_sent": quantity}


def _count(app, model, **where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).filter_by(**where))


def test_an_api_write_answers_with_its_unit_without_reading_it_again(app, api_tree):
    """The answer names the document's unit (unit_code): the unit the command checked,
    held by the new document, not loaded a second time once the command is gone. (The
    user's own unit is always at hand; a unit below, as here, was read again.)"""
    client, headers = app.test_client(), api_tree["headers"]["officer"]
    below = api_tree["children"][0]
    with app.app_context():
        below_code = db.session.get(Unit, below).code
    body = {**_receipt_body(api_tree), "unit_id": below}
    _ok(client.post("/api/v1/receipt/", json=body, headers=headers))  # the user cached
    response, statements = count_statements(app, client, "POST", "/api/v1/receipt/", json=body,
                                            headers={**headers, "Idempotency-Key": uuid.uuid4().hex})
    assert _ok(response)["result"]["unit_code"] == below_code
    # The user's check, the key's claim, the unit, the receipt, its audit entry, the count it
    # goes onto, the key's answer, the rollups: 8 (a 9th was the unit read again for the answer).
    assert statements <= 8, statements


def test_a_retry_with_the_same_key_returns_the_first_answer(app, api_tree):
    key = uuid.uuid4().hex
    first = _post(app, "/api/v1/receipt/", _receipt_body(api_tree), api_tree["headers"]["officer"], key)
    again = _post(app, "/api/v1/receipt/", _receipt_body(api_tree), api_tree["headers"]["officer"], key)
    assert first.status_code == again.status_code == 201
    assert again.get_json() == first.get_json() and again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _count(app, Receipt, unit_id=api_tree["lao"]) == 1
    # Another user's same key is their own: a second receipt.
    other = _post(app, "/api/v1/receipt/", _receipt_body(api_tree), api_tree["headers"]["committee"], key)
    assert other.status_code == 403  # the committee may not record receipts (role), and nothing was kept
    with app.app_context():
        central = user("admin").id
    by_central = _post(app, "/api/v1/receipt/", _receipt_body(api_tree), bearer_for(app, central), key)
    assert by_central.status_code == 201 and by_central.get_json()["id"] != first.get_json()["id"]
    assert _count(app, Receipt, unit_id=api_tree["lao"]) == 2


def test_a_key_reused_for_another_request_is_refused_and_writes_nothing(app, api_tree):
    key = uuid.uuid4().hex
    _ok(_post(app, "/api/v1/receipt/", _receipt_body(api_tree, 100), api_tree["headers"]["officer"], key), 201)
    before = _count(app, AuditEntry, unit_id=api_tree["lao"])
    response = _post(app, "/api/v1/receipt/", _receipt_body(api_tree, 101), api_tree["headers"]["officer"], key)
    body = response.get_json()
    assert response.status_code == 422 and body["code"] == "idempotency_key_reused"
    assert body["field"] == "Idempotency-Key" and "Idempotency-Key" in body["message_th"]
    assert _count(app, Receipt, unit_id=api_tree["lao"]) == 1
    assert _count(app, AuditEntry, unit_id=api_tree["lao"]) == before
    # The same key on another route is another request too.
    other = _post(app, "/api/v1/no_activity/", {"unit_id": api_tree["lao"]}, api_tree["headers"]["officer"], key)
    assert other.status_code == 422 and other.get_json()["code"] == "idempotency_key_reused"


def test_a_refused_request_is_not_remembered_so_its_retry_can_succeed(app, api_tree):
    """Stock arrives between the two tries: the retry with the same key runs the operation."""
    key = uuid.uuid4().hex
    body = {"unit_id": api_tree["lao"], "lines": [{"risk_group_id": api_tree["group"], "quantity": 40,
                                                   "people_reached": 20}]}
    refused = _post(app, "/api/v1/distribution/", body, api_tree["headers"]["officer"], key)
    assert refused.status_code == 422 and refused.get_json()["code"] == "insufficient_stock"
    assert _count(app, ApiIdempotencyKey, key=key) == 0
    with app.app_context():
        lao = db.session.get(Unit, api_tree["lao"])
        people = {"officer": db.session.get(MaskLogUser, api_tree["officer"]),
                  "committee": db.session.get(MaskLogUser, api_tree["committee"])}
        stock_up(lao, people, quantity=100)
    done = _post(app, "/api/v1/distribution/", body, api_tree["headers"]["officer"], key)
    assert done.status_code == 201
    assert _count(app, Distribution, unit_id=api_tree["lao"]) == 1


def test_a_bad_key_is_a_bad_request(app, api_tree):
    response = _post(app, "/api/v1/receipt/", _receipt_body(api_tree), api_tree["headers"]["officer"], "x" * 256)
    assert response.status_code == 400 and response.get_json()["code"] == "invalid_idempotency_key"
    assert _count(app, Receipt, unit_id=api_tree["lao"]) == 0


def test_twenty_requests_with_one_key_at_once_make_one_document(app, backend, api_tree):
    if backend != "postgresql":
        pytest.skip("SQLite serialises writers; the race is only real on PostgreSQL")
    key, barrier, answers = uuid.uuid4().hex, threading.Barrier(20), []

    def send():
        client = app.test_client()
        barrier.wait(timeout=60)
        response = client.post("/api/v1/receipt/", json=_receipt_body(api_tree),
                               headers={**api_tree["headers"]["officer"], "Idempotency-Key": key})
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 20
    assert {status for status, _body in answers} == {201}, answers
    assert len({body["id"] for _status, body in answers}) == 1
    assert _count(app, Receipt, unit_id=api_tree["lao"]) == 1
    assert _count(app, AuditEntry, unit_id=api_tree["lao"], object_type="receipt") == 1


# ---------------------------------------------------------------- errors

@pytest.mark.parametrize("body, status, code, field", [
    ({"source": "x", "reference_no": "1", "quantity_sent": 5}, 422, "invalid_fields", "unit_id"),
    ({"unit_id": "abc", "source": "x", "reference_no": "1", "quantity_sent": 5}, 422, "invalid_fields", "unit_id"),
    ({"unit_id": 2 ** 40, "source": "x", "reference_no": "1", "quantity_sent": 5}, 422, "invalid_fields", "unit_id"),
    ({"unit_id": "LAO", "source": "x", "reference_no": "1", "quantity_sent": True}, 422, "invalid_fields", None),
    ({"unit_id": "LAO", "source": "x", "reference_no": "1", "quantity_sent": 1.5}, 422, "invalid_fields",
     "quantity_sent"),
    ({"unit_id": "LAO", "source": "x", "reference_no": "1", "quantity_sent": "-5"}, 422, "invalid", "quantity_sent"),
    ({"unit_id": "LAO", "source": "x", "reference_no": "1", "quantity_sent": "99999999999"}, 422, "invalid",
     "quantity_sent"),
    ({"unit_id": "LAO", "source": "   ", "reference_no": "1", "quantity_sent": 5}, 422, "invalid", "source"),
    ({"unit_id": "LAO", "source": "x", "reference_no": "1", "quantity_sent": 5, "date": "31/2/2569"}, 422,
     "invalid", "date"),
    ({"unit_id": "LAO", "source": "x", "reference_no": "1", "quantity_sent": 5, "date": "1/1/2600"}, 422,
     "invalid", "date"),
    ({"unit_id": "LAO", "source": "x", "reference_no": "1", "quantity_sent": 5, "extra": 1}, 422,
     "invalid_fields", "extra"),
    ({"unit_id": "BKK", "source": "x", "reference_no": "1", "quantity_sent": 5}, 403, "out_of_scope", "unit_id"),
])
def test_bad_input_gets_a_json_error_in_english_and_thai(app, api_tree, body, status, code, field):
    with app.app_context():
        bangkok = db.session.scalar(select(Unit.id).where(Unit.code == "10"))
    body = {name: {"LAO": api_tree["lao"], "BKK": bangkok}.get(value, value) if name == "unit_id" else value
            for name, value in body.items()}
    response = _post(app, "/api/v1/receipt/", body, api_tree["headers"]["officer"])
    answer = response.get_json()
    assert response.status_code == status and response.content_type.startswith("application/json"), answer
    assert answer["code"] == code and (field is None or answer["field"] == field), answer
    assert answer["message"] and re.search("[ก-๙]", answer["message_th"]), answer
    assert not re.search("[ก-๙]", answer["message"].replace(api_tree["code"], "")) or code == "invalid", answer
    assert _count(app, Receipt, unit_id=api_tree["lao"]) == 0


def test_a_body_that_is_not_json_or_not_an_object(app, api_tree):
    client, headers = app.test_client(), api_tree["headers"]["officer"]
    not_json = client.post("/api/v1/receipt/", data="unit_id=1", headers=headers,
                           content_type="application/x-www-form-urlencoded")
    broken = client.post("/api/v1/receipt/", data="{", headers=headers, content_type="application/json")
    a_list = client.post("/api/v1/receipt/", json=[1, 2], headers=headers)
    assert (not_json.status_code, broken.status_code, a_list.status_code) == (415, 400, 400)
    for response in (not_json, broken, a_list):
        assert set(response.get_json()) >= {"code", "message", "message_th", "field"}


def test_errors_of_fab_and_flask_come_in_the_same_shape(app, api_tree):
    client = app.test_client()
    for response, status in ((client.get("/api/v1/receipt/"), 401),
                             (client.get("/api/v1/nowhere", headers=api_tree["headers"]["officer"]), 404),
                             (client.get("/api/v1/receipt/?q=(((", headers=api_tree["headers"]["officer"]), 400),
                             (client.delete("/api/v1/receipt/1", headers=api_tree["headers"]["officer"]), 405),
                             (client.get("/api/v1/receipt/", headers={"Authorization": "Bearer nonsense"}), 422)):
        body = response.get_json()
        assert response.status_code in (status, 401) and "<html" not in response.get_data(as_text=True)
        assert body["code"] and body["message"] and re.search("[ก-๙]", body["message_th"]), body


def test_field_errors_of_a_count_name_each_field(app, api_tree):
    receipt = _ok(_post(app, "/api/v1/receipt/", _receipt_body(api_tree), api_tree["headers"]["officer"]), 201)
    response = _post(app, "/api/v1/count/", {"unit_id": api_tree["lao"], "sign": True, "lines": [
        {"receipt_id": receipt["id"], "counted": 90}], "members": COMMITTEE[:1]}, api_tree["headers"]["committee"])
    body = response.get_json()
    assert response.status_code == 422 and body["code"] == "invalid_fields"
    assert {f"line-{receipt['id']}", "members", "chair", "physical_count"} <= set(body["fields"])
    assert all(re.search("[ก-๙]", text["th"]) and not re.search("[ก-๙]", text["en"].replace("มท 1", ""))
               for text in body["fields"].values()), body["fields"]
    assert _count(app, DailyCount, unit_id=api_tree["lao"]) == 0


# ---------------------------------------------------------------- who may write, and for how long

def test_writes_past_the_limit_get_429_with_retry_after(app, api_tree, monkeypatch):
    monkeypatch.setitem(app.config, "API_WRITE_LIMITED", True)
    monkeypatch.setitem(app.config, "API_WRITE_LIMIT", "3 per minute")
    app.extensions.pop("masklog_api_write_limits", None)
    try:
        statuses = [_post(app, "/api/v1/no_activity/", {"unit_id": api_tree["lao"]},
                          api_tree["headers"]["officer"]).status_code for _ in range(4)]
        limited = _post(app, "/api/v1/receipt/", _receipt_body(api_tree), api_tree["headers"]["officer"])
        assert statuses == [200, 200, 200, 429]
        assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
        assert limited.get_json()["code"] == "too_many_requests" and "3 per 1 minute" in limited.get_json()["message"]
        # Another user is not held back; reads are never limited.
        assert _post(app, "/api/v1/no_activity/", {"unit_id": api_tree["children"][0]},
                     api_tree["headers"]["child0"]).status_code == 200
        assert app.test_client().get("/api/v1/receipt/", headers=api_tree["headers"]["officer"]).status_code == 200
        assert _count(app, Receipt, unit_id=api_tree["lao"]) == 0
    finally:
        app.extensions.pop("masklog_api_write_limits", None)


def test_a_deactivated_users_token_stops_at_once(app, api_tree):
    headers = api_tree["headers"]["officer"]
    assert _post(app, "/api/v1/receipt/", _receipt_body(api_tree), headers).status_code == 201
    with app.app_context():
        officer = db.session.get(MaskLogUser, api_tree["officer"])
        officer.active = False
        db.session.commit()
    try:
        refused = _post(app, "/api/v1/receipt/", _receipt_body(api_tree), headers)
        read = app.test_client().get("/api/v1/receipt/", headers=headers)
        assert refused.status_code == 401 and read.status_code == 401, (refused.get_json(), read.get_json())
        assert refused.get_json()["code"] == "not_signed_in"
        assert _count(app, Receipt, unit_id=api_tree["lao"]) == 1
    finally:
        with app.app_context():
            db.session.get(MaskLogUser, api_tree["officer"]).active = True
            db.session.commit()


def test_old_idempotency_keys_are_forgotten_by_the_cli(app, api_tree):
    import datetime

    from app.cli import masklog_cli

    for key in ("old-key", "new-key"):
        _ok(_post(app, "/api/v1/no_activity/", {"unit_id": api_tree["lao"]}, api_tree["headers"]["officer"], key))
    with app.app_context():
        db.session.get(ApiIdempotencyKey, (api_tree["officer"], "old-key")).created_on -= datetime.timedelta(days=31)
        db.session.commit()
    result = app.test_cli_runner().invoke(masklog_cli, ["forget-idempotency-keys", "--days", "30"])
    assert result.exit_code == 0 and "deleted" in result.output, result.output
    with app.app_context():
        kept = set(db.session.scalars(select(ApiIdempotencyKey.key).where(
            ApiIdempotencyKey.user_id == api_tree["officer"])))
    assert kept == {"new-key"}
