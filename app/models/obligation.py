"""Which units must report every day (README, "Dashboards, 'not yet reported'
and reports"): a rule per level, set by the central administrator, and a
unit's own exception, set by its province administrator. Completeness
(app/queries/figures.py) counts only the units these make obliged; the rule
itself is app/queries/obligations.py."""
import datetime

from flask_appbuilder import Model
from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import relationship

# reporting_rule.rule: every active unit of the level / none / only the units
# that have received stock (a receipt or a confirmed shipment) on or before the day.
ALWAYS, NEVER, HOLDS_STOCK = "always", "never", "holds_stock"
RULES = (ALWAYS, HOLDS_STOCK, NEVER)

# The defaults (migration 0009 writes them; a level without a row falls back to them).
DEFAULT_RULES = {"central": ALWAYS, "province": ALWAYS, "district": ALWAYS, "subdistrict": HOLDS_STOCK,
                 "lao": ALWAYS, "end_unit": ALWAYS}


class ReportingRule(Model):
    __tablename__ = "reporting_rule"
    level = Column(String(16), primary_key=True)
    rule = Column(String(16), nullable=False)
    changed_by_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    changed_on = Column(DateTime, nullable=False, default=datetime.datetime.utcnow,
                        onupdate=datetime.datetime.utcnow)


class ReportingException(Model):
    """One unit taken out of the rules (obliged False: exempt) or added to
    them (obliged True), for every day, past days included, until removed."""

    __tablename__ = "reporting_exception"
    unit_id = Column(Integer, ForeignKey("unit.id"), primary_key=True)
    obliged = Column(Boolean, nullable=False)
    reason = Column(String(500), nullable=False)
    actor_id = Column(Integer, ForeignKey("ab_user.id"), nullable=True)
    created_on = Column(DateTime, nullable=False, default=datetime.datetime.utcnow)

    unit = relationship("Unit")
