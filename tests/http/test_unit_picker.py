"""The unit picker over HTTP: the search endpoint's ranking, Thai digits,
scope and page size, and the forms that refuse a forged unit id with a Thai
message beside the field."""
import re
import uuid

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.unit import Unit
from app.models.user import MaskLogUser
from app.roles import OFFICER
from tests.helpers import fresh_tree


def _search(client, q, **params):
    response = client.get("/api/v1/unit/search", query_string={"term": q, **params})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


def _codes(rows):
    return [row["code"] for row in rows]


def _ids(app, *codes):
    with app.app_context():
        return dict(db.session.execute(select(Unit.code, Unit.id).where(Unit.code.in_(codes))).all())


def _path(app, code):
    with app.app_context():
        return db.session.execute(select(Unit.path).where(Unit.code == code)).scalar_one()


def test_the_province_comes_before_a_subdistrict_of_the_same_name(app, as_user):
    rows = _search(as_user("admin"), "เชียงใหม่")
    assert rows[0]["code"] == "50" and rows[0]["text"] == "เชียงใหม่ · จังหวัด · 50"
    codes = _codes(rows)
    # The subdistrict เชียงใหม่ in Roi Et (a name prefix) after the province, then
    # names that only contain it (อ.เมืองเชียงใหม่, อ.ศรีเชียงใหม่).
    assert codes.index("450802") < codes.index("5001") and "4307" in codes
    district = rows[codes.index("5001")]
    assert district["text"] == "เมืองเชียงใหม่ · อำเภอ · 5001 · จ.เชียงใหม่"
    assert district["level_label"] == "อำเภอ" and district["parent"] == "จ.เชียงใหม่"


def test_an_exact_code_comes_first_and_thai_digits_count(app, as_user):
    client = as_user("admin")
    assert _codes(_search(client, "๕๐"))[0] == "50"
    rows = _search(client, "๕๐๐๑๐๗")
    assert rows[0]["code"] == "500107"
    assert rows[0]["text"] == "ช้างเผือก · ตำบล · 500107 · อ.เมืองเชียงใหม่"
    # A code typed part way lists the units under it, in code order.
    assert _codes(_search(client, "5001"))[:3] == ["5001", "500101", "500102"]


@pytest.mark.parametrize("typed, first", [("จังหวัดเชียงใหม่", "50"), ("อ.เมืองเชียงใหม่", "5001"),
                                          ("อำเภอ เมืองเชียงใหม่", "5001"), ("ต.ช้างเผือก", "500107")])
def test_names_match_with_the_words_people_put_in_front(app, as_user, typed, first):
    assert _codes(_search(as_user("cm-admin"), typed))[0] == first


def test_bangkok_reads_as_khet_and_khwaeng(app, as_user):
    rows = _search(as_user("admin"), "100101")
    assert rows[0]["text"] == "พระบรมมหาราชวัง · แขวง · 100101 · เขตพระนคร"


@pytest.mark.parametrize("typed", ["1001", "๑๐", "10", "กรุงเทพมหานคร", "เขตพระนคร", "พระบรมมหาราชวัง", "เมือง"])
def test_a_province_admin_never_gets_a_unit_of_another_province(app, as_user, typed):
    rows = _search(as_user("cm-admin"), typed, page_size=20)
    province = _path(app, "50")
    with app.app_context():
        paths = [db.session.get(Unit, row["id"]).path for row in rows]
    assert all(path.startswith(province) for path in paths), (typed, _codes(rows))
    if typed != "เมือง":
        assert rows == []


def test_an_officer_gets_only_their_district(app, as_user):
    rows = _search(as_user("cm-officer"), "เชียง")
    assert rows and all(row["code"].startswith("5001") or not row["code"][:1].isdigit() for row in rows)
    assert "50" not in _codes(rows)  # the province above the officer's district


def test_the_page_size_is_capped(app, as_user):
    client = as_user("admin")
    assert len(_search(client, "เมือง", page_size=1000)) == 20
    assert len(_search(client, "เมือง", page_size=3)) == 3


