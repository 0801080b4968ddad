"""The stock ledger and the documents that move stock.

Every change of stock is an append-only LedgerLine; StockBalance keeps the sum
per unit and item, updated in the same transaction by one conditional UPDATE
(app/stock.py), so a balance can never go below zero even when two
officers spend the same stock at the same moment. Documents are never edited
or deleted once they moved stock; corrections are adjustments or reversals."""
import datetime

from flask_appbuilder import Model
from sqlalchemy import (Boolean, CheckConstraint, Column, Date, DateTime, ForeignKey, Index, Integer,
                        String, Text, UniqueConstraint)
from sqlalchemy import select, text
from sqlalchemy.orm import column_property, relationship

from app.models.unit import Unit


def _now():
    return datetime.datetime.utcnow()


def _unit_code_of(unit_id_column):
    """The code of a row's unit as a read-only column: list screens filter on it
    ("unit code starts with 5001" is a district and everything under it)
    without a dropdown of every unit in scope."""
    return column_property(select(Unit.code).where(Unit.id == unit_id_column).correlate_except(Unit)
                           .scalar_subquery(), deferred=True)


class Item(Model):
    """What is tracked: surgical masks first; N95, alcohol gel, ATK can be added."""

    __tablename__ = "item"
    id = Column(Integer, primary_key=True)
    code = Column(String(32), nullable=False, unique=True)
    name_th = Column(String(255), nullable=False)
    name_en = Column(String(255))
    unit_label = Column(String(32), nullable=False, default="ชิ้น")
    active = Column(Boolean, nullable=False, default=True)
    is_default = Column(Boolean, nullable=False, default=False)
    sort_order = Column(Integer, nullable=False, default=0)

    def __repr__(self):
        return self.name_th


class RiskGroup(Model):
    """The four risk groups of the Ministry's guideline: reference data, editable."""

    __tablename__ = "risk_group"
    id = Column(Integer, primary_key=True)
    code = Column(String(32), nullable=False, unique=True)
    name_th = Column(String(255), nullable=False)
    name_en = Column(String(255))
    active = Column(Boolean, nullable=False, default=True)
    sort_order = Column(Integer, nullable=False, default=0)

    def __repr__(self):
        return self.name_th


class StockBalance(Model):
    __tablename__ = "stock_balance"
    unit_id = Column(Integer, ForeignKey("unit.id"), primary_key=True)
    item_id = Column(Integer, ForeignKey("item.id"), primary_key=True)
    quantity = Column(Integer, nullable=False, default=0)
    changed_on = Column(DateTime, nullable=False, default=_now, onupdate=_now)

    unit = relationship("Unit")
    item = relationship("Item")
    __table_args__ = (CheckConstraint("quantity >= 0", name="ck_stock_balance_not_negative"),)


# Ledger kinds that bring stock into a unit: from the first of them, a "holds stock"
# unit must report (app/queries/obligations.py; Unit.first_stock_on, kept by app/stock.post).
STOCK_IN_KINDS = ("receipt", "allocation_in")


class LedgerLine(Model):
    __tablename__ = "ledger_line"
    id = Column(Integer, primary_key=True)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False)
    unit_code = _unit_code_of(unit_id)
    item_id = Column(Integer, ForeignKey("item.id"), nullable=False)
    entry_date = Column(Date, nullable=False)
    # receipt | allocation_out | allocation_in | distribution | adjustment | reversal (labels: app/labels.py)
    kind = Column(String(24), nullable=False)
    quantity = Column(Integer, nullable=False)  # signed: + in, - out
    document_type = Column(String(24), nullable=False)
    document_id = Column(Integer, nullable=False)
    actor_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    created_on = Column(DateTime, nullable=False, default=_now)

    unit = relationship("Unit")
    item = relationship("Item")
    actor = relationship("MaskLogUser")
    __table_args__ = (
        Index("ix_ledger_unit_item_date", "unit_id", "item_id", "entry_date"),
        Index("ix_ledger_document", "document_type", "document_id"),
        # Each unit's first stock day, recounted from the ledger (obligations.recount_first_stock).
        Index("ix_ledger_stock_in", "unit_id", "entry_date",
              postgresql_where=text("kind IN ('receipt', 'allocation_in')"),
              sqlite_where=text("kind IN ('receipt', 'allocation_in')")),
    )

    def document(self):
        """(type, id) of the document that made the line: the ledger list shows them as one column."""
        return self.document_type, self.document_id


