"""Province administrators manage units and users of their own province only;
bad input gets a clear Thai message and writes nothing."""
import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models.unit import Unit
from app.models.user import MaskLogUser
from app.roles import CENTRAL_ADMIN, OFFICER, PROVINCE_ADMIN, VIEWER
from tests.helpers import flashed_text, login


# Each lookup opens and closes its own app context: requests must not run
# inside one the test holds (Flask would reuse it, and `g` with the signed-in user).
def _row(model, **where):
    """A detached snapshot of one row (its column values and a few relations)."""
    from types import SimpleNamespace

    app = _APP[0]
    with app.app_context():
        row = db.session.execute(select(model).filter_by(**where)).scalar_one_or_none()
        if row is None:
            return None
        values = {c: getattr(row, c) for c in row.__table__.columns.keys()}
        if model is MaskLogUser:
            values["role_names"] = sorted(r.name for r in row.roles)
            values["unit_code"] = row.unit.code if row.unit else None
        return SimpleNamespace(**values)


def _unit(code):
    return _row(Unit, code=code)


def _role_id(app, name):
    with app.app_context():
        return app.appbuilder.sm.find_role(name).id


def _count(model, **where):
    with _APP[0].app_context():
        query = select(func.count()).select_from(model)
        for key, value in where.items():
            query = query.where(getattr(model, key) == value)
        return db.session.execute(query).scalar()


_APP = []


@pytest.fixture(autouse=True)
def _bind_app(app):
    _APP[:] = [app]


def _add_unit(client, **fields):
    data = {"level": "end_unit", "code": "", "name_th": "หน่วยทดสอบ", "name_en": "", "active": "y"}
    data.update({k: str(v) for k, v in fields.items()})
    return client.post("/unitmodelview/add", data=data, follow_redirects=True)


def test_province_admin_adds_end_unit_with_generated_code_and_path(app, as_user):
    parent = _unit("500102")
    response = _add_unit(as_user("cm-admin"), parent=parent.id, name_th="รพ.สต. ทดสอบ ตำบลช้างม่อย")
    assert response.status_code == 200
    created = _row(Unit, name_th="รพ.สต. ทดสอบ ตำบลช้างม่อย")
    assert created.code.startswith("500102-")
    assert created.path == f"{parent.path}{created.id}/"
    assert created.level == "end_unit" and created.source == "manual"


@pytest.mark.parametrize("case, fields, message", [
    ("parent in another province", {"parent": "BKK:1001"}, "กรุณาเลือกหน่วยงานในพื้นที่ที่ท่านดูแล"),
    ("duplicate code", {"parent": "500101", "code": "cm-city"}, "มีอยู่แล้วในระบบ"),
    ("DOPA-shaped code", {"parent": "500101", "code": "500199"}, "กรมการปกครอง"),
    ("bad characters in code", {"parent": "500101", "code": "รหัส ไทย"}, "ใช้ได้เฉพาะตัวอักษรภาษาอังกฤษ"),
    ("empty Thai name", {"parent": "500101", "name_th": "   "}, "กรุณากรอกชื่อหน่วยงานภาษาไทย"),
    ("official level by hand", {"parent": "5001", "level": "subdistrict"}, "ตัวเลือกไม่ถูกต้อง"),
    ("LAO under a subdistrict", {"parent": "500101", "level": "lao"}, "ต้องสังกัด"),
])
def test_bad_unit_input_gets_thai_message_and_writes_nothing(app, as_user, case, fields, message):
    fields = dict(fields)
    parent_code = fields.pop("parent").split(":")[-1]
    before = _count(Unit)
    response = _add_unit(as_user("cm-admin"), parent=_unit(parent_code).id, **fields)
    assert response.status_code == 200, case
    body = response.get_data(as_text=True)
    assert message in body, f"{case}: {flashed_text(body)[:300]}"
    assert _count(Unit) == before, case


def test_official_units_cannot_be_renamed(app, as_user):
    district = _unit("5002")
    response = as_user("cm-admin").post(f"/unitmodelview/edit/{district.id}", data={
        "parent": str(district.parent_id), "code": "5002", "name_th": "ชื่อใหม่", "name_en": "x", "active": "y"},
        follow_redirects=True)
    assert "มาจากข้อมูลของกรมการปกครอง" in response.get_data(as_text=True)
    assert _unit("5002").name_th != "ชื่อใหม่"


def test_moving_an_lao_moves_its_subtree(app, as_user):
    client = as_user("cm-admin")
    _add_unit(client, level="lao", parent=_unit("5002").id, code="CM-MOVE-LAO", name_th="เทศบาลทดสอบย้าย")
    lao = _unit("CM-MOVE-LAO")
    _add_unit(client, level="end_unit", parent=lao.id, code="CM-MOVE-CHILD", name_th="หน่วยลูกทดสอบย้าย")
    new_parent = _unit("5003")
    response = client.post(f"/unitmodelview/edit/{lao.id}", data={
        "parent": str(new_parent.id), "code": "CM-MOVE-LAO", "name_th": "เทศบาลทดสอบย้าย", "active": "y"})
    assert response.status_code == 302
    lao, child = _unit("CM-MOVE-LAO"), _unit("CM-MOVE-CHILD")
    assert lao.path == f"{new_parent.path}{lao.id}/"
    assert child.path == f"{lao.path}{child.id}/"