def test_levels_and_inactive_units(app, as_user):
    with app.app_context():
        lao, children, _people = fresh_tree(1)
        lao_code, child_code = lao.code, children[0].code
        children[0].active = False
        db.session.commit()
    client = as_user("cm-admin")
    assert _codes(_search(client, lao_code)) == [lao_code]
    assert _codes(_search(client, lao_code, levels="province,district")) == []
    assert child_code not in _codes(_search(client, child_code))  # inactive: never offered


def test_an_empty_search_offers_the_own_unit_and_the_units_under_it(app, as_user):
    rows = _search(as_user("cm-admin"), "")
    assert rows[0]["code"] == "50" and all(row["code"].startswith("50") or "-" in row["code"] for row in rows)


@pytest.mark.parametrize("typed", ["%", "_", "เชียง%", "'; drop table unit; --", "x" * 500])
def test_odd_input_finds_nothing_and_breaks_nothing(app, as_user, typed):
    assert _search(as_user("admin"), typed) == []


def test_the_search_needs_a_signed_in_user(client):
    assert client.get("/api/v1/unit/search?term=50").status_code == 401


# ---------------------------------------------------------------- the forms

def _role_id(app, name):
    with app.app_context():
        return app.appbuilder.sm.find_role(name).id


def _user_form(app, unit_id, username):
    return {"first_name": "ทดสอบ", "last_name": "ตัวเลือก", "username": username,
            "email": f"{username}@example.com", "position": "", "phone": "", "active": "y", "unit": str(unit_id),
            "roles": str(_role_id(app, OFFICER))}


def _users(app, username):
    with app.app_context():
        return db.session.execute(select(func.count()).select_from(MaskLogUser)
                                  .where(MaskLogUser.username == username)).scalar()


def _field_error(body, name):
    """The error text FAB prints under the form field `name`."""
    match = re.search(r'<label for="%s".*?</span>\s*(?:<div class="alert alert-danger">(.*?)</div>|<)'
                      % re.escape(name), body, re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1) or "").split()) if match else ""


def test_the_user_form_stores_the_picked_unit(app, as_user):
    username = f"picker-{uuid.uuid4().hex[:6]}"
    client = as_user("cm-admin")
    ids = _ids(app, "5002")
    response = client.post("/users/add", data=_user_form(app, ids["5002"], username))
    assert response.status_code == 302, _field_error(response.get_data(as_text=True), "unit")
    with app.app_context():
        user = db.session.execute(select(MaskLogUser).where(MaskLogUser.username == username)).scalar_one()
        assert user.unit.code == "5002"
        user_id = user.id
    # The edit form shows the chosen unit by its label, not a list of every unit.
    body = client.get(f"/users/edit/{user_id}").get_data(as_text=True)
    assert 'value="จอมทอง · อำเภอ · 5002 · จ.เชียงใหม่"' in body
    assert f'name="unit" value="{ids["5002"]}"' in body
    assert "<option" not in body.split('id="unit"')[1].split("</div>")[0]


@pytest.mark.parametrize("case, value, message", [
    ("a district of Bangkok", "1001", "กรุณาเลือกหน่วยงานในพื้นที่ที่ท่านดูแล"),
    ("the central unit above the province", "TH", "กรุณาเลือกหน่วยงานในพื้นที่ที่ท่านดูแล"),
    ("no such unit", 99999999, "กรุณาเลือกหน่วยงานในพื้นที่ที่ท่านดูแล"),
    ("not a number", "abc", "กรุณาเลือกหน่วยงานในพื้นที่ที่ท่านดูแล"),
    ("nothing chosen", "", "กรุณาเลือกหน่วยงาน"),
])
def test_the_user_form_refuses_a_forged_unit_beside_the_field(app, as_user, case, value, message):
    """Everything else in the request is valid: only the unit's scope refuses it."""
    unit_id = _ids(app, value).get(value, value) if isinstance(value, str) else value
    username = f"forged-{uuid.uuid4().hex[:6]}"
    response = as_user("cm-admin").post("/users/add", data=_user_form(app, unit_id, username))
    body = response.get_data(as_text=True)
    assert response.status_code == 200, case
    assert _field_error(body, "unit") == message, case
    assert 'value="ทดสอบ"' in body  # what was typed is kept
    assert _users(app, username) == 0


