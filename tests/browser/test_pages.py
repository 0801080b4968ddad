"""The pages each role works with, on a phone and on a PC: Thai only (as
rendered, scripts included), phone-friendly at 360 px, and screenshots for the manual."""
import datetime

import pytest

from tests.browser.checks import assert_phone_friendly, assert_thai_mode, save_screenshot

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
    # Bangkok: no other browser test writes there, so these pictures do not depend on test order.
    ("bkk-admin", "/dashboard/", "dashboard-bangkok"),
    ("bkk-admin", "/dashboard/{bangkok}/completeness", "completeness-bangkok"),
    ("cm-committee", "/manual/committee", "manual-committee"),
    ("cm-admin", "/manual/api", "manual-api"),
    ("cm-admin", "/manual/print", "manual-print"),
]


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_each_role_s_pages_work_on_a_phone_and_a_pc(open_session, unit_ids, viewport):
    sessions = {}
    for username, path, name in PAGES:
        if username not in sessions:
            sessions[username] = open_session(viewport, username)
        page = sessions[username].page
        response = page.goto(path.format(district=unit_ids["5001"], bangkok=unit_ids["10"]))
        assert response.ok, f"{path}: {response.status}"
        assert_thai_mode(page)
        if viewport == "phone":
            assert_phone_friendly(page)
        save_screenshot(page, f"{name}-{viewport}")


def test_a_list_filters_by_a_date_typed_in_buddhist_era(open_session):
    """FAB's filter script wants a date picker FAB 5 does not ship: the date is typed (B.E.)."""
    from app.thai import thai_date, thai_date_input, today

    page = open_session("desktop", "cm-viewer").page
    page.goto("/dailycountview/list/")
    page.locator("a.accordion-toggle").first.click()  # the search panel starts folded
    page.locator("#filter_form .dropdown-toggle").click()
    page.locator("#filter_form a.filter[name=count_date]").click()
    field = page.locator("#filter_form .filters input.form-control").last
    assert field.get_attribute("placeholder") == "วว/ดด/ปปปป (พ.ศ.)"
    field.fill(thai_date_input(today()))
    with page.expect_navigation():
        page.locator("#filter_form button[type=submit]").click()
    assert "_flt_0_count_date=" in page.url
    shown = page.locator("table:not(.filters) tbody").inner_text()
    yesterday = today() - datetime.timedelta(days=1)
    assert thai_date(today()) in shown and thai_date(yesterday) not in shown  # a count was signed yesterday too
    assert_thai_mode(page)


def test_the_phone_menu_leads_to_the_manual(open_session):
    """Phone-first pages run without jQuery: masklog.js opens the menu and its dropdowns."""
    page = open_session("phone", "cm-officer").page
    page.goto("/today/")
    manual = page.locator(".navbar a[href='/manual/']")
    assert not manual.is_visible()
    page.locator(".navbar-toggle").tap()
    page.locator(".navbar .dropdown-toggle", has_text="ช่วยเหลือ").tap()
    with page.expect_navigation():
        manual.tap()
    assert page.url.endswith("/manual/")
    with page.expect_navigation():
        page.locator("a[href='/manual/officer']").tap()
    assert page.locator("figure img").count() >= 5
    # The first screenshot loads and decodes (the others load lazily as one scrolls).
    assert page.locator("figure img").first.evaluate("img => img.decode().then(() => img.naturalWidth)") >= 300


def test_the_swagger_page_loads_on_a_closed_network(open_session):
    """The API's Swagger page, for IT staff: swagger-ui comes from this server (FAB's
    copy), the spec loads and is drawn, and nothing is asked of the internet (the
    session's guard fails the test on any request that leaves loopback)."""
    session = open_session("desktop", "cm-admin")
    page = session.page
    with page.expect_response(lambda response: response.url.endswith("/api/v1/_openapi")) as spec:
        page.goto("/swagger/v1")
    assert spec.value.status == 200
    page.wait_for_selector(".opblock-post [data-path='/api/v1/receipt/']")
    assert page.locator(".opblock").count() > 30
    # The groups are named in Thai first (openapi_spec_tag).
    assert page.locator(".opblock-tag", has_text="รับเข้า (receipt)").count() == 1
    with page.expect_navigation():
        page.locator(".masklog-api-intro a").click()
    assert page.url.endswith("/manual/api")
    page.go_back()
    page.wait_for_selector(".opblock")
    # The server list names the test server's random port: shown as the manual's address.
    page.evaluate("""() => { for (const option of document.querySelectorAll('.servers option'))
                                 option.textContent = 'https://masklog.example/'; }""")
    save_screenshot(page, "swagger-desktop")
