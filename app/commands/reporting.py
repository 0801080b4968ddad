"""A unit tells the system it had nothing to record today, in one tap, so
silence on the completeness page always means "not reported"."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.commands import rollup
from app.commands.audit import record
from app.commands.ledger import check_date, check_unit
from app.models.rollup import DailyReport
from app.models.unit import Unit


def report_no_activity(session: Session, actor, unit: Unit, day=None) -> bool:
    """Record "no activity" for the unit and day. Returns False (and writes
    nothing) when the unit has already reported that day: its first report,
    whatever it was, is what the completeness page counts."""
    check_unit(actor, unit)
    day = check_date(unit, day)
    if session.execute(select(DailyReport.unit_id).where(DailyReport.unit_id == unit.id,
                                                         DailyReport.day == day)).first():
        return False
    rollup.mark_reported(session, unit, day, "no_activity", actor)
    record(session, actor, "no_activity", "daily_report", None, unit.id, after={"date": day})
    return True