def test_the_user_form_refuses_an_inactive_unit(app, as_user):
    with app.app_context():
        lao, _children, _people = fresh_tree(0)
        lao.active = False
        db.session.commit()
        lao_id, lao_name = lao.id, lao.name_th
    username = f"inactive-{uuid.uuid4().hex[:6]}"
    body = as_user("cm-admin").post("/users/add", data=_user_form(app, lao_id, username)).get_data(as_text=True)
    assert _field_error(body, "unit") == f"{lao_name} ปิดการใช้งานแล้ว กรุณาเลือกหน่วยงานอื่น"
    assert _users(app, username) == 0


def test_the_unit_form_takes_a_parent_of_the_right_level_in_scope(app, as_user):
    client = as_user("cm-admin")
    form = {"level": "end_unit", "code": "", "name_th": "หน่วยทดสอบตัวเลือก", "name_en": "", "active": "y"}
    with app.app_context():  # other tests may rename it
        checkpoint = db.session.execute(select(Unit.name_th).where(Unit.code == "CM-CHECKPOINT")).scalar_one()
    refused = {
        "1001": "กรุณาเลือกหน่วยงานในพื้นที่ที่ท่านดูแล",
        # An end unit may not have units under it.
        "CM-CHECKPOINT": f"เลือก {checkpoint} ในช่องนี้ไม่ได้ กรุณาเลือกหน่วยงานระดับอื่น",
    }
    ids = _ids(app, "1001", "CM-CHECKPOINT", "500105")
    for code, message in refused.items():
        body = client.post("/unitmodelview/add", data={**form, "parent": ids[code]}).get_data(as_text=True)
        assert _field_error(body, "parent") == message, code
    with app.app_context():
        assert db.session.query(Unit).filter_by(name_th="หน่วยทดสอบตัวเลือก").count() == 0
    response = client.post("/unitmodelview/add", data={**form, "parent": ids["500105"]})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.query(Unit).filter_by(name_th="หน่วยทดสอบตัวเลือก").one().parent.code == "500105"


def test_the_dashboard_offers_go_to_unit(app, as_user):
    ids = _ids(app, "50")
    body = as_user("cm-admin").get(f"/dashboard/{ids['50']}").get_data(as_text=True)
    assert "ไปที่หน่วยงาน" in body and 'data-go="/dashboard/{id}?item=' in body


def test_a_unit_kept_under_its_parent_saves_even_when_the_parent_is_outside_the_area(app, as_user):
    """Chiang Mai's administrator saves their own province unchanged: its parent, the
    central unit, is outside their area but not changed. Another parent outside is refused."""
    ids = _ids(app, "50", "TH", "10")
    client = as_user("cm-admin")
    body = client.get(f"/unitmodelview/edit/{ids['50']}").get_data(as_text=True)
    assert f'name="parent" value="{ids["TH"]}"' in body
    form = {"code": "50", "name_th": "เชียงใหม่", "name_en": "Chiang Mai", "active": "y"}
    with app.app_context():
        form["name_en"] = db.session.get(Unit, ids["50"]).name_en or ""
    response = client.post(f"/unitmodelview/edit/{ids['50']}", data={**form, "parent": ids["TH"]})
    assert response.status_code == 302, _field_error(response.get_data(as_text=True), "parent")
    body = client.post(f"/unitmodelview/edit/{ids['50']}", data={**form, "parent": ids["10"]}).get_data(as_text=True)
    assert _field_error(body, "parent") == "กรุณาเลือกหน่วยงานในพื้นที่ที่ท่านดูแล"
    with app.app_context():
        assert db.session.get(Unit, ids["50"]).parent_id == ids["TH"]
