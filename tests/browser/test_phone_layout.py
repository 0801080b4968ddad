"""The phone layout of issue #14 item 9, at 360 x 740 in a real browser: nothing
wider than the screen on the today page, the dashboard and each printout; the
distribution fields hold ๑๐๐,๐๐๐; the adjustment card says it opens; the trend
chart shows the last day and the risk-group chart its largest value, inside the
screen and legible; the units table scrolls in its frame, says so, and keeps the
unit's name in sight."""
import pytest

from tests.browser.checks import assert_fits_the_screen

PHONE_SIZE = {"width": 360, "height": 740}
WAITING_USER = "bkk-waiting"  # has not activated yet: the activation sheet lists them


def phone(open_session, username):
    session = open_session("phone", username)
    session.page.set_viewport_size(PHONE_SIZE)
    return session.page


def box(locator):
    """The element's box on the page, as drawn."""
    return locator.evaluate("el => { const r = el.getBoundingClientRect();"
                            " return {left: r.left, right: r.right, top: r.top, bottom: r.bottom}; }")


def assert_inside(inner, outer, what):
    assert inner["left"] >= outer["left"] - 0.5 and inner["right"] <= outer["right"] + 0.5, \
        f"{what} is drawn at {inner['left']:.0f}–{inner['right']:.0f}px, outside {outer['left']:.0f}–{outer['right']:.0f}px"


SCREEN = {"left": 0, "right": PHONE_SIZE["width"]}

# Smallest letter drawn in a chart: each text's font size times the scale of its SVG.
SMALLEST_CHART_LETTER = """(selector) => {
  let smallest = Infinity;
  for (const svg of document.querySelectorAll(selector + ' svg')) {
    const shown = svg.getBoundingClientRect();
    if (shown.width === 0) continue;  // the other drawing, not displayed
    const scale = shown.width / svg.viewBox.baseVal.width;
    for (const text of svg.querySelectorAll('text'))
      smallest = Math.min(smallest, parseFloat(getComputedStyle(text).fontSize) * scale);
  }
  return smallest;
}"""


@pytest.fixture(scope="module")
def printouts(live_app, unit_ids):
    """URLs of a dispatch note, a signed count report (demo data) and an activation sheet."""
    from app.commands.setup import system_actor
    from app.commands.users import create_user
    from app.extensions import db
    from app.models.ledger import Allocation, DailyCount
    from app.models.unit import Unit
    from app.models.user import MaskLogUser
    from app.roles import OFFICER

    with live_app.app_context():
        allocation = db.session.query(Allocation.id).filter(Allocation.document_no == "DEMO-CM-0017/1").scalar()
        count = db.session.query(DailyCount.id).filter(DailyCount.unit_id == unit_ids["50"],
                                                       DailyCount.status == "signed").first()[0]
        district = db.session.query(Unit).filter(Unit.code == "1001").one()
        if not db.session.query(MaskLogUser.id).filter(MaskLogUser.username == WAITING_USER).first():
            create_user(db.session, system_actor(db.session), username=WAITING_USER, first_name="รอ",
                        last_name="เปิดใช้งานบัญชี", email=f"{WAITING_USER}@demo.masklog.invalid", unit=district,
                        role_names=[OFFICER], position="เจ้าหน้าที่บันทึกข้อมูล")
            db.session.commit()
        return [("cm-admin", f"/print/allocation/{allocation}", "ใบนำส่ง"),
                ("cm-admin", f"/print/count/{count}", "รายงานการตรวจนับประจำวัน"),
                ("bkk-admin", f"/registration/sheet/{district.id}", WAITING_USER)]


def test_today_page_fits_and_each_distribution_field_holds_a_hundred_thousand(open_session):
    page = phone(open_session, "cm-officer")
    page.goto("/today/")
    assert_fits_the_screen(page)
    fields = page.locator("#distribute input[name^=pieces-], #distribute input[name^=people-]")
    assert fields.count() == 8  # four risk groups, pieces and people each
    # Each group is a block: its name on a line of its own above its two fields.
    first_row = page.locator("#distribute tbody tr").first
    name, pieces = box(first_row.locator("td").first), box(first_row.locator("input[name^=pieces-]"))
    assert name["bottom"] <= pieces["top"]
    assert "จำนวนชิ้น" in first_row.locator("td").nth(1).evaluate("el => getComputedStyle(el, '::before').content")
    assert "จำนวนคน" in first_row.locator("td").nth(2).evaluate("el => getComputedStyle(el, '::before').content")
    # What a person types: 100000, as the pages print it (100,000), or in Thai digits.
    for typed in ("100000", "100,000", "๑๐๐,๐๐๐"):
        for index in range(fields.count()):
            field = fields.nth(index)
            field.fill(typed)
            width, room = field.evaluate("el => [el.scrollWidth, el.clientWidth]")
            assert width <= room, f"{field.get_attribute('name')}: {typed!r} needs {width}px, the box has {room}px"
            assert_inside(box(field), SCREEN, field.get_attribute("name"))
    assert_fits_the_screen(page)
    # The measure does catch a cut number: the same field made narrow cuts it.
    squeezed = fields.first.evaluate("el => { el.style.width = '60px'; const r = [el.scrollWidth, el.clientWidth];"
                                     " el.style.width = ''; return r; }")
    assert squeezed[0] > squeezed[1]