def _add_user(client, app, **fields):
    data = {"first_name": "ทดสอบ", "last_name": "ผู้ใช้", "username": "new-user", "email": "new-user@example.com",
            "position": "", "phone": "", "active": "y", "password": "Str0ng-pass-123", "conf_password": "Str0ng-pass-123"}
    data.update({k: v for k, v in fields.items()})
    return client.post("/users/add", data=data, follow_redirects=True)


def test_province_admin_registers_an_officer_in_a_district(app, as_user):
    response = _add_user(as_user("cm-admin"), app, username="  CM-Officer-2 ", email="cm-officer-2@example.com",
                         unit=str(_unit("5002").id), roles=str(_role_id(app, OFFICER)))
    assert response.status_code == 200
    user = _row(MaskLogUser, username="cm-officer-2")
    assert user.unit_code == "5002" and user.role_names == [OFFICER]


@pytest.mark.parametrize("case, unit_code, role, message", [
    ("unit in another province", "1001", VIEWER, "กรุณาเลือกหน่วยงานในพื้นที่ที่ท่านดูแล"),
    # FAB's multi-select drops ids outside its query, leaving no role at all.
    ("province administrator role", "5001", PROVINCE_ADMIN, "กรุณาเลือกบทบาทอย่างน้อยหนึ่งบทบาท"),
    ("central administrator role", "5001", CENTRAL_ADMIN, "กรุณาเลือกบทบาทอย่างน้อยหนึ่งบทบาท"),
])
def test_forged_user_registrations_are_refused(app, as_user, case, unit_code, role, message):
    before = _count(MaskLogUser)
    response = _add_user(as_user("cm-admin"), app, username="forged-user", email="forged@example.com",
                         unit=str(_unit(unit_code).id), roles=str(_role_id(app, role)))
    assert message in response.get_data(as_text=True), case
    assert _count(MaskLogUser) == before


def test_duplicate_username_differing_in_case_is_refused(app, as_user):
    before = _count(MaskLogUser)
    response = _add_user(as_user("cm-admin"), app, username="CM-Viewer", email="other@example.com",
                         unit=str(_unit("50").id), roles=str(_role_id(app, VIEWER)))
    assert "มีผู้ใช้แล้ว" in response.get_data(as_text=True)
    assert _count(MaskLogUser) == before


def test_dropdowns_offer_only_scope_and_grantable_roles(app, as_user):
    body = as_user("cm-admin").get("/users/add").get_data(as_text=True)
    # Units are searched as one types (tests/http/test_unit_picker.py): none is listed in the page.
    assert "เชียงใหม่ (50)" not in body and "กรุงเทพมหานคร" not in body and "masklog-unit-picker" in body
    assert f'value="{_role_id(app, OFFICER)}"' in body
    assert f'value="{_role_id(app, PROVINCE_ADMIN)}"' not in body
    assert f'value="{_role_id(app, CENTRAL_ADMIN)}"' not in body
    body = as_user("cm-admin").get("/unitmodelview/add").get_data(as_text=True)
    assert "เมืองเชียงใหม่ (5001)" not in body and "เขตพระนคร" not in body and "masklog-unit-picker" in body


