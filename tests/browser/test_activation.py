"""Issue 15 in a real browser: a province administrator adds one person in
the user form (no password asked), prints that person's card, and the person,
on a phone that cannot scan, types the username and the short code, chooses a
password and is signed in on their today page."""
import re

from tests.browser.checks import assert_phone_friendly, assert_thai_mode

def test_one_person_is_added_then_activates_with_the_short_code(open_session, unit_ids, live_app):
    admin = open_session("desktop", "cm-admin").page
    admin.goto("/users/add")
    assert admin.locator("input[name=password]").count() == 0
    admin.fill("#first_name", "มาลี")
    admin.fill("#last_name", "ตั้งใจ")
    admin.fill("#username", "malee.t")
    with live_app.app_context():
        officer_role = live_app.appbuilder.sm.find_role("Officer").id
    # The unit is searched and picked (app/fab/unit_picker.py).
    admin.click("#unit")
    admin.keyboard.type("CM-CITY")
    admin.locator("#unit-options [role=option]").first.wait_for()
    admin.keyboard.press("Enter")
    assert admin.locator("input[name=unit]").input_value() == str(unit_ids["CM-CITY"])
    # FAB's select2 hides the real select: choose through it as select2 would.
    admin.evaluate("""(role) => {
        const select = document.getElementById("roles");
        select.value = String(role);
        select.dispatchEvent(new Event("change", {bubbles: true}));
        }""", officer_role)
    admin.click("button[type=submit], input[type=submit]")
    admin.wait_for_load_state()
    notice = admin.locator(".alert", has_text="ยังไม่มีรหัสผ่าน")
    assert notice.count() == 1, admin.content()
    assert_thai_mode(admin)
    with admin.expect_popup() as popup:
        notice.locator("a").click()
    sheet = popup.value
    sheet.wait_for_load_state()
    cards = sheet.locator(".card")
    assert cards.count() == 1 and "malee.t" in cards.inner_text()
    code = sheet.locator(".code").inner_text().strip()
    assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}", code)
    assert_thai_mode(sheet)

    person = open_session("phone").page
    person.goto("/activate/")
    assert_phone_friendly(person)
    person.fill("input[name=username]", "Malee.T")
    person.fill("input[name=code]", code.replace("-", "").lower())
    person.click("button[type=submit]")
    person.wait_for_load_state()
    assert person.locator("input[name=password]").count() == 1
    person.fill("input[name=password]", "Chiangmai-2567!")
    person.fill("input[name=confirm]", "Chiangmai-2567!")
    person.click("button[type=submit]")
    person.wait_for_load_state()
    assert "/today/" in person.url and "/login" not in person.url
    assert "เข้าสู่ระบบแล้ว" in person.locator(".alert").first.inner_text()
    assert_thai_mode(person)


def test_reissuing_asks_first(open_session, live_app, unit_ids):
    from app.commands.setup import system_actor
    from app.commands.users import create_user
    from app.extensions import db
    from app.models.unit import Unit

    with live_app.app_context():
        user = create_user(db.session, system_actor(db.session), username="somsak.r", first_name="สมศักดิ์",
                           last_name="รอเปิด", email=None, unit=db.session.get(Unit, unit_ids["5001"]),
                           role_names=["Viewer"])
        db.session.commit()
        user_id = user.id
    admin = open_session("desktop", "cm-admin").page
    admin.goto(f"/registration/sheet/{unit_ids['5001']}?user={user_id}")
    with admin.expect_navigation():  # wait_for_load_state alone may return before the click's navigation
        admin.click("text=ออกลิงก์ใหม่")
    assert "สมศักดิ์ รอเปิด" in admin.inner_text("body")
    assert_thai_mode(admin)
    with admin.expect_navigation():
        admin.click("button[type=submit]")
    assert "ออกลิงก์เปิดใช้งานใหม่ให้ สมศักดิ์ รอเปิด (somsak.r)" in admin.inner_text("body")
