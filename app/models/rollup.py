"""Rollups kept as the data is written, so dashboards and reports never scan
the raw ledger.

Every row carries the totals of the unit's whole subtree (the unit itself
included) for one item and day: a province's row is the sum of everything its
districts, subdistricts and end units did that day. Figures are flows of the
day; stocks at a date (closing balance, in transit) are the running sum of the
`*_change` columns up to that date, so a document back-dated to last week
changes one row, not every row after it.

They are written by app/rollups/pending.py just before COMMIT of the same
transaction as the ledger, and `flask masklog rebuild-rollups` recomputes them
from the documents and the ledger (a test proves rebuild = incremental)."""
import datetime

from flask_appbuilder import Model
from sqlalchemy import Column, Date, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import relationship

# The summable figures of a daily rollup row, in report order.
ROLLUP_FIGURES = ("received", "counted", "count_discrepancy", "allocated_out", "confirmed_in",
                  "transfer_discrepancy", "in_transit_change", "awaiting_count_change", "distributed", "people_reached", "adjusted",
                  "net_change")


class DailyRollup(Model):
    __tablename__ = "daily_rollup"
    unit_id = Column(Integer, ForeignKey("unit.id"), primary_key=True)
    item_id = Column(Integer, ForeignKey("item.id"), primary_key=True)
    day = Column(Date, primary_key=True)
    received = Column(Integer, nullable=False, default=0)  # sent per the documents of receipts counted that day
    counted = Column(Integer, nullable=False, default=0)  # of those, counted good into stock
    count_discrepancy = Column(Integer, nullable=False, default=0)  # damaged + missing at the count
    allocated_out = Column(Integer, nullable=False, default=0)  # sent to units below
    confirmed_in = Column(Integer, nullable=False, default=0)  # shipments confirmed on arrival
    transfer_discrepancy = Column(Integer, nullable=False, default=0)  # sent - received at confirmation
    in_transit_change = Column(Integer, nullable=False, default=0)  # + sent to the unit, - confirmed
    # + a receipt's pieces on its date, - on the day its count is signed (pieces awaiting count)
    awaiting_count_change = Column(Integer, nullable=False, default=0)
    distributed = Column(Integer, nullable=False, default=0)  # pieces to risk groups (reversals subtract)
    people_reached = Column(Integer, nullable=False, default=0)
    adjusted = Column(Integer, nullable=False, default=0)  # signed: loss/damage/expiry/correction
    net_change = Column(Integer, nullable=False, default=0)  # sum of the day's ledger lines

    unit = relationship("Unit")
    item = relationship("Item")


class RiskGroupRollup(Model):
    """Distribution per risk group, subtree totals per unit, item and day."""

    __tablename__ = "risk_group_rollup"
    unit_id = Column(Integer, ForeignKey("unit.id"), primary_key=True)
    item_id = Column(Integer, ForeignKey("item.id"), primary_key=True)
    day = Column(Date, primary_key=True)
    risk_group_id = Column(Integer, ForeignKey("risk_group.id"), primary_key=True)
    distributed = Column(Integer, nullable=False, default=0)
    people_reached = Column(Integer, nullable=False, default=0)

    unit = relationship("Unit")
    risk_group = relationship("RiskGroup")


class DailyReport(Model):
    """A unit reported on a day: it recorded work dated that day, or tapped
    "nothing today". Silence means "not reported". A fact, not a rollup: the
    "nothing today" reports exist only here."""

    __tablename__ = "daily_report"
    unit_id = Column(Integer, ForeignKey("unit.id"), primary_key=True)
    day = Column(Date, primary_key=True)
    # count | distribution | receipt | allocation | confirmation | adjustment | no_activity
    first_kind = Column(String(24), nullable=False)
    actor_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    created_on = Column(DateTime, nullable=False, default=datetime.datetime.utcnow)

    unit = relationship("Unit")
    # The reports of one day: completeness joins a level's units to them (app/queries/figures.py).
    __table_args__ = (Index("ix_daily_report_day", "day", "unit_id"),)


class ReportRollup(Model):
    """How many units of a level below the unit reported on a day. The unit's
    own report is its daily_report row, not copied here (most units are end
    units with nothing below them: a copy was a large part of this table)."""

    __tablename__ = "report_rollup"
    unit_id = Column(Integer, ForeignKey("unit.id"), primary_key=True)
    day = Column(Date, primary_key=True)
    level = Column(String(16), primary_key=True)
    reported = Column(Integer, nullable=False, default=0)


class UnitCensus(Model):
    """How many active units of each level the unit's subtree holds (the unit
    itself included): the denominators of completeness, which otherwise count
    the subtree's units on every page (the country's 78,448: ~20 ms of the
    national dashboard). Kept by app/rollups/census.py whenever a unit is
    added, moved or switched on or off; `flask masklog rebuild-rollups`
    recounts it. A level with no active unit has no row."""

    __tablename__ = "unit_census"
    # A unit is never deleted by MaskLog (switched off instead); one deleted by hand takes its counts along.
    unit_id = Column(Integer, ForeignKey("unit.id", ondelete="CASCADE"), primary_key=True)
    level = Column(String(16), primary_key=True)
    active_units = Column(Integer, nullable=False)
