"""The unit picker in a real browser, on a 360 px phone (tap) and a 1366 px PC
(keyboard): type "เชียง", pick the province, save the user form, and the user
belongs to it. Screenshots of the open list go to the test's tmp folder
(MASKLOG_SHOTS=<folder> keeps them elsewhere) for a person to look at."""
import os
import uuid

import pytest

from tests.browser.checks import MIN_TAP_PX, assert_fits_the_screen, assert_thai_mode
from tests.browser.test_daily_work import tap_and_wait

# Who fills the form: the central administrator with the keyboard on the PC,
# Chiang Mai's administrator by tapping on a phone.
USERS = {"desktop": "admin", "phone": "cm-admin"}


def _shot(page, tmp_path, name):
    folder = os.environ.get("MASKLOG_SHOTS") or str(tmp_path)
    os.makedirs(folder, exist_ok=True)
    page.screenshot(path=os.path.join(folder, f"{name}.png"))


def _stored_unit(live_app, username):
    from sqlalchemy import select

    from app.extensions import db
    from app.models.user import MaskLogUser

    with live_app.app_context():
        user = db.session.execute(select(MaskLogUser).where(MaskLogUser.username == username)).scalar_one_or_none()
        return user.unit.code if user is not None else None


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_a_province_is_picked_by_typing_and_stored_with_the_user(open_session, live_app, viewport, tmp_path):
    session = open_session(viewport, USERS[viewport])
    page = session.page
    page.goto("/users/add")
    username = f"picked-{viewport}-{uuid.uuid4().hex[:4]}"
    page.fill("#first_name", "ผู้ใช้")
    page.fill("#last_name", "ทดสอบตัวเลือก")
    page.fill("#username", username)
    page.fill("#email", f"{username}@example.com")
    # The roles box is FAB's Select2: choose "viewer" on the select behind it.
    with live_app.app_context():
        viewer = live_app.appbuilder.sm.find_role("Viewer").id
    page.evaluate("""(role) => { const select = document.querySelector('#roles');
        select.value = String(role); select.dispatchEvent(new Event('change', {bubbles: true})); }""", viewer)

    box = page.locator("#unit")
    if viewport == "phone":
        box.tap()
    else:
        box.click()
    page.keyboard.type("เชียง", delay=60)
    options = page.locator("#unit-options [role=option]")
    options.first.wait_for()
    # Typing stays in the box, and the list opens right under it.
    assert page.evaluate("document.activeElement.id") == "unit"
    assert box.input_value() == "เชียง"
    field, listbox = box.bounding_box(), page.locator("#unit-options").bounding_box()
    assert abs(listbox["y"] - (field["y"] + field["height"])) <= 4, (field, listbox)
    texts = options.all_inner_texts()
    province = next(i for i, text in enumerate(texts) if text.startswith("เชียงใหม่\n"))
    assert "จังหวัด · 50" in texts[province]
    assert texts[province].split("\n")[0] == "เชียงใหม่"
    if viewport == "desktop":  # the centre gets a full page of 20, and a word on it at the end
        assert options.count() == 20
        assert "20 รายการแรก" in page.locator("#unit-options .masklog-unit-more").inner_text()
    _shot(page, tmp_path, f"unit-picker-open-{viewport}")
    # The open list is not clipped by FAB's form containers: the point just
    # above the list's visible bottom edge belongs to the list.
    assert page.evaluate("""() => { const list = document.querySelector('#unit-options');
        const r = list.getBoundingClientRect(); const bottom = Math.min(r.bottom, window.innerHeight) - 3;
        return list.contains(document.elementFromPoint(r.left + 20, bottom)); }""")
    if viewport == "phone":
        heights = [options.nth(i).bounding_box()["height"] for i in range(min(options.count(), 5))]
        assert min(heights) >= MIN_TAP_PX, heights
        assert_fits_the_screen(page)
        options.nth(province).tap()
    else:
        for _ in range(province):
            page.keyboard.press("ArrowDown")
        assert page.locator("#unit-options [aria-selected=true]").inner_text().startswith("เชียงใหม่\n")
        page.keyboard.press("Enter")  # picks; does not submit the form
    assert box.input_value() == "เชียงใหม่ · จังหวัด · 50"
    assert "/users/add" in page.url
    assert page.locator("#unit-options").is_hidden()
    _shot(page, tmp_path, f"unit-picker-picked-{viewport}")
    assert_thai_mode(page)

    save = page.locator("form button[type=submit]").first
    if viewport == "phone":
        tap_and_wait(page, save)
    else:
        with page.expect_navigation():
            save.click()
    assert _stored_unit(live_app, username) == "50", page.locator(".alert").all_inner_texts()


def test_leaving_the_box_without_picking_keeps_the_chosen_unit(open_session, live_app, tmp_path):
    page = open_session("desktop", "cm-admin").page
    page.goto("/unitmodelview/add")
    box = page.locator("#parent")
    box.click()
    page.keyboard.type("ช้างเผือก", delay=40)
    # The answer to the whole word, not to a keystroke before it (a busy machine answers late).
    page.wait_for_function("""() => { const first = document.querySelector('#parent-options [role=option]');
        return first && first.innerText.startsWith('ช้างเผือก'); }""")
    assert "ช้างเผือก · ตำบล · 500107 · อ.เมืองเชียงใหม่" in page.locator("#parent-options").inner_text().replace(
        "\n", " · ")
    page.keyboard.press("Enter")
    assert box.input_value() == "ช้างเผือก · ตำบล · 500107 · อ.เมืองเชียงใหม่"
    box.click()  # selects the label: what is typed replaces it
    page.keyboard.type("ฮฮฮฮ", delay=20)
    assert box.input_value() == "ฮฮฮฮ"
    page.locator(".masklog-unit-status", has_text="ไม่พบ").wait_for()
    _shot(page, tmp_path, "unit-picker-no-match-desktop")
    page.keyboard.press("Escape")
    assert box.input_value() == "ช้างเผือก · ตำบล · 500107 · อ.เมืองเชียงใหม่"
    hidden = page.locator("input[name=parent]").input_value()
    assert hidden and hidden.isdigit()


def test_go_to_unit_opens_its_dashboard(open_session, unit_ids, tmp_path):
    page = open_session("phone", "cm-admin").page
    page.goto(f"/dashboard/{unit_ids['50']}")
    box = page.locator("#unit")
    box.tap()
    page.keyboard.type("๕๐๐๑", delay=40)
    option = page.locator("#unit-options [role=option]").first
    option.wait_for()
    assert option.inner_text().startswith("เมืองเชียงใหม่\n")
    _shot(page, tmp_path, "unit-picker-go-to-phone")
    with page.expect_navigation():
        option.tap()
    assert f"/dashboard/{unit_ids['5001']}?item=" in page.url
