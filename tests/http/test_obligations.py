"""Who must report daily (app/queries/obligations.py) over real HTTP: the
rules screen is the central administrator's; a province administrator
exempts or adds a unit of their province with a reason, audited, never one
outside it; completeness counts only the units that must report."""
import json

import pytest
from sqlalchemy import delete, select

from app.extensions import db
from app.models.ledger import AuditEntry
from app.models.obligation import DEFAULT_RULES, ReportingException, ReportingRule
from app.models.unit import Unit
from app.queries import figures
from app.queries.obligations import forget_rules
from app.thai import today
from tests.helpers import client_for, flashed_text, fresh_tree, login, unit


@pytest.fixture()
def default_rules(app):
    """The rules are shared by every test: back to the defaults afterwards."""
    yield
    with app.app_context():
        for row in db.session.execute(select(ReportingRule)).scalars():
            row.rule = DEFAULT_RULES[row.level]
        db.session.commit()
        forget_rules()


def _rules(app):
    with app.app_context():
        return dict(db.session.execute(select(ReportingRule.level, ReportingRule.rule)).all())


def _audit(app, action, object_type):
    with app.app_context():
        return [(entry.object_id, json.loads(entry.before or "null"), json.loads(entry.after or "null"))
                for entry in db.session.execute(select(AuditEntry).where(
                    AuditEntry.action == action, AuditEntry.object_type == object_type)
                    .order_by(AuditEntry.id)).scalars()]


def _levels(app, unit_id, day=None):
    with app.app_context():
        return {row["level"]: row for row in figures.completeness(db.session, db.session.get(Unit, unit_id),
                                                                   day or today())}


def test_the_defaults_are_stored_by_the_migration(app):
    assert _rules(app) == DEFAULT_RULES


def test_only_the_central_administrator_sets_the_rules(app, default_rules):
    admin, province = login(app.test_client(), "admin"), login(app.test_client(), "cm-admin")
    page = admin.get("/obligations/rules").get_data(as_text=True)
    assert "หน่วยที่ต้องรายงานทุกวัน" in page and "เฉพาะหน่วยที่เคยได้รับเวชภัณฑ์" in page
    assert 'id="rule-subdistrict"' in page
    # A province administrator neither sees the screen nor gets a forged, otherwise valid, change through.
    assert province.get("/obligations/rules").status_code != 200
    form = {f"rule-{level}": rule for level, rule in DEFAULT_RULES.items()}
    province.post("/obligations/rules", data={**form, "rule-end_unit": "never"})
    assert _rules(app)["end_unit"] == "always"
    # A bad value: a Thai message beside the level, nothing saved.
    page = admin.post("/obligations/rules", data={**form, "rule-lao": "sometimes"}).get_data(as_text=True)
    assert "เลือกหนึ่งในตัวเลือก" in page and "masklog-has-error" in page and _rules(app) == DEFAULT_RULES
    # A valid change: saved and audited with Thai labels.
    response = admin.post("/obligations/rules", data={**form, "rule-subdistrict": "never"}, follow_redirects=True)
    assert "บันทึกแล้ว" in flashed_text(response.get_data(as_text=True))
    assert _rules(app)["subdistrict"] == "never"
    object_id, before, after = _audit(app, "set_reporting_rule", "reporting_rule")[-1]
    assert before == {"level": "subdistrict", "rule": "holds_stock"} and after == {"level": "subdistrict", "rule": "never"}
    with app.app_context():
        entry_id = db.session.execute(select(AuditEntry.id).where(AuditEntry.action == "set_reporting_rule")
                                      .order_by(AuditEntry.id.desc())).scalars().first()
    shown = admin.get(f"/auditview/show/{entry_id}").get_data(as_text=True)
    assert "เปลี่ยนเกณฑ์การรายงาน" in shown and "ไม่ต้องรายงาน" in shown and "ตำบล" in shown
    assert "holds_stock" not in shown and "subdistrict" not in shown


