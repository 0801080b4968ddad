"""Every demo role signs in, in a real browser, on a phone and on a PC."""
import pytest

from tests.browser.checks import assert_phone_friendly, assert_thai_mode, save_screenshot

ROLES = ["admin", "cm-admin", "cm-officer", "cm-committee", "cm-viewer", "bkk-admin"]


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_each_demo_role_signs_in_and_sees_its_unit(open_session, viewport):
    session = open_session(viewport)
    page = session.page
    page.goto("/login/")
    if viewport == "phone":
        assert_phone_friendly(page, "#loginbox")
    save_screenshot(page, f"login-{viewport}")
    for username in ROLES:
        session.login(username)
        page.goto("/")
        # Each lands on its work: officers and committees on the today page,
        # administrators and viewers on the dashboard of their area.
        landing = "/today/" if username in ("cm-officer", "cm-committee") else "/dashboard/"
        assert landing in page.url, (username, page.url)
        assert page.locator(".masklog-title").first.inner_text().strip()
        if viewport == "phone":
            assert_phone_friendly(page)
        assert_thai_mode(page)
        save_screenshot(page, f"home-{username}-{viewport}")
        page.goto("/logout/")
        page.goto("/today/")
        assert "/login" in page.url  # signed out for real: the next sign-in returns to /today/
