"""Switching a unit off (app/commands/unit_status.py): the whole subtree goes
off, its users are refused on their next request on another app server (page,
write, API token) and at sign-in, the confirmation page says how many units
and users before anything happens, and switching back on brings back exactly
what went off with it."""
import csv
import io
import json
import re

import pytest
from flask_jwt_extended import create_access_token
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash

from app import create_app
from app.commands.unit_status import reactivate_unit
from app.extensions import db
from app.models.ledger import AuditEntry, Receipt
from app.models.unit import Unit
from app.models.user import MaskLogUser
from app.scoping import subtree_clause
from tests.helpers import client_for, flashed_text, fresh_tree, login, make_config, stock_up, unit, user

DISTRICT = "5006"  # no other test builds under it
PASSWORD = "Blocked-Officer-2569"


@pytest.fixture()
def other_server(app):
    """A second app on the same database, like a second app server: its own
    signed-in-user cache, here kept for an hour so only the per-request check
    can refuse a blocked user."""
    config = make_config(app.config["SQLALCHEMY_DATABASE_URI"])
    config.USER_CACHE_SECONDS = 3600
    return create_app(config)


def _subtree_counts(app, code):
    with app.app_context():
        root = unit(code)
        units = db.session.execute(select(func.count(Unit.id)).where(
            subtree_clause(Unit.path, root.path), Unit.active.is_(True))).scalar()
        users = db.session.execute(select(func.count(MaskLogUser.id)).join(Unit, Unit.id == MaskLogUser.unit_id)
                                   .where(subtree_clause(Unit.path, root.path), Unit.active.is_(True),
                                          MaskLogUser.active.is_(True))).scalar()
        return root.id, units, users


def _effect(html, name):
    match = re.search(rf'id="effect-{name}">(.*?)</li>', html, re.S)
    return match.group(1) if match else None


def _active(app, unit_id):
    with app.app_context():
        return db.session.get(Unit, unit_id).active


def _audit(app, action, unit_id):
    with app.app_context():
        entries = db.session.query(AuditEntry).filter_by(action=action, object_type="unit", object_id=unit_id).all()
        return [json.loads(entry.after) for entry in entries]


