"""The two "who must report daily" screens in a real browser: the central
administrator changes a level's rule on a PC; Chiang Mai's administrator, on a
360 px phone, exempts a district picked by typing, sees it listed, and puts it
back under the rules. Thai only, no sideways scrolling, large tap targets."""
import os

from sqlalchemy import select

from tests.browser.checks import assert_phone_friendly, assert_thai_mode


def _shot(page, tmp_path, name):
    folder = os.environ.get("MASKLOG_SCREENSHOT_DIR", str(tmp_path))
    page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def _rule(live_app, level):
    from app.extensions import db
    from app.models.obligation import ReportingRule

    with live_app.app_context():
        return db.session.execute(select(ReportingRule.rule).where(ReportingRule.level == level)).scalar()


def test_the_central_administrator_changes_a_rule_on_a_pc(open_session, live_app, tmp_path):
    page = open_session("desktop", "admin").page
    page.goto("/obligations/rules")
    assert_thai_mode(page)
    before = _rule(live_app, "subdistrict")
    page.select_option("#rule-subdistrict", "never")
    with page.expect_navigation():
        page.click("#save-rules")
    try:
        assert "บันทึกแล้ว" in page.locator(".alert-success").inner_text()
        assert _rule(live_app, "subdistrict") == "never"
        assert page.locator("#rule-subdistrict").input_value() == "never"
        _shot(page, tmp_path, "obligation-rules-pc")
    finally:  # the other browser tests count completeness under the default rules
        page.select_option("#rule-subdistrict", before)
        with page.expect_navigation():
            page.click("#save-rules")
    assert _rule(live_app, "subdistrict") == before


def test_a_province_administrator_exempts_a_unit_on_a_phone(open_session, live_app, tmp_path):
    from app.extensions import db
    from app.models.obligation import ReportingException
    from app.models.unit import Unit

    with live_app.app_context():
        district = db.session.execute(select(Unit).where(Unit.level == "district", Unit.path.like(
            db.session.execute(select(Unit.path).where(Unit.code == "50")).scalar() + "%"))
            .order_by(Unit.code.desc())).scalars().first()
        district_id, code, name = district.id, district.code, district.name_th
    page = open_session("phone", "cm-admin").page
    page.goto("/obligations/exceptions")
    assert_thai_mode(page)
    # Saving without a unit: a Thai message, nothing saved.
    page.check("input[name=obliged][value=no]")
    page.fill("#reason", "ไม่มีคลังเวชภัณฑ์")
    with page.expect_navigation():
        page.locator("#save-exception").tap()
    assert "กรุณาเลือกหน่วยงาน" in page.locator("#error-unit_code").inner_text()
    assert page.locator("#reason").input_value() == "ไม่มีคลังเวชภัณฑ์"  # what was typed stays

    page.locator("#unit").tap()
    page.keyboard.type(code, delay=40)
    option = page.locator("#unit-options [role=option]").filter(has_text=name).first
    option.wait_for()
    option.tap()
    assert page.locator("#unit").input_value().startswith(name)
    page.check("input[name=obliged][value=no]")
    with page.expect_navigation():
        page.locator("#save-exception").tap()
    row = page.locator(f"#exception-{code}")
    try:
        assert row.is_visible() and name in row.inner_text() and "ไม่ต้องรายงาน" in row.inner_text()
        assert "ไม่ต้องรายงานประจำวันแล้ว" in page.locator(".alert-success").inner_text()
        assert_phone_friendly(page, "#obligation-exceptions")
        _shot(page, tmp_path, "obligation-exceptions-phone")
        with page.expect_navigation():
            row.locator("button").tap()
        assert page.locator(f"#exception-{code}").count() == 0
        assert "กลับไปใช้เกณฑ์ของระดับ" in page.locator(".alert-success").inner_text()
    finally:
        with live_app.app_context():
            left = db.session.get(ReportingException, district_id)
            if left is not None:
                db.session.delete(left)
                db.session.commit()
