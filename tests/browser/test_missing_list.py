"""The grouped "not yet reported" list on a 360 px phone: a province sees its
districts as closed groups (a short page, not thousands of px of names), opens
one, and finds each unit's link, people and streak without sideways scrolling."""
import os

from tests.browser.checks import assert_phone_friendly


def test_grouped_missing_list_on_a_phone(open_session, unit_ids, tmp_path):
    session = open_session("phone")
    page = session.login("cm-viewer")
    page.goto(f"/dashboard/{unit_ids['50']}/completeness")
    tree = page.locator("#missing-list .masklog-missing-tree")
    # Chiang Mai's districts that must report, one entry each at the top: a group for a
    # district with silent units below it (subdistricts without stock need not report,
    # so here the demo units' district), a short entry for a district silent itself.
    entries, groups = tree.locator(":scope > li"), tree.locator(":scope > li > details")
    assert entries.count() >= 20 and groups.count() >= 1
    assert groups.first.get_attribute("open") is None  # closed on a phone
    assert_phone_friendly(page, "#missing-list")
    closed_height = page.evaluate("document.documentElement.scrollHeight")
    list_height = tree.bounding_box()["height"]
    # A few lines per district, not 6,800 px of names.
    assert list_height < entries.count() * 160, list_height
    # Open a group: what is under it shows. (Which units are still silent under the demo
    # district depends on what earlier browser tests recorded there.)
    group = groups.first
    group.locator(":scope > summary").click()
    assert group.get_attribute("open") is not None
    assert group.locator(":scope > ul > li").first.is_visible()
    # A district silent itself: a link with its facts.
    first_unit = tree.locator(":scope > li.masklog-missing-unit:not(:has(details))").first
    assert first_unit.is_visible()
    link = first_unit.locator("a.masklog-missing-name").first
    assert link.get_attribute("href").startswith("/dashboard/")
    assert "ขาดรายงานติดต่อกัน" in first_unit.inner_text()
    assert_phone_friendly(page, "#missing-list")
    assert page.evaluate("document.documentElement.scrollHeight") > closed_height
    share = page.locator("#share-line")
    assert share.is_visible() and share.get_attribute("href").startswith("https://line.me/R/share?text=")
    path = os.environ.get("MASKLOG_SCREENSHOT_DIR", str(tmp_path))
    page.screenshot(path=os.path.join(path, "missing-list-phone.png"), full_page=True)
    link.click()
    page.wait_for_load_state()
    assert "/dashboard/" in page.url and "completeness" not in page.url
