"""Periods, items and days asked for by a report page, parsed from the
request (B.E. or C.E. dates, Thai digits): bad input is a Thai DomainError."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

# lazy: a DomainError says itself in Thai and, for the API, in English (app/errors.py)
from flask_babel import lazy_gettext as _
from sqlalchemy.orm import Session

from app.errors import DomainError
from app.queries.reference import active_items
from app.thai import parse_date, thai_date, today

MAX_PERIOD_DAYS = 731  # two years


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def parse_period(raw_start, raw_end, default_days: int = 30) -> Period:
    """A date range from a form (B.E. or C.E., Thai digits): blank end means
    today, blank start means `default_days` before the end. Reversed, future
    or longer than two years: a Thai message."""
    end = parse_date(raw_end) if raw_end not in (None, "") else today()
    start = parse_date(raw_start) if raw_start not in (None, "") else None
    if end.year < 2000 or (start is not None and start.year < 2000):
        raise DomainError(_("Please choose dates from the year 2543 (2000) on."))
    start = start or end - datetime.timedelta(days=default_days - 1)
    if start > end:
        raise DomainError(_("The start date %(start)s is after the end date %(end)s.",
                            start=thai_date(start), end=thai_date(end)))
    if end > today():
        raise DomainError(_("The date %(date)s is in the future.", date=thai_date(end)))
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise DomainError(_("A period can be at most two years long."))
    return Period(start, end)


def parse_item(session: Session, raw) -> int:
    """The item id asked for (blank: the default item); unknown or inactive: a Thai message."""
    items = active_items(session)
    text = str(raw or "").strip()
    if not text and items:
        return items[0][0]
    if not (text.isascii() and text.isdecimal()) or int(text) not in {row[0] for row in items}:
        raise DomainError(_("The item asked for is unknown or no longer active; please choose one from the list."))
    return int(text)


def parse_day(raw) -> datetime.date:
    """A day to report on: blank means today; never in the future or before 2543."""
    if raw in (None, "") or not str(raw).strip():
        return today()
    return parse_period(raw, raw).end