def test_exemptions_and_additions_change_completeness_and_are_audited(app, default_rules):
    with app.app_context():
        lao, children, people = fresh_tree(2)
        lao_id, kids = lao.id, [child.id for child in children]
        codes = [child.code for child in children]
    province = login(app.test_client(), "cm-admin")
    assert _levels(app, lao_id)["end_unit"]["units"] == 2
    # The reason is required; the unit code must exist; nothing is saved otherwise.
    page = province.post("/obligations/exceptions", data={"unit_code": codes[1], "obliged": "no", "reason": "  "})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "ระบุเหตุผล" in html and codes[1] in html
    html = province.post("/obligations/exceptions", data={"unit_code": "NO-SUCH", "obliged": "no",
                                                          "reason": "ปิดปรับปรุง"}).get_data(as_text=True)
    assert "ไม่มีหน่วยงานรหัสนี้" in html
    with app.app_context():
        assert db.session.get(ReportingException, kids[1]) is None

    response = province.post("/obligations/exceptions", data={"unit_code": codes[1].lower(), "obliged": "no",
                                                              "reason": "ไม่มีคลังเวชภัณฑ์ รับตามคำขอเท่านั้น"},
                             follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "ไม่ต้องรายงานประจำวันแล้ว" in flashed_text(html) and f'id="exception-{codes[1]}"' in html
    end_units = _levels(app, lao_id)["end_unit"]
    assert (end_units["units"], end_units["reported"], end_units["missing"]) == (1, 0, 1)
    with app.app_context():
        missing = figures.not_reported(db.session, db.session.get(Unit, lao_id), today(), "end_unit")
        assert [u.id for u in missing] == [kids[0]]
    object_id, before, after = _audit(app, "exempt_from_reporting", "reporting_exception")[-1]
    assert object_id == kids[1] and before is None
    assert after == {"obliged": False, "reason": "ไม่มีคลังเวชภัณฑ์ รับตามคำขอเท่านั้น"}

    # The other unit reports: 1 of 1, 100%; the exempt unit's report would count nowhere.
    child = client_for(app, people_id(app, codes[0]))
    assert child.post(f"/today/{kids[0]}/nothing").status_code == 302
    end_units = _levels(app, lao_id)["end_unit"]
    assert (end_units["reported"], end_units["percent"]) == (1, 100.0)
    page = province.get(f"/dashboard/{lao_id}/completeness").get_data(as_text=True)
    assert "1 / 1" in page.split('id="level-end_unit"')[1]

    # The central administrator leaves end units out; the province adds one back.
    admin = login(app.test_client(), "admin")
    form = {f"rule-{level}": rule for level, rule in DEFAULT_RULES.items()}
    admin.post("/obligations/rules", data={**form, "rule-end_unit": "never"})
    assert "end_unit" not in _levels(app, lao_id)
    province.post("/obligations/exceptions", data={"unit_code": codes[1], "obliged": "yes", "reason": "ขอให้รายงาน"})
    assert _levels(app, lao_id)["end_unit"]["units"] == 1
    with app.app_context():
        assert [u.id for u in figures.not_reported(db.session, db.session.get(Unit, lao_id), today(), "end_unit")] \
            == [kids[1]]
    _id, before, after = _audit(app, "require_reporting", "reporting_exception")[-1]
    assert before["obliged"] is False and after["obliged"] is True

    # Back to the rules: audited, the exception is gone.
    with app.app_context():
        unit_id = kids[1]
    html = province.post(f"/obligations/exceptions/{unit_id}/remove", follow_redirects=True).get_data(as_text=True)
    assert "กลับไปใช้เกณฑ์ของระดับ" in flashed_text(html)
    assert _audit(app, "remove_reporting_exception", "reporting_exception")[-1][0] == unit_id
    assert "end_unit" not in _levels(app, lao_id)


def people_id(app, code):
    """The officer of an end unit of fresh_tree."""
    from app.models.user import MaskLogUser
    with app.app_context():
        return db.session.execute(select(MaskLogUser.id).join(Unit, Unit.id == MaskLogUser.unit_id)
                                  .where(Unit.code == code)).scalar()


def test_a_province_administrator_cannot_touch_a_unit_outside_the_province_or_their_own(app):
    with app.app_context():
        bangkok_district = db.session.execute(select(Unit).where(Unit.level == "district",
                                                                 Unit.path.like(unit("10").path + "%"))).scalars().first()
        code, bangkok_id, chiang_mai = bangkok_district.code, bangkok_district.id, unit("50").code
    province = login(app.test_client(), "cm-admin")
    # Valid in every way but the scope: the unit exists, the choice and reason are fine.
    html = province.post("/obligations/exceptions", data={"unit_code": code, "obliged": "no",
                                                          "reason": "ทดสอบ"}).get_data(as_text=True)
    assert "อยู่นอกพื้นที่" in html
    html = province.post("/obligations/exceptions", data={"unit_code": chiang_mai, "obliged": "no",
                                                          "reason": "ทดสอบ"}).get_data(as_text=True)
    assert "หน่วยงานของท่านเอง" in html
    with app.app_context():
        assert db.session.get(ReportingException, bangkok_id) is None
        # Bangkok's own administrator exempts it; Chiang Mai neither sees nor removes it.
    bangkok = login(app.test_client(), "bkk-admin")
    bangkok.post("/obligations/exceptions", data={"unit_code": code, "obliged": "no", "reason": "ทดสอบขอบเขต"})
    try:
        assert f'id="exception-{code}"' not in province.get("/obligations/exceptions").get_data(as_text=True)
        html = province.post(f"/obligations/exceptions/{bangkok_id}/remove", follow_redirects=True).get_data(as_text=True)
        assert "อยู่นอกพื้นที่" in flashed_text(html)
        with app.app_context():
            assert db.session.get(ReportingException, bangkok_id) is not None
        # Officers and viewers have no exceptions screen.
        assert login(app.test_client(), "cm-viewer").get("/obligations/exceptions").status_code != 200
    finally:
        with app.app_context():
            db.session.execute(delete(ReportingException).where(ReportingException.unit_id == bangkok_id))
            db.session.commit()


def test_the_exceptions_form_takes_the_unit_from_the_picker(app):
    """The form posts the picker's unit id; a missing list's "need not report?"
    link fills the picker with the unit; a bad id keeps the Thai message."""
    with app.app_context():
        lao, children, _people = fresh_tree(1)
        kid_id, kid_code, kid_name = children[0].id, children[0].code, children[0].name_th
    province = login(app.test_client(), "cm-admin")
    page = province.get(f"/obligations/exceptions?unit={kid_code}").get_data(as_text=True)
    assert 'class="masklog-unit-picker"' in page and f'name="unit" value="{kid_id}"' in page and kid_name in page
    html = province.post("/obligations/exceptions", data={"unit": "", "obliged": "no", "reason": "ทดสอบ"}) \
        .get_data(as_text=True)
    assert "กรุณาเลือกหน่วยงาน" in html
    # A reason missing: the chosen unit stays in the picker.
    html = province.post("/obligations/exceptions", data={"unit": str(kid_id), "obliged": "no", "reason": ""}) \
        .get_data(as_text=True)
    assert "ระบุเหตุผล" in html and f'name="unit" value="{kid_id}"' in html
    response = province.post("/obligations/exceptions", data={"unit": str(kid_id), "obliged": "no",
                                                              "reason": "รับตามคำขอเท่านั้น"}, follow_redirects=True)
    try:
        assert f'id="exception-{kid_code}"' in response.get_data(as_text=True)
        with app.app_context():
            assert db.session.get(ReportingException, kid_id).obliged is False
    finally:
        with app.app_context():
            db.session.execute(delete(ReportingException).where(ReportingException.unit_id == kid_id))
            db.session.commit()
