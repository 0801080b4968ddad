"""Distributing to the risk groups (several groups on one form) and reversing
a distribution recorded by mistake."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

# lazy: a DomainError says itself in Thai and, for the API, in English (app/errors.py)
from flask_babel import lazy_gettext as _

from app.commands.base import (Command, DocumentCommand, DocumentInput, about_field, check_unit, clean_text,
                               item_id_of)
from app.db.audit import record
from app.db.ids import is_stored_id
from app.db.documents import insert_document
from app.errors import DomainError, OutOfScope
from app.models.ledger import Distribution
from app.queries.reference import active_risk_groups
from app.rollups.contributions import DISTRIBUTED, DISTRIBUTION_REVERSED
from app.rollups.pending import contribute, mark_reported
from app.stock import post
from app.thai import format_number, parse_quantity, today


@dataclass(kw_only=True)
class DistributionInput(DocumentInput):
    lines: list = field(default_factory=list)  # (risk group id, pieces, people reached) as typed; empty rows skipped


class Distribute(DocumentCommand):
    data: DistributionInput

    def validate(self) -> None:
        data = self.data
        self.check_unit_item_day()
        groups = {group_id: name for group_id, _code, name in active_risk_groups(self.session)}
        self.codes = {group_id: code for group_id, code, _name in active_risk_groups(self.session)}
        self.lines, seen = [], set()
        for row, (group_id, raw_pieces, raw_people) in enumerate(data.lines):
            if str(raw_pieces or "").strip() == "" and str(raw_people or "").strip() == "":
                continue
            if group_id not in groups:
                raise DomainError(_("Please choose an active risk group."), field=f"lines.{row}.risk_group_id")
            name = groups[group_id]
            if group_id in seen:
                raise DomainError(_("The risk group %(name)s appears twice.", name=name),
                                  field=f"lines.{row}.risk_group_id")
            seen.add(group_id)
            with about_field(f"lines.{row}.quantity"):
                pieces = parse_quantity(raw_pieces, _("the pieces for %(name)s", name=name))
            with about_field(f"lines.{row}.people_reached"):
                people = parse_quantity(raw_people, _("the people reached in %(name)s", name=name))
            if people > pieces:
                raise DomainError(_("%(name)s: more people (%(people)s) than pieces (%(pieces)s).", name=name,
                                    people=format_number(people), pieces=format_number(pieces)),
                                  field=f"lines.{row}.people_reached")
            self.lines.append((group_id, pieces, people))
        if not self.lines:
            raise DomainError(_("Please enter the pieces and people reached for at least one risk group."),
                              field="lines")

    def run(self) -> Distribution:
        self.validate()
        distribution, created = insert_document(
            self.session, Distribution, self.data.form_token,
            lines=[{"risk_group_id": g, "quantity": p, "people_reached": n} for g, p, n in self.lines],
            unit_id=self.unit.id, item_id=self.item.id, distribution_date=self.day, created_by_id=self.actor_id)
        if not created:
            return distribution
        total = sum(p for _g, p, _n in self.lines)
        post(self.session, unit=self.unit, item_id=self.item.id, quantity=-total, kind="distribution",
             document_type="distribution", document_id=distribution.id, actor=self.actor, entry_date=self.day)
        for line in distribution.lines:
            contribute(self.session, DISTRIBUTED, self.unit, self.item.id, self.day, line)
        mark_reported(self.session, self.unit, self.day, "distribution", self.actor)
        record(self.session, self.actor, "create", "distribution", distribution.id, self.unit.id,
               after={"total": total, "lines": [[self.codes[g], p, n] for g, p, n in self.lines], "date": self.day})
        return distribution


@dataclass
class ReversalInput:
    distribution_id: int
    reason: object
    unit_id: Optional[int] = None  # the unit whose page it was sent from, when there is one


class ReverseDistribution(Command):
    """A distribution recorded by mistake: its pieces come back with a
    reversing ledger line, and its figures leave the rollups on the day of
    the reversal."""

    data: ReversalInput

    def validate(self) -> None:
        data = self.data
        distribution = self.session.get(Distribution, data.distribution_id) \
            if is_stored_id(data.distribution_id) else None
        if distribution is None or (data.unit_id is not None and distribution.unit_id != data.unit_id):
            raise OutOfScope(_("This distribution was not recorded by this unit."))
        check_unit(self.session, self.actor, distribution.unit_id)
        self.session.refresh(distribution, with_for_update=True)  # a concurrent second reversal waits, then sees it
        if distribution.reversed:
            raise DomainError(_("This distribution has already been reversed."))
        with about_field("reason"):
            self.reason = clean_text(data.reason, _("the reason for the reversal"), limit=500)
        self.distribution = distribution

    def run(self) -> Distribution:
        self.validate()
        distribution, day = self.distribution, today()
        total = sum(line.quantity for line in distribution.lines)
        post(self.session, unit=distribution.unit, item_id=distribution.item_id, quantity=total, kind="reversal",
             document_type="distribution", document_id=distribution.id, actor=self.actor, entry_date=day)
        for line in distribution.lines:
            contribute(self.session, DISTRIBUTION_REVERSED, distribution.unit, distribution.item_id, day, line)
        distribution.reversed = True
        record(self.session, self.actor, "reverse", "distribution", distribution.id, distribution.unit_id,
               before={"reversed": False}, after={"reversed": True, "returned": total, "reason": self.reason})
        return distribution


def distribute(session, actor, *, unit, item=None, distribution_date=None, lines, form_token=None) -> Distribution:
    """Keyword form for scripts, tests and dev data: `lines` are (risk group,
    pieces, people reached); the same Distribute.run()."""
    return Distribute(session, actor, DistributionInput(
        unit_id=unit.id, item_id=item_id_of(item), date=distribution_date,
        lines=[(getattr(group, "id", group), pieces, people) for group, pieces, people in lines],
        form_token=form_token)).run()


def reverse_distribution(session, actor, distribution: Distribution, *, reason) -> Distribution:
    """Keyword form: the same ReverseDistribution.run()."""
    return ReverseDistribution(session, actor, ReversalInput(distribution.id, reason)).run()
