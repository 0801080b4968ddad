"""Thai dates and numbers (app/thai.py): what a phone user types, what a page shows."""
import datetime

import pytest

from app.errors import DomainError
from app.thai import parse_date, thai_date, thai_date_input

pytestmark = pytest.mark.database_independent  # the words, fonts and dates of a page: one backend is enough

MAY_7 = datetime.date(2020, 5, 7)


@pytest.mark.parametrize("typed", ["7/5/2563", "07/05/2563", "๗/๕/๒๕๖๓", "7-5-2563", "7.5.2563", "7/5/2020",
                                   "2020-05-07", "2563-05-07", " 7/5/2563 ", "7 พ.ค. 2563", "๗ พฤษภาคม ๒๕๖๓"])
def test_dates_are_typed_in_buddhist_or_common_era(typed):
    assert parse_date(typed) == MAY_7


@pytest.mark.parametrize("typed", ["31/2/2563", "7/5/63", "พรุ่งนี้", "7 พ.ศ. 2563", "31 ก.พ. 2563"])
def test_a_date_that_is_not_a_date_gets_a_thai_message(typed, app):
    with app.test_request_context(), pytest.raises(DomainError, match="ไม่ถูกต้อง"):
        parse_date(typed)


def test_dates_are_shown_in_one_buddhist_era_style():
    assert thai_date(MAY_7) == "7 พ.ค. 2563"
    assert thai_date(MAY_7, thai_digits=True) == "๗ พ.ค. ๒๕๖๓"
    assert thai_date_input(MAY_7) == "7/5/2563" and parse_date(thai_date_input(MAY_7)) == MAY_7


def test_list_filters_take_buddhist_era_dates(as_user):
    from app.thai import thai_date_input, today

    viewer = as_user("cm-viewer")
    chair = "นายประเสริฐ ตรงเวลา"  # chairs the demo count of Chiang Mai, signed today
    # One page of 100: other tests of the session sign counts today too.
    page = viewer.get(f"/dailycountview/list/?_flt_0_count_date={thai_date_input(today())}&psize_DailyCountView=100")
    assert page.status_code == 200 and chair in page.get_data(as_text=True)
    page = viewer.get("/dailycountview/list/?_flt_0_count_date=7/5/2563")
    assert chair not in page.get_data(as_text=True)
    # Before today in B.E. (dateutil would read the year 2569 and let today's count through).
    assert chair not in viewer.get(f"/dailycountview/list/?_flt_2_count_date={thai_date_input(today())}").get_data(
        as_text=True)
    after = viewer.get("/dailycountview/list/?_flt_1_count_date=๑/๑/๒๕๖๓&psize_DailyCountView=100").get_data(as_text=True)
    assert chair in after  # after 1 Jan 2020, typed in Thai digits
    page = viewer.get("/dailycountview/list/?_flt_0_count_date=31/2/2563").get_data(as_text=True)
    assert "ไม่ถูกต้อง" in page


def test_numbers_are_shown_with_thousands_separators():
    from app.thai import format_number, signed_number

    assert format_number(1200) == "1,200" and signed_number(1200) == "+1,200" and signed_number(-20000) == "-20,000"
