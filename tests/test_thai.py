"""Thai dates and numbers (app/thai.py): what a phone user types, what a page shows."""
import datetime

import pytest

from app.commands import DomainError
from app.thai import parse_date, thai_date, thai_date_input

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