def test_switching_off_a_district_blocks_its_subtree_on_another_server_and_back_on(app, other_server):
    with app.app_context():
        lao, children, people = fresh_tree(2, district_code=DISTRICT)
        stock_up(lao, people, quantity=120)
        ids = {name: person.id for name, person in people.items()}
        names = {name: person.username for name, person in people.items()}
        lao_id, child_ids = lao.id, [c.id for c in children]
        officer = user(names["officer"])
        officer.password = generate_password_hash(PASSWORD)
        officer_name = officer.username
        db.session.commit()
        subdistricts = [u.id for u in db.session.query(Unit).filter(Unit.parent_id == unit(DISTRICT).id)]
    assert subdistricts, "the district has subdistricts"
    admin = login(app.test_client(), "cm-admin")
    # Switched off by hand before: an end unit, and the committee member.
    assert admin.post(f"/unit-status/{child_ids[1]}/deactivate").status_code == 302
    assert not _active(app, child_ids[1])
    with app.app_context():
        user(names["committee"]).active = False
        db.session.commit()

    # The LAO's officer and an end unit's officer work on the OTHER server.
    officer_b = client_for(other_server, ids["officer"])
    receiver_b = client_for(other_server, ids["child0"])
    assert officer_b.get(f"/today/{lao_id}").status_code == 200
    assert receiver_b.get(f"/today/{child_ids[0]}").status_code == 200
    with other_server.app_context():
        token = {"Authorization": f"Bearer {create_access_token(identity=str(ids['officer']), fresh=True)}"}
    api_b = other_server.test_client()
    assert api_b.get("/api/v1/unit/", headers=token).status_code == 200

    viewer = login(app.test_client(), "cm-viewer")
    province = _subtree_counts(app, "50")[0]
    before = viewer.get(f"/dashboard/{province}").get_data(as_text=True)

    district_id, units, users = _subtree_counts(app, DISTRICT)
    page = admin.get(f"/unit-status/{district_id}/deactivate").get_data(as_text=True)
    assert f"{units:,} หน่วย" in _effect(page, "units") and f"{users:,} คน" in _effect(page, "users")
    assert _active(app, district_id), "the confirmation page changes nothing"
    response = admin.post(f"/unit-status/{district_id}/deactivate", follow_redirects=True)
    assert f"ปิดใช้งานแล้ว {units:,} หน่วยงาน" in flashed_text(response.get_data(as_text=True))
    try:
        for unit_id in [district_id, lao_id, *child_ids, *subdistricts]:
            assert not _active(app, unit_id)
        assert _audit(app, "deactivate", district_id)[-1] | {"code": DISTRICT} == {
            "code": DISTRICT, "units": units, "users": users, "in_transit": 0}

        # The next request on the other server: page and write refused, token dead.
        for client, unit_id in ((officer_b, lao_id), (receiver_b, child_ids[0])):
            response = client.get(f"/today/{unit_id}")
            assert response.status_code == 302 and "/login" in response.headers["Location"]
        response = officer_b.post(f"/today/{lao_id}/receipt", data={
            "source": "บริจาค", "reference_no": "ร 1/2569", "quantity_sent": "5", "form_token": f"t-off-{lao_id}"})
        assert response.status_code == 302 and "/login" in response.headers["Location"]
        with app.app_context():
            assert db.session.query(Receipt).filter_by(unit_id=lao_id).count() == 1  # stock_up's only
        assert api_b.get("/api/v1/unit/", headers=token).status_code == 401

        # Signing in again is refused, with the reason in Thai (only with the right password).
        response = other_server.test_client().post("/login/", data={"username": officer_name, "password": PASSWORD},
                                                   follow_redirects=True)
        assert "ของคุณถูกปิดใช้งานแล้ว" in flashed_text(response.get_data(as_text=True))
        response = other_server.test_client().post("/login/", data={"username": officer_name, "password": "wrong"},
                                                   follow_redirects=True)
        assert "ถูกปิดใช้งาน" not in flashed_text(response.get_data(as_text=True))
        with app.app_context():
            assert db.session.query(AuditEntry).filter_by(action="login_blocked", object_id=ids["officer"]).count() == 1

        # Nothing deleted: the district is still on the province's dashboard, marked, its stock in the totals.
        after = viewer.get(f"/dashboard/{province}").get_data(as_text=True)
        row = re.search(rf'<tr><td><a href="[^"]*/dashboard/{district_id}[^"]*">.*?</tr>', after, re.S).group(0)
        assert "(ปิดใช้งาน)" in row
        total = re.compile(r'id="children-total".*?data-figure="balance">([^<]*)<', re.S)
        assert total.search(after).group(1) == total.search(before).group(1)
        report = viewer.get(f"/dashboard/{province}/report.csv").data.decode("utf-8-sig")
        row = next(row for row in csv.reader(io.StringIO(report)) if row[1] == DISTRICT)
        assert row[2].endswith("(ปิดใช้งาน)")

        # Switching back on: the confirmation says who stays off.
        page = admin.get(f"/unit-status/{district_id}/reactivate").get_data(as_text=True)
        assert f"{units:,} หน่วย" in _effect(page, "units")  # child 1 was already off, so not counted in `units`
        assert f"{users:,} คน" in _effect(page, "users")  # the same people: the committee member stays out
        assert "1 คน" in _effect(page, "users-kept-off") and "1 หน่วย" in _effect(page, "units-kept-off")
        response = admin.post(f"/unit-status/{district_id}/reactivate", follow_redirects=True)
        assert "เปิดใช้งานอีกครั้งแล้ว" in flashed_text(response.get_data(as_text=True))
    finally:
        with app.app_context():
            if not db.session.get(Unit, district_id).active:
                reactivate_unit(db.session, user("admin"), district_id)
                db.session.commit()
    for unit_id in [district_id, lao_id, child_ids[0], *subdistricts]:
        assert _active(app, unit_id)
    assert not _active(app, child_ids[1]), "switched off on its own before: stays off"
    with app.app_context():
        assert user(names["committee"]).active is False, "deactivated by hand: stays deactivated"
    assert _audit(app, "reactivate", district_id)[-1]["units"] == units
    assert officer_b.get(f"/today/{lao_id}").status_code == 200, "the officer works again"
    assert api_b.get("/api/v1/unit/", headers=token).status_code == 200


def test_a_deactivated_users_session_and_token_stop_on_another_server(app, other_server):
    with app.app_context():
        lao, _children, people = fresh_tree(1, district_code=DISTRICT)
        officer_id, lao_id = people["officer"].id, lao.id
    officer_b = client_for(other_server, officer_id)
    assert officer_b.get(f"/today/{lao_id}").status_code == 200
    with other_server.app_context():
        token = {"Authorization": f"Bearer {create_access_token(identity=str(officer_id), fresh=True)}"}
    assert other_server.test_client().get("/api/v1/unit/", headers=token).status_code == 200
    with app.app_context():  # deactivated by hand, on the first server
        db.session.get(MaskLogUser, officer_id).active = False
        db.session.commit()
    assert officer_b.get(f"/today/{lao_id}").status_code == 302
    assert other_server.test_client().get("/api/v1/unit/", headers=token).status_code == 401


