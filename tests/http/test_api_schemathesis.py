"""The REST API against its own OpenAPI spec, property-based (schemathesis):
every MaskLog operation under /api/v1/, as an officer (cm-officer, district
5001) and as a province administrator (cm-admin, Chiang Mai 50) — the count's
writes also as the counting committee (cm-committee) — gets 25 generated
requests (derandomized; MASKLOG_FUZZ_EXAMPLES=200 for a longer hunt): path ids
often real ones of the caller's area, sometimes Bangkok's or any number;
bodies sometimes naming the caller's units, items, risk groups and receipts.
Every answer must be:

- never a 5xx;
- documented: its status, its content type and its body match the spec
  (schemathesis' status_code_conformance, content_type_conformance,
  response_schema_conformance; errors are the Error schema: code, message,
  message_th, field);
- inside the caller's area: every unit id in a 2xx answer (any `unit_id`, a
  unit's `id`, the figures' unit rows) lies in the caller's subtree, and a
  parent or sender (`parent_id`, `sender_unit_id`) in it or above it.

Writes succeed for real, so the run has a database of its own (the demo data
plus documents at district 5001 and a draft count at CM-CITY), never the
session's shared one. Each run must have done something: every read answered
2xx at least once, every write the role may do reached the operation (2xx or
422), and a write it may not do was refused (403) and never succeeded."""
from __future__ import annotations

import collections
import datetime
import os

import flask_migrate
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)
from sqlalchemy import select

from app import create_app, scoping
from app.devtools.demo import prepare_demo
from app.extensions import db
from app.models.ledger import (Adjustment, Allocation, AllocationLine, DailyCount, Distribution, Item, LedgerLine,
                               Receipt, RiskGroup)
from app.models.unit import Unit
from app.thai import today
from tests.helpers import COMMITTEE, bearer_for, make_config, unit, user

SPEC = "/api/v1/_openapi"
NOT_FUZZED = {("POST", "/api/v1/security/login"), ("POST", "/api/v1/security/refresh"), ("GET", "/api/v1/menu/"),
              ("GET", "/api/{version}/_openapi")}
# Every MaskLog operation: the spec must list exactly these (a new endpoint is added here, and so fuzzed).
OPERATIONS = [
    ("GET", "/api/v1/unit/"), ("GET", "/api/v1/unit/{pk}"), ("GET", "/api/v1/unit/_info"),
    ("GET", "/api/v1/unit/search"),
    ("GET", "/api/v1/receipt/"), ("GET", "/api/v1/receipt/{pk}"), ("POST", "/api/v1/receipt/"),
    ("GET", "/api/v1/count/"), ("GET", "/api/v1/count/{pk}"), ("POST", "/api/v1/count/"),
    ("POST", "/api/v1/count/{pk}/sign"),
    ("GET", "/api/v1/allocation/"), ("GET", "/api/v1/allocation/{pk}"), ("POST", "/api/v1/allocation/"),
    ("GET", "/api/v1/shipment/"), ("GET", "/api/v1/shipment/{pk}"), ("POST", "/api/v1/shipment/{pk}/confirm"),
    ("POST", "/api/v1/shipment/{pk}/recall"),
    ("GET", "/api/v1/distribution/"), ("GET", "/api/v1/distribution/{pk}"), ("POST", "/api/v1/distribution/"),
    ("POST", "/api/v1/distribution/{pk}/reverse"),
    ("GET", "/api/v1/adjustment/"), ("GET", "/api/v1/adjustment/{pk}"), ("POST", "/api/v1/adjustment/"),
    ("POST", "/api/v1/no_activity/"),
    ("GET", "/api/v1/item/"), ("GET", "/api/v1/item/{pk}"),
    ("GET", "/api/v1/risk_group/"), ("GET", "/api/v1/risk_group/{pk}"),
    ("GET", "/api/v1/ledger/"), ("GET", "/api/v1/ledger/{pk}"),
    ("GET", "/api/v1/balance/"),
    ("GET", "/api/v1/figures/{unit_id}"), ("GET", "/api/v1/figures/{unit_id}/completeness"),
]
ROLES = {"officer": "cm-officer", "province_admin": "cm-admin", "committee": "cm-committee"}
# Every operation as an officer and as a province administrator; the count's writes as the committee too.
RUNS = [(role, method, path) for method, path in OPERATIONS for role in ("officer", "province_admin")] + \
    [("committee", "POST", "/api/v1/count/"), ("committee", "POST", "/api/v1/count/{pk}/sign")]
# Per operation and role; MASKLOG_FUZZ_EXAMPLES=200 for a longer hunt.
EXAMPLES = int(os.environ.get("MASKLOG_FUZZ_EXAMPLES", "25"))
# Whose rows a `{pk}` names, by resource.
MODELS = {"unit": Unit, "receipt": Receipt, "count": DailyCount, "allocation": Allocation, "shipment": AllocationLine,
          "distribution": Distribution, "adjustment": Adjustment, "item": Item, "risk_group": RiskGroup,
          "ledger": LedgerLine}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Who may write what (app/roles.py): an officer records and confirms, the committee counts; a