class _Document:
    """Columns every document shares: where, what, when, who, and the form
    token that makes a double-submitted form create one document only."""

    id = Column(Integer, primary_key=True)
    created_on = Column(DateTime, nullable=False, default=_now)
    form_token = Column(String(64), nullable=True, unique=True)


class Receipt(_Document, Model):
    """Stock arriving from outside the tree (central purchase, donation). It
    enters stock when the counting committee signs off the day's count."""

    __tablename__ = "receipt"
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)
    unit_code = _unit_code_of(unit_id)
    item_id = Column(Integer, ForeignKey("item.id"), nullable=False)
    receipt_date = Column(Date, nullable=False)
    source = Column(String(255), nullable=False)
    reference_no = Column(String(64), nullable=False)
    quantity_sent = Column(Integer, nullable=False)
    status = Column(String(16), nullable=False, default="awaiting_count")  # awaiting_count | counted
    counted_quantity = Column(Integer, nullable=True)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"))

    unit = relationship("Unit")
    item = relationship("Item")
    created_by = relationship("MaskLogUser")
    __table_args__ = (CheckConstraint("quantity_sent > 0", name="ck_receipt_positive"),)


class DailyCount(_Document, Model):
    """The counting committee's count of one unit, item and day: draft, then
    signed off by the chair (locked). Signing moves the counted arrivals into stock."""

    __tablename__ = "daily_count"
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)
    unit_code = _unit_code_of(unit_id)
    item_id = Column(Integer, ForeignKey("item.id"), nullable=False)
    count_date = Column(Date, nullable=False)
    status = Column(String(16), nullable=False, default="draft")  # draft | signed
    physical_count = Column(Integer, nullable=True)  # stock on hand counted, after arrivals
    book_balance = Column(Integer, nullable=True)  # expected stock at sign-off
    members = Column(Text, nullable=False, default="[]")  # JSON [{name, position}], chair first
    chair_name = Column(String(255), nullable=True)
    note = Column(Text, nullable=True)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"))
    signed_by_id = Column(Integer, ForeignKey("ab_user.id"))
    signed_on = Column(DateTime, nullable=True)

    unit = relationship("Unit")
    item = relationship("Item")
    created_by = relationship("MaskLogUser", foreign_keys=[created_by_id])
    signed_by = relationship("MaskLogUser", foreign_keys=[signed_by_id])
    lines = relationship("DailyCountLine", back_populates="count", cascade="all, delete-orphan",
                         order_by="DailyCountLine.id")
    __table_args__ = (UniqueConstraint("unit_id", "item_id", "count_date", name="uq_daily_count_day"),)


class DailyCountLine(Model):
    __tablename__ = "daily_count_line"
    id = Column(Integer, primary_key=True)
    count_id = Column(Integer, ForeignKey("daily_count.id"), nullable=False, index=True)
    receipt_id = Column(Integer, ForeignKey("receipt.id"), nullable=False, unique=True)
    quantity_sent = Column(Integer, nullable=False)
    counted = Column(Integer, nullable=False, default=0)
    damaged = Column(Integer, nullable=False, default=0)
    missing = Column(Integer, nullable=False, default=0)
    reason = Column(String(500), nullable=True)

    count = relationship("DailyCount", back_populates="lines")
    receipt = relationship("Receipt")


class UnitCommittee(Model):
    """A unit's counting committee on file: the same people count day after
    day, so the count sheet starts from it; each signed count keeps it up to
    date. A unit with none starts from the nearest unit above whose committee
    is marked as the default for the units below (a province sets it once)."""

    __tablename__ = "unit_committee"
    unit_id = Column(Integer, ForeignKey("unit.id"), primary_key=True)
    members = Column(Text, nullable=False, default="[]")  # JSON [{name, position}]
    chair_name = Column(String(255), nullable=True)
    default_below = Column(Boolean, nullable=False, default=False)
    changed_on = Column(DateTime, nullable=False, default=_now, onupdate=_now)
    changed_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)

    unit = relationship("Unit")


class Allocation(_Document, Model):
    """One dispatch sheet: a unit sends stock to several units below it."""

    __tablename__ = "allocation"
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)  # the sender
    unit_code = _unit_code_of(unit_id)
    item_id = Column(Integer, ForeignKey("item.id"), nullable=False)
    allocation_date = Column(Date, nullable=False)
    document_no = Column(String(64), nullable=False)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"))

    unit = relationship("Unit")
    item = relationship("Item")
    created_by = relationship("MaskLogUser")
    lines = relationship("AllocationLine", back_populates="allocation", cascade="all, delete-orphan",
                         order_by="AllocationLine.id")


