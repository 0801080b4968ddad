"""Fuzzing every form of the daily work and of the administrators (hypothesis)
over real HTTP, as each role: Thai and Arabic digits, huge and negative
numbers, control and zero-width characters, fields missing, duplicated or of
another form, ids of units and documents outside the actor's area or of no
row at all. Whatever is posted: never an HTTP 500, the stock invariants hold,
and nothing changes outside the actor's area. The REST API gets the same
treatment from its OpenAPI spec (tests/http/test_api_schemathesis.py).

Bounded for CI (MASKLOG_FUZZ_EXAMPLES, default 25 per form and role group);
a longer run: MASKLOG_FUZZ_EXAMPLES=500 .venv/bin/python -m pytest tests/http/test_fuzz_forms.py"""
import os
from collections import Counter

import pytest
from werkzeug.datastructures import MultiDict
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.extensions import db
from app.models.ledger import AuditEntry, LedgerLine
from app.models.unit import Unit
from tests.helpers import check_invariants, client_for, login, stock_up, unit

EXAMPLES = int(os.environ.get("MASKLOG_FUZZ_EXAMPLES", "25"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

NASTY = ["", " ", "0", "-1", "1", "๑๒๓", "1,000", "1e9", "99999999999999999999", "2147483648", "-2147483649",
         "NaN", "null", "[]", "{}", "1.5", "\u200b12", "12\u200b", "\x00", "\x1f", "\u202e123", "'; DROP TABLE unit;--",
         "<script>alert(1)</script>", "%", "_", "ก" * 600, "31/02/2563", "7/5/2563", "2020-05-07", "01/01/1900",
         "9/9/9999", "๗/๕/๒๕๖๓", "yes", "no", "sign", "draft", "on"]
values = st.one_of(st.sampled_from(NASTY), st.text(max_size=40),
                   st.integers(min_value=-(10 ** 20), max_value=10 ** 20).map(str))


@pytest.fixture()
def world(app):
    """A LAO with stock, two end units (a shipment on its way to the first) and
    their people; and a unit of another province that must never change."""
    with app.app_context():
        lao, kids, people = fresh_world()
        return {"lao": lao.id, "kids": [k.id for k in kids], "foreign": unit("10").id,
                "foreign_receipt": db.session.scalar(select(func.max(LedgerLine.id))) or 0,
                **{name: person.id for name, person in people.items()}}


def fresh_world():
    from tests.helpers import fresh_tree

    lao, kids, people = fresh_tree(2)
    stock_up(lao, people, 500)
    return lao, kids, people


def _ids(world, app):
    """Numbers a forged form may carry: real ids in and out of the area, and ids of no row."""
    with app.app_context():
        foreign_kids = db.session.execute(select(Unit.id).where(Unit.parent_id == world["foreign"]).limit(2)).scalars().all()
    return st.sampled_from([*world["kids"], world["lao"], world["foreign"], *foreign_kids, 0, -1, 2 ** 31, 2 ** 40])


def _foreign_state(app, world):
    """What of the other province could a forged form touch: its ledger and audit rows."""
    with app.app_context():
        path = db.session.get(Unit, world["foreign"]).path
        in_foreign = select(Unit.id).where(Unit.path.like(path + "%"))
        return (db.session.scalar(select(func.count()).select_from(LedgerLine).where(LedgerLine.unit_id.in_(in_foreign))),
                db.session.scalar(select(func.count()).select_from(AuditEntry).where(AuditEntry.unit_id.in_(in_foreign))))


def _fields(draw, names, ids) -> MultiDict:
    """A form: some of the expected fields (each maybe twice), some numbered ones with forged ids."""
    form = []
    for name in names:
        if draw(st.booleans()) or draw(st.booleans()):
            form.append((name, draw(values)))
            if draw(st.integers(0, 9)) == 0:
                form.append((name, draw(values)))  # duplicated
    for prefix in ("share-", "pieces-", "people-", "counted-", "damaged-", "missing-", "reason-", "member-name-",
                   "member-position-", "rule-"):
        if draw(st.integers(0, 3)) == 0:
            form.append((f"{prefix}{draw(ids)}", draw(values)))
    return MultiDict(form)


def _after_fuzzing(app, world, before, seen: Counter):
    # The runs reached the handlers: forms taken or refused (a redirect back) and ids of no page (404).
    assert seen[302] > 0 and seen[404] > 0, seen
    assert _foreign_state(app, world) == before
    with app.app_context():
        check_invariants()


TODAY_FORMS = {
    "receipt": ["date", "source", "reference_no", "quantity_sent", "form_token"],
    "allocate": ["date", "document_no", "form_token"],
    "distribute": ["date", "form_token"],
    "adjust": ["date", "kind", "quantity", "reason", "form_token"],
    "nothing": [],
    "count": ["chair_row", "physical_count", "note", "action", "default_below", "default_below_shown", "date"],
}


def _check(response, form, path, seen: Counter):
    assert response.status_code < 500, (path, form, response.get_data(as_text=True)[:500])
    seen[response.status_code] += 1


@pytest.mark.parametrize("who", ["officer", "committee", "child0"])
def test_the_today_forms_never_fail_and_never_reach_outside(app, world, who):
    client = client_for(app, world[who])
    ids = _ids(world, app)
    own = world["kids"][0] if who == "child0" else world["lao"]
    before, seen = _foreign_state(app, world), Counter()

    @FUZZ
    @given(data=st.data())
    def run(data):
        # The committee's own form is the count sheet; every role's own unit comes up often.
        form_name = data.draw(st.sampled_from(["count"] if who == "committee" else sorted(TODAY_FORMS)))
        unit_id = data.draw(st.one_of(st.just(own), ids))
        form = _fields(data.draw, TODAY_FORMS[form_name], ids)
        path = f"/today/{unit_id}/{form_name}"  # a negative id: no route, a 404
        if data.draw(st.booleans()):
            path += f"?item={data.draw(values)}"
        _check(client.post(path, data=form), form, path, seen)
        line = data.draw(ids)
        path = f"/today/{unit_id}/confirm/{line}"
        form = _fields(data.draw, ["received", "reason", "date", "form_token"], ids)
        _check(client.post(path, data=form), form, path, seen)
        for action in ("reverse", "recall"):
            path = f"/today/{unit_id}/{action}/{data.draw(ids)}"
            form = _fields(data.draw, ["reason"], ids)
            _check(client.post(path, data=form), form, path, seen)

    run()
    _after_fuzzing(app, world, before, seen)


def test_the_administrators_forms_never_fail_and_never_reach_outside(app, world):
    admin = login(app.test_client(), "cm-admin")
    ids = _ids(world, app)
    before, seen = _foreign_state(app, world), Counter()

    @FUZZ
    @given(data=st.data())
    def run(data):
        choice = data.draw(st.integers(0, 4))
        if choice == 0:
            form = _fields(data.draw, ["unit", "unit_code", "obliged", "reason"], ids)
            path = "/obligations/exceptions"
        elif choice == 1:
            form, path = MultiDict(), f"/obligations/exceptions/{abs(data.draw(ids))}/remove"
        elif choice == 2:
            form, path = _fields(data.draw, ["reason"], ids), f"/unitstatus/{abs(data.draw(ids))}/deactivate"
        elif choice == 3:
            form = _fields(data.draw, ["province", "item"], ids)
            path = "/reconcile/"
        else:
            form = _fields(data.draw, ["unit"], ids)
            path = f"/reconcile/{abs(data.draw(ids))}/units"
        _check(admin.post(path, data=form), form, path, seen)

    run()
    _after_fuzzing(app, world, before, seen)