# province administrator only reads. A write the role may not do never succeeds; one it may
# do must get past the door at least once (an answer of the operation itself: 2xx or 422).
WRITERS = {"officer": {"/api/v1/receipt/", "/api/v1/allocation/", "/api/v1/shipment/{pk}/confirm",
                       "/api/v1/shipment/{pk}/recall", "/api/v1/distribution/", "/api/v1/distribution/{pk}/reverse",
                       "/api/v1/adjustment/", "/api/v1/no_activity/"},
           "committee": {"/api/v1/count/", "/api/v1/count/{pk}/sign"}, "province_admin": set()}


@pytest.fixture(scope="module")
def fuzz_app(backend, empty_database_url):
    """An app on a database of its own (the run writes), with the demo data and
    a day of documents at district 5001, so every resource has rows there."""
    from app.commands.adjustment import adjust
    from app.commands.count import CountLineInput, save_count
    from app.commands.receipt import record_receipt
    from app.commands.setup import system_actor

    app = create_app(make_config(empty_database_url(backend)))
    with app.app_context():
        flask_migrate.upgrade()
        prepare_demo(db.session)
        db.session.commit()
        actor, district = system_actor(db.session), unit("5001")
        counted = record_receipt(db.session, actor, unit=district, source="ศบค.มท.", reference_no="FUZZ-1",
                                 quantity_sent=1000)
        save_count(db.session, actor, unit=district, lines=[CountLineInput(counted.id, counted=1000)],
                   members=COMMITTEE, chair_name=COMMITTEE[0]["name"], physical_count=11800, sign=True)
        record_receipt(db.session, actor, unit=district, source="ศบค.มท.", reference_no="FUZZ-2", quantity_sent=500)
        adjust(db.session, actor, unit=district, kind="damage", quantity=5, reason="ชำรุด")
        city = unit("CM-CITY")  # a draft count, for sign
        arrived = record_receipt(db.session, actor, unit=city, source="อำเภอ", reference_no="FUZZ-3", quantity_sent=300)
        save_count(db.session, actor, unit=city, lines=[CountLineInput(arrived.id, counted=300)], members=COMMITTEE,
                   chair_name=COMMITTEE[0]["name"], physical_count=300)
        db.session.commit()
    return app


@pytest.fixture(scope="module")
def spec(fuzz_app):
    headers = bearer_for(fuzz_app, _user_id(fuzz_app, "cm-admin"))
    return schemathesis.openapi.from_wsgi(SPEC, fuzz_app, headers=headers)


def _user_id(app, username):
    with app.app_context():
        return user(username).id


class Area:
    """What the caller may see, read from the database once: the units of
    their subtree, the units above it, and ids of every resource's rows inside
    and outside it (for path parameters)."""

    def __init__(self, app, username):
        with app.app_context():
            person = user(username)
            root = person.unit.path
            self.units = set(db.session.scalars(select(Unit.id).where(scoping.subtree_clause(Unit.path, root))))
            self.above = set(scoping.ancestor_ids(root)) - self.units
            self.user_id = person.id
            bangkok = unit("10").path
            self.ids = {}
            for resource, model in MODELS.items():
                inside = db.session.scalars(select(model.id).where(scoping.scope_clause(model, person))
                                            .order_by(model.id.desc()).limit(20)).all() \
                    if model not in (Item, RiskGroup) else db.session.scalars(select(model.id)).all()
                outside = db.session.scalars(
                    select(model.id).where(_in_subtree(model, bangkok)).limit(5)).all() \
                    if model not in (Item, RiskGroup) else []
                self.ids[resource] = (list(inside), list(outside))
            self.items = db.session.scalars(select(Item.id)).all()
            self.groups = db.session.scalars(select(RiskGroup.id)).all()
            self.receipts = self.ids["receipt"][0]
            self.children = sorted(db.session.scalars(select(Unit.id).where(Unit.parent_id == person.unit.id)))


def _in_subtree(model, path):
    if model is Unit:
        return scoping.subtree_clause(Unit.path, path)
    return model.unit_id.in_(select(Unit.id).where(scoping.subtree_clause(Unit.path, path)))


def _ids_strategy(area: Area, resource: str):
    """Ids of the caller's rows (most often), of Bangkok's, or any number at all."""
    inside, outside = area.ids[resource]
    pools = {"inside": st.sampled_from(inside) if inside else None,
             "outside": st.sampled_from(outside) if outside else None,
             "any": st.integers(min_value=-5, max_value=2**31 + 5)}
    kinds = [kind for kind in ("inside", "inside", "outside", "any") if pools[kind] is not None]
    return st.sampled_from(kinds).flatmap(pools.get)


def _good_query(path: str, area: Area) -> dict:
    """Query parameters an operation answers 200 to (with a good id)."""
    day = today()
    return {"/api/v1/figures/{unit_id}": {"item_id": area.items[0], "start": (day - datetime.timedelta(days=7))
                                          .isoformat(), "end": day.isoformat()},
            "/api/v1/figures/{unit_id}/completeness": {"day": day.isoformat()},
            "/api/v1/balance/": {"item_id": area.items[0], "date": day.isoformat()}}.get(path, {})