class AllocationLine(Model):
    """One receiver's share. In transit until the receiver confirms what arrived
    (sent = confirmed + discrepancy once confirmed), or until the sender
    recalls it unconfirmed (its pieces go back to the sender)."""

    __tablename__ = "allocation_line"
    id = Column(Integer, primary_key=True)
    allocation_id = Column(Integer, ForeignKey("allocation.id"), nullable=False, index=True)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)  # the receiver
    unit_code = _unit_code_of(unit_id)
    quantity_sent = Column(Integer, nullable=False)
    status = Column(String(16), nullable=False, default="in_transit")  # in_transit | confirmed | recalled
    confirmed_quantity = Column(Integer, nullable=True)
    discrepancy = Column(Integer, nullable=True)
    discrepancy_reason = Column(String(500), nullable=True)
    confirmed_by_id = Column(Integer, ForeignKey("ab_user.id"))
    confirmed_on = Column(DateTime, nullable=True)
    confirm_date = Column(Date, nullable=True)
    # The confirmation form's one-time token: the same form sent again is answered as done.
    confirm_token = Column(String(64), nullable=True, unique=True)
    recall_date = Column(Date, nullable=True)
    recall_reason = Column(String(500), nullable=True)
    recalled_by_id = Column(Integer, ForeignKey("ab_user.id"))
    recalled_on = Column(DateTime, nullable=True)

    allocation = relationship("Allocation", back_populates="lines")
    unit = relationship("Unit")
    confirmed_by = relationship("MaskLogUser", foreign_keys=[confirmed_by_id])
    recalled_by = relationship("MaskLogUser", foreign_keys=[recalled_by_id])
    __table_args__ = (CheckConstraint("quantity_sent > 0", name="ck_allocation_line_positive"),)


class Distribution(_Document, Model):
    """Masks handed to people of the risk groups, several groups on one form."""

    __tablename__ = "distribution"
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)
    unit_code = _unit_code_of(unit_id)
    item_id = Column(Integer, ForeignKey("item.id"), nullable=False)
    distribution_date = Column(Date, nullable=False)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"))
    reversed = Column(Boolean, nullable=False, default=False)

    unit = relationship("Unit")
    item = relationship("Item")
    created_by = relationship("MaskLogUser")
    lines = relationship("DistributionLine", back_populates="distribution", cascade="all, delete-orphan",
                         order_by="DistributionLine.id")


class DistributionLine(Model):
    __tablename__ = "distribution_line"
    id = Column(Integer, primary_key=True)
    distribution_id = Column(Integer, ForeignKey("distribution.id"), nullable=False, index=True)
    risk_group_id = Column(Integer, ForeignKey("risk_group.id"), nullable=False)
    quantity = Column(Integer, nullable=False)
    people_reached = Column(Integer, nullable=False)

    distribution = relationship("Distribution", back_populates="lines")
    risk_group = relationship("RiskGroup")
    __table_args__ = (CheckConstraint("quantity > 0", name="ck_distribution_line_positive"),)


class Adjustment(_Document, Model):
    """Loss, damage, expiry or correction, with a reason and an author."""

    __tablename__ = "adjustment"
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=False, index=True)
    unit_code = _unit_code_of(unit_id)
    item_id = Column(Integer, ForeignKey("item.id"), nullable=False)
    adjustment_date = Column(Date, nullable=False)
    kind = Column(String(16), nullable=False)  # loss | damage | expiry | correction
    quantity = Column(Integer, nullable=False)  # signed
    reason = Column(String(500), nullable=False)
    created_by_id = Column(Integer, ForeignKey("ab_user.id"))

    unit = relationship("Unit")
    item = relationship("Item")
    created_by = relationship("MaskLogUser")


class AuditEntry(Model):
    """Who did what, when, from which unit, with before/after values (JSON)."""

    __tablename__ = "audit_entry"
    id = Column(Integer, primary_key=True)
    created_on = Column(DateTime, nullable=False, default=_now, index=True)
    actor_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    actor_unit_id = Column(Integer, ForeignKey("unit.id"), nullable=True)
    unit_id = Column(Integer, ForeignKey("unit.id"), nullable=True, index=True)  # whose data it is
    unit_code = _unit_code_of(unit_id)
    action = Column(String(32), nullable=False)
    object_type = Column(String(32), nullable=False)
    object_id = Column(Integer, nullable=True)
    before = Column(Text, nullable=True)
    after = Column(Text, nullable=True)

    actor = relationship("MaskLogUser")
    unit = relationship("Unit", foreign_keys=[unit_id])
    actor_unit = relationship("Unit", foreign_keys=[actor_unit_id])
