"""A unit's reporting history: the month calendar of reported / not reported
days (read from DailyReport, the fact of each day's first report). The caller
has checked the unit against the actor's scope (app/scoping.py); the
province-wide trend of % reported lives with completeness in
app/queries/figures.py (completeness_trend)."""
from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.commands.base import first_day
from app.errors import DomainError
from app.models.rollup import DailyReport
from app.models.unit import Unit
from app.queries.obligations import obliged_days
from app.thai import MONTHS_LONG, to_arabic_digits, today

# Day states of the calendar.
REPORTED, MISSING, NOT_DUE, FUTURE = "reported", "missing", "not_due", "future"

# Weeks start on Sunday (อา.), as Thai wall and desk calendars print them.
_WEEKS = calendar.Calendar(firstweekday=calendar.SUNDAY)
WEEKDAY_INITIALS = ("อา.", "จ.", "อ.", "พ.", "พฤ.", "ศ.", "ส.")


@dataclass(frozen=True)
class Month:
    year: int  # C.E.
    month: int

    @property
    def first(self) -> datetime.date:
        return datetime.date(self.year, self.month, 1)

    @property
    def last(self) -> datetime.date:
        return datetime.date(self.year, self.month, calendar.monthrange(self.year, self.month)[1])

    @property
    def previous(self) -> "Month":
        return Month(self.year - 1, 12) if self.month == 1 else Month(self.year, self.month - 1)

    @property
    def next(self) -> "Month":
        return Month(self.year + 1, 1) if self.month == 12 else Month(self.year, self.month + 1)

    @property
    def title(self) -> str:
        """ "พฤษภาคม 2569": the Thai month name and the Buddhist Era year."""
        return f"{MONTHS_LONG[self.month - 1]} {self.year + 543}"

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def parse_month(raw) -> Month:
    """"2026-05" or "2569-05" (a year above 2400 is B.E.), Thai digits too;
    blank: this month. Before 2543 (2000) or after this month: a Thai message."""
    this = Month(today().year, today().month)
    text = to_arabic_digits(str(raw or "")).strip()
    if not text:
        return this
    year_text, _sep, month_text = text.partition("-")
    if not (year_text.isdecimal() and month_text.isdecimal() and 1 <= int(month_text) <= 12):
        raise DomainError(_("Please choose a month such as 2569-05 (year and month)."))
    year = int(year_text) - 543 if int(year_text) > 2400 else int(year_text)
    month = Month(year, int(month_text))
    if year < 2000:
        raise DomainError(_("Please choose dates from the year 2543 (2000) on."))
    if month.first > this.first:
        raise DomainError(_("The month %(month)s is in the future.", month=month.title))
    return month


def month_calendar(session: Session, unit: Unit, month: Month) -> dict:
    """The month as weeks of seven cells (None outside the month), each day
    with its state: reported (and the kind of its first report), missing,
    not due (before the unit existed: commands.base.first_day, or a day the
    unit need not report: app/queries/obligations.py) or future. Counts of each state too."""
    reports = dict(session.execute(select(DailyReport.day, DailyReport.first_kind).where(
        DailyReport.unit_id == unit.id, DailyReport.day.between(month.first, month.last))).all())
    now, start = today(), first_day(unit)
    due = obliged_days(session, unit, [month.first + datetime.timedelta(days=n) for n in range(month.last.day)
                                       if start <= month.first + datetime.timedelta(days=n) <= now])
    counts = {REPORTED: 0, MISSING: 0, NOT_DUE: 0, FUTURE: 0}
    weeks = []
    for week in _WEEKS.monthdatescalendar(month.year, month.month):
        cells = []
        for day in week:
            if day.month != month.month:
                cells.append(None)
                continue
            # A report counts whenever it was made (a back-dated document, a unit added late).
            if day in reports:
                state = REPORTED
            elif day > now:
                state = FUTURE
            elif day < start or day not in due:
                state = NOT_DUE
            else:
                state = MISSING
            counts[state] += 1
            cells.append({"day": day, "state": state, "kind": reports.get(day), "today": day == now})
        weeks.append(cells)
    return {"month": month, "weeks": weeks, "counts": counts, "weekdays": WEEKDAY_INITIALS}