def _resource(path: str) -> str:
    return path.split("/")[3]


def _steer(body, area: Area, data):
    """Sometimes point a generated body at the caller's own units, items, risk
    groups and receipts, so the operations' success paths run too."""
    if isinstance(body, list):
        for element in body:
            _steer(element, area, data)
        return
    if not isinstance(body, dict):
        return
    for key, pool in (("unit_id", sorted(area.units)), ("item_id", area.items), ("risk_group_id", area.groups),
                      ("receipt_id", area.receipts)):
        if key in body and pool and data.draw(st.booleans(), label=f"steer {key}"):
            body[key] = data.draw(st.sampled_from(pool), label=key)
    if "shares" in body and area.children and data.draw(st.booleans(), label="steer shares"):
        for share in body["shares"] if isinstance(body["shares"], list) else []:
            if isinstance(share, dict):
                share["unit_id"] = data.draw(st.sampled_from(area.children), label="share unit")
    for value in body.values():
        _steer(value, area, data)


def _is_id(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _unit_ids(answer, path: str):
    """(unit ids that must lie in the caller's subtree, ids that may lie above it) found in a JSON answer."""
    inside, above = [], []

    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("label_columns", "description_columns", "filters"):  # about columns, not rows
                    continue
                if key == "unit_id" and _is_id(item):
                    inside.append(item)
                elif key in ("parent_id", "sender_unit_id") and _is_id(item):
                    above.append(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(answer)
    if isinstance(answer, dict):
        resource = _resource(path)
        if resource == "unit":
            result = answer.get("result")
            rows = result if isinstance(result, list) else [result] if isinstance(result, dict) else []
            rows += answer.get("results") or []
            inside += [row["id"] for row in rows if isinstance(row, dict) and "id" in row]
            inside += [int(pk) for pk in answer.get("ids") or []]
            if "id" in answer and isinstance(result, dict):
                inside.append(int(answer["id"]))
        if resource == "figures" and isinstance(answer.get("units"), dict):
            units = answer["units"]
            inside += [row["id"] for row in [units.get("own") or {}, *(units.get("children") or [])] if "id" in row]
    return inside, above


@pytest.mark.parametrize("role, method, path", RUNS, ids=[f"{method} {path} as {role}" for role, method, path in RUNS])
def test_operation_keeps_to_its_spec_and_the_callers_area(fuzz_app, spec, role, method, path):
    area = Area(fuzz_app, ROLES[role])
    # The test client does not unzip; a real client would (app/assets.py gzips JSON too).
    headers = {**bearer_for(fuzz_app, area.user_id), "Accept-Encoding": "identity"}
    operation = spec[path][method]
    statuses = collections.Counter()
    strategies = [operation.as_strategy()]  # everything generated
    name = next((name for name in ("pk", "unit_id") if f"{{{name}}}" in path), None)
    if name is not None:  # a real id in the path, the rest generated; then with a good query
        ids = _ids_strategy(area, _resource(path) if name == "pk" else "unit")
        strategies.append(ids.flatmap(lambda value: operation.as_strategy(path_parameters={name: value})))
        strategies.append(ids.flatmap(lambda value: operation.as_strategy(path_parameters={name: value},
                                                                          query=_good_query(path, area))))
    if path == "/api/v1/balance/":
        strategies.append(_ids_strategy(area, "unit").flatmap(
            lambda value: operation.as_strategy(query={"unit_id": value, **_good_query(path, area)})))

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=st.one_of(*strategies), data=st.data())
    def run(case, data):
        if case.body is not None and not isinstance(case.body, (str, bytes)):
            _steer(case.body, area, data)
        response = case.call(headers=headers)
        statuses[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)
        if 200 <= response.status_code < 300:
            inside, above = _unit_ids(response.json(), path)
            outside = [unit_id for unit_id in inside if unit_id not in area.units]
            assert not outside, f"{method} {path} answered units outside {ROLES[role]}'s area: {outside}"
            beyond = [unit_id for unit_id in above if unit_id not in area.units | area.above]
            assert not beyond, f"{method} {path} answered parents outside {ROLES[role]}'s area: {beyond}"

    run()
    assert sum(statuses.values()) >= EXAMPLES, f"too few requests to {method} {path}: {dict(statuses)}"
    succeeded = any(200 <= status < 300 for status in statuses)
    if method == "GET":
        assert succeeded, f"{method} {path} never answered 2xx as {role}: {dict(statuses)}"
    elif path in WRITERS[role]:
        assert succeeded or statuses[422], f"{method} {path} never reached the operation as {role}: {dict(statuses)}"
    else:
        assert not succeeded and statuses[403], f"{role} may not {method} {path}: {dict(statuses)}"


def test_the_spec_lists_every_operation_and_no_other(spec):
    listed = {(method.upper(), path) for path, methods in spec.raw_schema["paths"].items() for method in methods}
    assert listed - NOT_FUZZED == set(OPERATIONS)