def test_the_adjustment_card_says_it_opens(open_session):
    page = phone(open_session, "cm-officer")
    page.goto("/today/")
    summary = page.locator("#adjust > summary")
    assert summary.evaluate("el => el.tagName") == "SUMMARY"  # the browser says expanded/collapsed
    assert page.locator("#adjust").evaluate("el => el.open") is False
    assert summary.inner_text().split() == ["ปรับปรุงยอดคงเหลือ", "แสดง"]
    assert page.locator("#adjust [name=reason]").is_hidden()
    assert summary.bounding_box()["height"] >= 44  # the whole header is the target
    summary.click()
    assert page.locator("#adjust").evaluate("el => el.open") is True
    assert summary.inner_text().split() == ["ปรับปรุงยอดคงเหลือ", "ซ่อน"]
    assert page.locator("#adjust [name=reason]").is_visible()
    assert_fits_the_screen(page)


def test_dashboard_fits_with_the_last_day_and_the_largest_bar_in_sight(open_session):
    from app.thai import thai_date, today

    page = phone(open_session, "cm-viewer")
    page.goto("/dashboard/")
    assert "/dashboard/" in page.url
    assert_fits_the_screen(page)
    for chart in ("#trend-chart", "#group-chart", "#children-chart"):
        shown = page.locator(f"{chart} svg:visible")
        assert shown.count() == 1, chart  # the phone's drawing, not both
        assert_inside(box(shown), SCREEN, chart)
        assert page.evaluate(SMALLEST_CHART_LETTER, chart) >= 11, chart

    trend = box(page.locator("#trend-chart"))
    last_day = page.locator("#trend-chart svg:visible .masklog-last-day")
    assert last_day.text_content() == thai_date(today())  # the period ends today
    assert_inside(box(last_day), SCREEN, "the last day's label")
    assert_inside(box(last_day), trend, "the last day's label")
    for point in page.locator("#trend-chart svg:visible .masklog-last-point").all():
        assert_inside(box(point), trend, "the last day's point")

    values = page.locator("#group-chart svg:visible .masklog-bar-value")
    numbers = [int(text.replace(",", "")) for text in values.all_text_contents()]
    largest = values.nth(numbers.index(max(numbers)))
    assert max(numbers) >= 5000  # the demo's distribution to the first group, at least
    assert_inside(box(largest), SCREEN, "the largest bar's value")
    assert_inside(box(largest), box(page.locator("#group-chart")), "the largest bar's value")


def test_the_units_table_scrolls_in_its_frame_says_so_and_keeps_the_names(open_session):
    page = phone(open_session, "cm-viewer")
    page.goto("/dashboard/")
    frame = page.locator(".masklog-scroll-frame").filter(has=page.locator("#children"))
    hint = frame.locator(".masklog-scroll-hint")
    assert hint.is_visible() and hint.inner_text() == "เลื่อนดูคอลัมน์เพิ่มเติม →"
    assert "masklog-overflows" in frame.get_attribute("class")
    scroller = frame.locator(".masklog-scroll")
    name, figure = page.locator("#children tbody tr td").first, page.locator("#children tbody tr td").nth(2)
    before_name, before_figure = box(name), box(figure)
    scroller.evaluate("el => { el.scrollLeft = el.scrollWidth; el.dispatchEvent(new Event('scroll')); }")
    page.wait_for_function("() => document.querySelector('.masklog-scroll-frame').classList.contains('masklog-at-end')")
    assert box(name)["left"] == pytest.approx(before_name["left"], abs=1)  # the unit's name stays put
    assert box(figure)["left"] < before_figure["left"] - 20  # the figures moved under it
    last_column = page.locator("#children tbody tr td").last
    assert_inside(box(last_column), SCREEN, "the last column, scrolled to")
    assert_fits_the_screen(page)


def test_on_a_pc_the_table_fits_and_gives_no_hint(open_session):
    page = open_session("desktop", "cm-viewer").page
    page.goto("/dashboard/")
    frame = page.locator(".masklog-scroll-frame").filter(has=page.locator("#children"))
    assert "masklog-fits" in frame.get_attribute("class")
    assert frame.locator(".masklog-scroll-hint").is_hidden()
    assert page.locator("#trend-chart svg:visible .masklog-last-day").count() == 1


def test_each_printout_fits_a_phone_and_still_prints_on_a4(open_session, printouts):
    for username, path, shown in printouts:
        page = phone(open_session, username)
        response = page.goto(path)
        assert response.ok, path
        assert shown in page.locator("body").inner_text()
        assert_fits_the_screen(page)
        for table in page.locator("table").all():
            assert_inside(box(table), SCREEN, f"{path}: a table")
        # Paper is unchanged: the A4 layout of @media print, tables as tables.
        page.emulate_media(media="print")
        margin = float(page.evaluate("getComputedStyle(document.body).marginLeft").removesuffix("px"))
        assert margin == pytest.approx(1.5 / 2.54 * 96, abs=0.1)  # 1.5 cm
        assert all(table.evaluate("el => getComputedStyle(el).display") == "table" for table in page.locator("table").all())
        page.emulate_media(media="screen")
