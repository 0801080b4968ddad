"""The report calendar on a 360 px phone in a real browser: the month fits the
screen with seven readable columns, each day's mark shows, the previous month
is one tap away; and the dashboard's trend of % reported fits too."""
import datetime
import os

import pytest

from tests.browser.checks import assert_fits_the_screen
from tests.browser.test_phone_layout import SCREEN, SMALLEST_CHART_LETTER, assert_inside, box, phone

SHOTS = os.environ.get("MASKLOG_SHOTS", "/tmp")


@pytest.fixture(scope="module")
def checkpoint_history(live_app, unit_ids):
    """The checkpoint (an end unit) added before last month, with reports on three days of it."""
    from app.extensions import db
    from app.models.rollup import DailyReport
    from app.models.unit import Unit
    from app.queries.history import Month
    from app.thai import today

    month = Month(today().year, today().month).previous
    reports = {month.first.replace(day=2): "count", month.first.replace(day=9): "no_activity",
               month.first.replace(day=16): "distribution"}
    with live_app.app_context():
        unit = db.session.get(Unit, unit_ids["CM-CHECKPOINT"])
        unit.created_on = datetime.datetime.combine(month.first - datetime.timedelta(days=3), datetime.time())
        for day, kind in reports.items():
            if not db.session.get(DailyReport, (unit.id, day)):
                db.session.add(DailyReport(unit_id=unit.id, day=day, first_kind=kind))
        db.session.commit()
    return {"id": unit_ids["CM-CHECKPOINT"], "month": month, "reports": reports}


def test_the_calendar_fits_a_phone_with_seven_readable_days(open_session, checkpoint_history):
    page = phone(open_session, "cm-checkpoint")
    month = checkpoint_history["month"]
    page.goto(f"/dashboard/{checkpoint_history['id']}/calendar?month={month.key}")
    assert page.locator("#calendar-month").inner_text() == month.title
    assert_fits_the_screen(page)
    calendar = box(page.locator("#calendar"))
    assert_inside(calendar, SCREEN, "the calendar")
    headers = page.locator("#calendar thead th")
    assert headers.all_inner_texts() == ["อา.", "จ.", "อ.", "พ.", "พฤ.", "ศ.", "ส."]
    for index in range(7):
        assert box(headers.nth(index))["right"] - box(headers.nth(index))["left"] >= 44  # a thumb's width (Apple and Google: 44-48 px)
    for day in checkpoint_history["reports"]:
        cell = page.locator(f'#calendar td[data-day="{day.isoformat()}"]')
        assert cell.get_attribute("data-state") == "reported"
        assert cell.locator(".masklog-cal-mark").inner_text() == "✓"
        assert cell.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(223, 240, 216)"
    missing = page.locator(f'#calendar td[data-day="{month.first.replace(day=3).isoformat()}"]')
    assert missing.get_attribute("data-state") == "missing" and missing.locator(".masklog-cal-mark").inner_text() == "✗"
    # Numbers are legible: at least 12 px.
    size = page.locator("#calendar .masklog-cal-number").first.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")
    assert size >= 12
    # What each report was, day by day, one tap away.
    page.locator("#calendar-days summary").click()
    assert "ตรวจนับประจำวัน" in page.locator("#calendar-days").inner_text()
    assert_fits_the_screen(page)
    page.screenshot(path=os.path.join(SHOTS, "masklog-calendar-phone.png"), full_page=True)
    page.locator("#calendar-previous").click()
    page.wait_for_load_state()
    assert page.locator("#calendar-month").inner_text() == month.previous.title
    assert page.locator("#calendar td[data-state=not_due]").count() > 0
    assert_fits_the_screen(page)


def test_on_a_pc_each_reported_day_says_what_was_reported(open_session, checkpoint_history):
    page = open_session("desktop", "cm-checkpoint").page
    page.goto(f"/dashboard/{checkpoint_history['id']}/calendar?month={checkpoint_history['month'].key}")
    day = min(checkpoint_history["reports"])
    kind = page.locator(f'#calendar td[data-day="{day.isoformat()}"] .masklog-cal-kind')
    assert kind.is_visible() and kind.inner_text() == "ตรวจนับประจำวัน"


def test_the_trend_of_units_reported_fits_a_phone(open_session):
    page = phone(open_session, "cm-viewer")
    page.goto("/dashboard/")
    shown = page.locator("#reporting-chart svg:visible")
    assert shown.count() == 1
    assert_inside(box(shown), SCREEN, "the chart of units reported")
    assert page.evaluate(SMALLEST_CHART_LETTER, "#reporting-chart") >= 11
    assert page.locator("#calendar-link").is_visible()
    assert_fits_the_screen(page)
    page.locator("#reporting-chart").screenshot(path=os.path.join(SHOTS, "masklog-reporting-chart-phone.png"))
