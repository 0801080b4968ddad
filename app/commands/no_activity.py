"""A unit tells the system it had nothing to record today, in one tap, so
silence on the completeness page always means "not reported"."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.commands.base import Command, about_field, check_date, check_unit
from app.db.audit import record
from app.models.rollup import DailyReport
from app.rollups.pending import mark_reported


@dataclass
class NoActivityInput:
    unit_id: int
    day: object = None  # blank means today


class ReportNoActivity(Command):
    """Returns False (and writes nothing) when the unit has already reported
    that day: its first report, whatever it was, is what completeness counts."""

    data: NoActivityInput

    def validate(self) -> None:
        self.unit = check_unit(self.session, self.actor, self.data.unit_id)
        with about_field("date"):
            self.day = check_date(self.unit, self.data.day)

    def run(self) -> bool:
        self.validate()
        if self.session.execute(select(DailyReport.unit_id).where(DailyReport.unit_id == self.unit.id,
                                                                  DailyReport.day == self.day)).first():
            return False
        mark_reported(self.session, self.unit, self.day, "no_activity", self.actor)
        record(self.session, self.actor, "no_activity", "daily_report", None, self.unit.id, after={"date": self.day})
        return True


def report_no_activity(session, actor, unit, day=None) -> bool:
    """Keyword form: the same ReportNoActivity.run()."""
    return ReportNoActivity(session, actor, NoActivityInput(unit.id, day)).run()