def test_province_admin_cannot_edit_the_other_province_admin_of_the_same_province(app, as_user):
    """Only the central administrator appoints and changes province administrators."""
    central = as_user("admin")
    _add_user(central, app, username="cm-admin-2", email="cm-admin-2@example.com",
              unit=str(_unit("50").id), roles=str(_role_id(app, PROVINCE_ADMIN)))
    second = _row(MaskLogUser, username="cm-admin-2")
    response = as_user("cm-admin").post(f"/users/edit/{second.id}", data={
        "first_name": "ถูกแก้", "last_name": "x", "username": "cm-admin-2", "email": "cm-admin-2@example.com",
        "unit": str(_unit("50").id), "roles": str(_role_id(app, VIEWER)), "active": "y"}, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert "ไม่มีสิทธิ์แก้ไขผู้ใช้ที่มีบทบาท" in body, (response.status_code, response.history, flashed_text(body))
    second = _row(MaskLogUser, username="cm-admin-2")
    assert second.first_name != "ถูกแก้" and second.role_names == [PROVINCE_ADMIN]


def test_pages_read_in_thai(app, as_user):
    body = as_user("cm-officer").get("/unitmodelview/list/").get_data(as_text=True)
    for thai in ("หน่วยงาน", "รหัส", "ระดับ", "ออกจากระบบ"):
        assert thai in body
    assert "List Units" not in body


def test_rejected_form_keeps_what_the_user_typed(app, as_user):
    response = _add_unit(as_user("cm-admin"), parent=_unit("500101").id, code="CM-CITY",
                         name_th="ชื่อที่พิมพ์ไว้แล้ว")
    body = response.get_data(as_text=True)
    assert "มีอยู่แล้วในระบบ" in body
    assert 'value="ชื่อที่พิมพ์ไว้แล้ว"' in body


def test_domain_rules_hold_without_the_forms(app, ctx):  # no requests here: ctx is safe
    """The same rules refuse a forged role or unit when called directly (CLI, API)."""
    from app.errors import DomainError
    from app.commands.users import create_user

    actor = db.session.execute(select(MaskLogUser).where(MaskLogUser.username == "cm-admin")).scalar_one()
    for unit_code, role in (("5001", PROVINCE_ADMIN), ("1001", OFFICER), ("5001", CENTRAL_ADMIN)):
        unit = db.session.execute(select(Unit).where(Unit.code == unit_code)).scalar_one()
        with pytest.raises(DomainError):
            create_user(db.session, actor, username="direct-user", first_name="ก", last_name="ข",
                        email="direct@example.com", unit=unit, role_names=[role])
    db.session.rollback()
    assert db.session.query(MaskLogUser).filter_by(username="direct-user").count() == 0


def test_roles_from_groups_are_not_counted(app):
    """FAB groups could hand a role around the grantable-roles rule: MaskLog ignores them."""
    from flask_appbuilder.security.sqla.models import Group, assoc_user_group

    with app.app_context():
        viewer = db.session.execute(select(MaskLogUser).where(MaskLogUser.username == "cm-viewer")).scalar_one()
        group = Group(name="central-helpers", roles=[app.appbuilder.sm.find_role(CENTRAL_ADMIN)])
        db.session.add(group)
        db.session.flush()
        db.session.execute(assoc_user_group.insert().values(user_id=viewer.id, group_id=group.id))
        db.session.commit()
    try:
        client = login(app.test_client(), "cm-viewer")
        assert client.get("/roles/list/").status_code in (302, 403)
        assert client.get("/itemview/list/").status_code in (302, 403)
    finally:
        with app.app_context():
            group = db.session.execute(select(Group).where(Group.name == "central-helpers")).scalar_one()
            db.session.execute(assoc_user_group.delete().where(assoc_user_group.c.group_id == group.id))
            db.session.delete(group)
            db.session.commit()


def test_central_administrator_only_at_the_central_unit(app, as_user):
    response = _add_user(as_user("admin"), app, username="central-in-cm", email="central-in-cm@example.com",
                         unit=str(_unit("50").id), roles=str(_role_id(app, CENTRAL_ADMIN)))
    assert "ต้องสังกัดหน่วยงานส่วนกลาง" in response.get_data(as_text=True)
    assert _count(MaskLogUser, username="central-in-cm") == 0


def test_province_admin_resets_passwords_in_scope_only(app, as_user):
    # A user of its own: a demo user's changed password would lock later tests out.
    from app.commands.setup import system_actor
    from app.commands.users import create_user

    with app.app_context():
        create_user(db.session, system_actor(db.session), username="cm-reset-me", first_name="รีเซ็ต",
                    last_name="รหัสผ่าน", email="cm-reset-me@example.com", unit=db.session.scalar(
                        select(Unit).where(Unit.code == "5001")), role_names=[VIEWER], password="Old-pass-2563!")
        db.session.commit()
    client = as_user("cm-admin")
    inside, outside = _row(MaskLogUser, username="cm-reset-me"), _row(MaskLogUser, username="bkk-admin")
    assert client.get(f"/resetpassword/form?pk={inside.id}").status_code == 200
    response = client.post(f"/resetpassword/form?pk={inside.id}",
                           data={"password": "Lamphun-2563!", "conf_password": "Lamphun-2563!"})
    assert response.status_code == 302
    assert _row(MaskLogUser, username="cm-reset-me").password != inside.password
    assert client.get(f"/resetpassword/form?pk={outside.id}").status_code == 404


def test_the_edit_form_does_not_switch_units_off(app, as_user):
    """Switching off has its own confirmation page (tests/http/test_unit_status.py):
    an edit posted without the old "active" box leaves the unit on."""
    client = as_user("cm-admin")
    _add_unit(client, level="lao", parent=_unit("5004").id, code="CM-OFF-LAO", name_th="เทศบาลที่จะปิด")
    lao = _unit("CM-OFF-LAO")
    response = client.post(f"/unitmodelview/edit/{lao.id}", data={
        "parent": str(lao.parent_id), "code": "CM-OFF-LAO", "name_th": "เทศบาลที่จะปิด"})
    assert response.status_code == 302 and _unit("CM-OFF-LAO").active is True
    district = _unit("5004")
    client.post(f"/unitmodelview/edit/{district.id}", data={
        "parent": str(district.parent_id), "code": "5004", "name_th": district.name_th, "name_en": district.name_en})
    assert _unit("5004").active is True
