"""A province administrator switches a unit off and back on in a real
browser: the unit's page leads to a confirmation with the counts, in Thai."""
from tests.browser.checks import assert_thai_mode
from tests.browser.test_daily_work import flash


def _click_and_wait(page, locator):
    with page.expect_navigation():
        locator.click()


def test_a_province_admin_switches_an_lao_off_and_back_on(open_session, live_app):
    from app.commands.units import create_unit
    from app.extensions import db
    from app.models.unit import Unit
    from tests.helpers import user

    with live_app.app_context():
        district = db.session.query(Unit).filter(Unit.code == "5003").one()
        lao = create_unit(db.session, user("cm-admin"), parent=district, level="lao", name_th="เทศบาลที่จะปิดชั่วคราว",
                          code="CM-SWITCH-LAO")
        create_unit(db.session, user("cm-admin"), parent=lao, level="end_unit", name_th="จุดแจกที่จะปิดตาม",
                    code="CM-SWITCH-END")
        db.session.commit()
        lao_id = lao.id
    page = open_session("desktop", "cm-admin").page
    page.goto(f"/unitmodelview/show/{lao_id}")
    _click_and_wait(page, page.locator("#unit-switch a"))
    assert "/deactivate" in page.url
    assert_thai_mode(page)
    assert "2 หน่วย" in page.locator("#effect-units").inner_text()
    assert "0 คน" in page.locator("#effect-users").inner_text()
    _click_and_wait(page, page.locator("#confirm-switch"))
    assert "ปิดใช้งานแล้ว 2 หน่วยงาน" in flash(page)
    _click_and_wait(page, page.locator("#unit-switch a"))
    assert "/reactivate" in page.url
    _click_and_wait(page, page.locator("#confirm-switch"))
    assert "เปิดใช้งานอีกครั้งแล้ว 2 หน่วยงาน" in flash(page)
    with live_app.app_context():
        assert all(active for (active,) in db.session.query(Unit.active).filter(
            Unit.code.in_(["CM-SWITCH-LAO", "CM-SWITCH-END"])))
