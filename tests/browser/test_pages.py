"""The pages each role works with, on a phone and on a PC: phone-friendly at
360 px, and screenshots for the manual."""
import pytest

from tests.browser.checks import assert_phone_friendly, save_screenshot

# role, path, screenshot name
PAGES = [
    ("cm-admin", "/registration/", "registration"),
    ("cm-admin", "/users/list/", "users"),
    ("cm-admin", "/unitmodelview/list/", "units"),
    ("cm-officer", "/today/", "today-officer"),
    ("cm-committee", "/today/{district}", "today-committee"),
    ("cm-committee", "/today/{district}/count", "count-sheet-day"),
    ("cm-viewer", "/today/", "today-viewer"),
    ("cm-viewer", "/dailycountview/list/", "counts-list"),
]


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_each_role_s_pages_work_on_a_phone_and_a_pc(open_session, unit_ids, viewport):
    session, signed_in = open_session(viewport), None
    page = session.page
    for username, path, name in PAGES:
        if username != signed_in:
            if signed_in:
                page.goto("/logout/")
            session.login(username)
            signed_in = username
        response = page.goto(path.format(district=unit_ids["5001"]))
        assert response.ok, f"{path}: {response.status}"
        if viewport == "phone":
            assert_phone_friendly(page)
        save_screenshot(page, f"{name}-{viewport}")
