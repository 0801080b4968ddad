"""Changing who must report daily (the rule: app/queries/obligations.py).

- The central administrator sets the rule of each level (every unit / only
  units that have received stock / none).
- An administrator exempts a unit of their area from reporting, or adds one
  the rules leave out, with a reason; never their own unit (the administrator
  above decides for it, as for switching a unit off). Removing the exception
  puts the unit back under the rules.
Every change is audited. Completeness reads the settings when it counts, so a
change shows on every page at once, past days included, with no rollup to
rebuild: report_rollup counts every report, and completeness subtracts the
reports that do not count when it reads (app/queries/figures.py)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import select

from app import scoping
from app.commands.base import Command
from app.db.audit import record
from app.errors import DomainError
from app.models.obligation import DEFAULT_RULES, RULES, ReportingException, ReportingRule
from app.models.unit import Unit
from app.queries.obligations import forget_rules, rules
from app.roles import CENTRAL_ADMIN, PROVINCE_ADMIN

REASON_MAX = 500


def _has_role(actor, *names) -> bool:
    return any(role.name in names for role in getattr(actor, "roles", None) or [])


class SetReportingRules(Command):
    """data: {level: rule} for some or all levels; returns the levels changed."""

    def validate(self) -> None:
        if not _has_role(self.actor, CENTRAL_ADMIN):
            raise DomainError(_("Only the central administrator sets which units must report daily."))
        self.errors = {level: _("Choose one of the options.") for level, rule in self.data.items()
                       if level not in DEFAULT_RULES or rule not in RULES}
        if self.errors:
            raise DomainError(_("Check the highlighted levels."))

    def run(self) -> list:
        self.validate()
        current = rules(self.session)
        stored = {row.level: row for row in self.session.execute(select(ReportingRule)).scalars()}
        changed = []
        for level, rule in self.data.items():
            if current[level] == rule:
                continue
            row = stored.get(level) or ReportingRule(level=level)
            row.rule, row.changed_by_id = rule, self.actor_id
            self.session.add(row)
            # Filed under the central unit, where the audit trail of the national settings is read.
            record(self.session, self.actor, "set_reporting_rule", "reporting_rule", None,
                   getattr(getattr(self.actor, "unit", None), "id", None),
                   before={"level": level, "rule": current[level]}, after={"level": level, "rule": rule})
            changed.append(level)
        if changed:
            # Cleared before the commit too: a rollback only makes the next read re-read the table.
            forget_rules()
        return changed


def load_exemptible(session, actor, unit_id) -> Unit:
    """The unit, if the actor may change its duty to report: an
    administrator's, inside their area, not their own unit."""
    if not _has_role(actor, CENTRAL_ADMIN, PROVINCE_ADMIN):
        raise DomainError(_("Only an administrator changes which units must report."))
    unit = scoping.get_in_scope(session, Unit, unit_id, actor)
    if unit is None:
        raise DomainError(_("This unit is outside the area you manage."))
    if unit.path == scoping.actor_root_path(actor):
        raise DomainError(_("You cannot change the reporting duty of your own unit; the administrator above you can."))
    return unit


@dataclass
class ExceptionInput:
    unit_code: Optional[str] = None
    unit_id: Optional[int] = None
    obliged: Optional[str] = None  # "yes": must report though the rules leave it out; "no": exempt
    reason: Optional[str] = None


class SetReportingException(Command):
    """Exempt a unit (obliged "no") or add it (obliged "yes"), with a reason."""

    def validate(self) -> None:
        self.errors = {}
        unit_id = self.data.unit_id
        code = (self.data.unit_code or "").strip().upper()
        if unit_id is None and code:
            unit_id = self.session.execute(select(Unit.id).where(Unit.code == code)).scalar()
            if unit_id is None:
                self.errors["unit_code"] = _("No unit has this code.")
        elif unit_id is None:
            self.errors["unit_code"] = _("Please choose a unit.")
        if self.data.obliged not in ("yes", "no"):
            self.errors["obliged"] = _("Choose whether the unit must report or is exempt.")
        self.reason = " ".join((self.data.reason or "").split())
        if not self.reason:
            self.errors["reason"] = _("Give the reason (the audit trail keeps it).")
        elif len(self.reason) > REASON_MAX:
            self.errors["reason"] = _("At most %(count)s characters.", count=REASON_MAX)
        if unit_id is not None and "unit_code" not in self.errors:
            try:
                self.unit = load_exemptible(self.session, self.actor, unit_id)
            except DomainError as error:
                self.errors["unit_code"] = error.message
        if self.errors:
            raise DomainError(_("Check the highlighted fields."))

    def run(self) -> ReportingException:
        self.validate()
        obliged = self.data.obliged == "yes"
        row = self.session.get(ReportingException, self.unit.id)
        before = {"obliged": row.obliged, "reason": row.reason} if row is not None else None
        if row is None:
            row = ReportingException(unit_id=self.unit.id)
            self.session.add(row)
        row.obliged, row.reason, row.actor_id = obliged, self.reason, self.actor_id
        record(self.session, self.actor, "require_reporting" if obliged else "exempt_from_reporting",
               "reporting_exception", self.unit.id, self.unit.id, before=before,
               after={"obliged": obliged, "reason": self.reason})
        return row


class RemoveReportingException(Command):
    """data: the unit id; the unit goes back under the rules of its level."""

    def validate(self) -> None:
        self.unit = load_exemptible(self.session, self.actor, self.data)
        self.row = self.session.get(ReportingException, self.unit.id)
        if self.row is None:
            raise DomainError(_("This unit already follows the rules of its level."))

    def run(self) -> Unit:
        self.validate()
        record(self.session, self.actor, "remove_reporting_exception", "reporting_exception", self.unit.id,
               self.unit.id, before={"obliged": self.row.obliged, "reason": self.row.reason}, after=None)
        self.session.delete(self.row)
        return self.unit

