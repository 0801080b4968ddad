"""A viewer's dashboard in a real browser with the network closed: the charts
are drawn (non-empty SVG with bars and lines), drill-down works, the
completeness page lists who has not reported, FAB's chart views draw too."""
import pytest

from tests.browser.checks import assert_phone_friendly, save_screenshot


def _drawn(page, selector):
    """Width, height and number of marks of the SVG chart shown inside `selector`
    (a chart is drawn twice, for a PC and for a phone; one is displayed)."""
    return page.evaluate("""(selector) => {
        const svg = Array.from(document.querySelectorAll(selector + ' svg'))
            .find(el => el.getBoundingClientRect().width > 0);
        if (!svg) return null;
        const box = svg.getBoundingClientRect();
        return [box.width, box.height, svg.querySelectorAll('rect, polyline, circle').length];
    }""", selector)


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_viewer_dashboard_charts_render_offline_and_drill_down(open_session, viewport):
    session = open_session(viewport)
    page = session.login("cm-viewer")
    page.goto("/")
    assert "/dashboard/" in page.url
    received = page.locator("#headline .masklog-tile strong").first.inner_text()
    assert int(received.replace(",", "")) >= 50_000  # the demo receipt at Chiang Mai, at least
    for chart in ("#trend-chart", "#group-chart", "#children-chart"):
        width, height, marks = _drawn(page, chart)
        assert width > 200 and height > 100 and marks > 3, chart
    if viewport == "phone":
        assert_phone_friendly(page, ".masklog-period")
    save_screenshot(page, f"dashboard-{viewport}", full_page=True)
    # Drill down to the district with activity, then ask who has not reported.
    page.locator("#children a", has_text="เมืองเชียงใหม่").first.click()
    page.wait_for_load_state()
    assert "เมืองเชียงใหม่" in page.locator(".masklog-title").inner_text()
    page.goto(page.url.split("?")[0] + "/completeness")
    assert "ยังไม่รายงาน" in page.locator(".masklog-title").inner_text()
    assert page.locator(".masklog-missing-tree li").count() > 0
    save_screenshot(page, f"completeness-{viewport}", full_page=True)


def test_fab_chart_views_draw_without_the_internet(open_session):
    session = open_session("desktop")
    page = session.login("admin")
    for url in ("/rollupchartview/chart/", "/userstatschartview/chart/"):
        page.goto(url)
        width, height, marks = _drawn(page, ".masklog-chart-box")
        assert width > 200 and height > 100 and marks > 0, url