def test_who_may_switch_which_unit(app, as_user):
    province_admin = as_user("cm-admin")
    with app.app_context():
        bangkok_district = db.session.query(Unit).filter(Unit.parent_id == unit("10").id).first().id
        own_province, centre = unit("50").id, unit("TH").id
    # Forged, otherwise valid requests: only the scope rule refuses them.
    for unit_id in (bangkok_district, own_province, centre):
        response = province_admin.post(f"/unit-status/{unit_id}/deactivate", follow_redirects=True)
        assert flashed_text(response.get_data(as_text=True)), unit_id
        assert _active(app, unit_id)
    assert "ของตนเองไม่ได้" in flashed_text(
        province_admin.post(f"/unit-status/{own_province}/deactivate", follow_redirects=True).get_data(as_text=True))
    # The central administrator may switch a province off: the page offers it.
    central = as_user("admin")
    page = central.get(f"/unit-status/{own_province}/deactivate").get_data(as_text=True)
    assert 'id="confirm-switch"' in page
    assert 'id="unit-switch"' in central.get(f"/unitmodelview/show/{own_province}").get_data(as_text=True)
    assert 'id="unit-switch"' not in province_admin.get(f"/unitmodelview/show/{own_province}").get_data(as_text=True)
    # An officer may not switch anything.
    officer = as_user("cm-officer")
    with app.app_context():
        subdistrict = db.session.query(Unit).filter(Unit.parent_id == unit("5001").id).first().id
    officer.post(f"/unit-status/{subdistrict}/deactivate")
    assert _active(app, subdistrict)


def test_no_allocation_to_a_switched_off_unit(app):
    with app.app_context():
        lao, children, people = fresh_tree(2, district_code=DISTRICT)
        stock_up(lao, people, quantity=50)
        lao_id, off, on = lao.id, children[0].id, children[1].id
        officer_id = people["officer"].id
    admin = login(app.test_client(), "cm-admin")
    admin.post(f"/unit-status/{off}/deactivate")
    assert not _active(app, off)
    officer = client_for(app, officer_id)
    response = officer.post(f"/today/{lao_id}/allocate", data={
        "document_no": "จ 1/2569", f"share-{off}": "5", f"share-{on}": "5", "form_token": f"t-alloc-off-{off}"},
        follow_redirects=True)
    assert "ปิด" in flashed_text(response.get_data(as_text=True))
    with app.app_context():
        from app.models.ledger import AllocationLine
        assert db.session.query(AllocationLine).filter_by(unit_id=off).count() == 0


def test_activation_cards_are_not_printed_for_a_switched_off_unit(app):
    from app.commands.users import create_user
    from app.roles import OFFICER

    with app.app_context():
        lao, children, _people = fresh_tree(2, district_code=DISTRICT)
        off, on = children
        for child in (off, on):
            create_user(db.session, user("cm-admin"), username=f"wait-{child.id}", first_name="รอ",
                        last_name="เปิดบัญชี", email=f"wait-{child.id}@example.go.th", unit=child, role_names=[OFFICER])
        db.session.commit()
        off_id, on_id = off.id, on.id
    admin = login(app.test_client(), "cm-admin")
    admin.post(f"/unit-status/{off_id}/deactivate")
    assert not _active(app, off_id)
    listing = admin.get("/registration/sheets").get_data(as_text=True)
    assert f"/registration/sheet/{on_id}" in listing and f"/registration/sheet/{off_id}" not in listing
    response = admin.get(f"/registration/sheet/{off_id}", follow_redirects=True)
    assert "ปิดใช้งานอยู่" in flashed_text(response.get_data(as_text=True))
    assert f"wait-{off_id}" not in response.get_data(as_text=True)
    # The user list says why the account cannot sign in, and who still has to activate.
    for user_unit, status in ((off_id, "ระงับ: หน่วยงานปิดใช้งาน"), (on_id, "รอเจ้าของบัญชีเปิดใช้งาน")):
        page = admin.get(f"/users/list/?_flt_0_username=wait-{user_unit}").get_data(as_text=True)
        assert f"wait-{user_unit}" in page and status in page, status
