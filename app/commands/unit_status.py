"""Switching a unit off, and on again, with everything below it.

The rule (README, "Units that can be switched off"):
- switching a unit off switches off its whole subtree (one UPDATE on the
  path range) and so blocks its users: `MaskLogUser.is_active` needs the
  user's unit active too, and every request re-reads both flags
  (app/user_cache.py), so their sessions and API tokens stop on the next
  request on every app server. The users' own flags are not touched;
- each unit switched off remembers whose deactivation did it
  (`deactivated_by_id`); switching that unit back on switches on exactly
  those units. A unit switched off on its own before stays off, and so does
  a user deactivated by hand;
- nothing is deleted: stock and history stay, and dashboards above show the
  unit marked as switched off, its stock still in their totals;
- only an administrator switches units of their area, never their own unit
  (a province administrator cannot switch off their province: only the
  central administrator can), and never the central unit.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.orm import Session

from app import scoping
from app.commands.base import Command
from app.commands.units import note_units_changed_in_bulk
from app.db.audit import record
from app.errors import DomainError
from app.models.ledger import AllocationLine
from app.models.unit import Unit
from app.models.user import MaskLogUser


@dataclass
class UnitSwitchInput:
    unit_id: int


@dataclass
class Effect:
    """What switching a unit off (or on) changes, shown before it is confirmed."""

    units: int  # units switched off (or back on), the unit itself included
    users: int  # users signed out and blocked (or let back in)
    users_kept_off: int = 0  # on: users of those units deactivated by hand, who stay deactivated
    units_kept_off: int = 0  # on: units below switched off on their own, which stay off
    in_transit: int = 0  # off: shipments on their way to those units (the sender may recall them)


def load_switchable(session: Session, actor, unit_id) -> Unit:
    """The unit, if the actor may switch it off or on: inside the actor's area
    and strictly below the actor's own unit."""
    unit = session.get(Unit, unit_id) if isinstance(unit_id, int) else None
    if unit is None or not scoping.unit_in_scope(actor, unit):
        raise DomainError(_("This unit is outside the area you manage."))
    if unit.path == scoping.actor_root_path(actor):
        raise DomainError(_("You cannot switch off or on your own unit; the administrator above you can."))
    return unit


def _switched_off_by(unit: Unit):
    """The units that switching `unit` back on switches on: itself, and those
    below that its deactivation switched off."""
    return and_(scoping.subtree_clause(Unit.path, unit.path), Unit.active.is_(False),
                or_(Unit.id == unit.id, Unit.deactivated_by_id == unit.id))


def deactivation_effect(session: Session, unit: Unit) -> Effect:
    active_units = and_(scoping.subtree_clause(Unit.path, unit.path), Unit.active.is_(True))
    units = session.execute(select(func.count(Unit.id)).where(active_units)).scalar()
    users = session.execute(select(func.count(MaskLogUser.id)).join(Unit, Unit.id == MaskLogUser.unit_id)
                            .where(active_units, MaskLogUser.active.is_(True))).scalar()
    in_transit = session.execute(select(func.count(AllocationLine.id)).join(Unit, Unit.id == AllocationLine.unit_id)
                                 .where(active_units, AllocationLine.status == "in_transit")).scalar()
    return Effect(units=units, users=users, in_transit=in_transit)


def reactivation_effect(session: Session, unit: Unit) -> Effect:
    coming_back = _switched_off_by(unit)
    units = session.execute(select(func.count(Unit.id)).where(coming_back)).scalar()
    users_by_flag = dict(session.execute(
        select(MaskLogUser.active, func.count(MaskLogUser.id)).join(Unit, Unit.id == MaskLogUser.unit_id)
        .where(coming_back).group_by(MaskLogUser.active)).all())
    kept_off = session.execute(select(func.count(Unit.id)).where(
        scoping.subtree_clause(Unit.path, unit.path), Unit.active.is_(False), ~coming_back)).scalar()
    return Effect(units=units, users=users_by_flag.get(True, 0), users_kept_off=users_by_flag.get(False, 0),
                  units_kept_off=kept_off)


class DeactivateUnit(Command):
    """Switch a unit and its whole subtree off; returns the Effect."""

    def validate(self) -> None:
        self.unit = load_switchable(self.session, self.actor, self.data.unit_id)
        if not self.unit.active:
            raise DomainError(_("The unit %(name)s is already switched off.", name=self.unit.name_th))

    def run(self) -> Effect:
        self.validate()
        effect = deactivation_effect(self.session, self.unit)
        self.session.execute(
            update(Unit).where(scoping.subtree_clause(Unit.path, self.unit.path), Unit.active.is_(True))
            .values(active=False, deactivated_by_id=self.unit.id, changed_on=datetime.datetime.utcnow())
            .execution_options(synchronize_session="fetch"))
        note_units_changed_in_bulk(self.session, self.unit.path)
        record(self.session, self.actor, "deactivate", "unit", self.unit.id, self.unit.id,
               after={"code": self.unit.code, "units": effect.units, "users": effect.users,
                      "in_transit": effect.in_transit})
        return effect


class ReactivateUnit(Command):
    """Switch back on a unit and the units its deactivation switched off;
    returns the Effect. Its parent must be on."""

    def validate(self) -> None:
        self.unit = load_switchable(self.session, self.actor, self.data.unit_id)
        if self.unit.active:
            raise DomainError(_("The unit %(name)s is already switched on.", name=self.unit.name_th))
        parent = self.unit.parent
        if parent is not None and not parent.active:
            raise DomainError(_("%(parent)s, the unit above %(name)s, is switched off: switch it on first.",
                                parent=parent.name_th, name=self.unit.name_th))

    def run(self) -> Effect:
        self.validate()
        effect = reactivation_effect(self.session, self.unit)
        self.session.execute(
            update(Unit).where(_switched_off_by(self.unit))
            .values(active=True, deactivated_by_id=None, changed_on=datetime.datetime.utcnow())
            .execution_options(synchronize_session="fetch"))
        note_units_changed_in_bulk(self.session, self.unit.path)
        record(self.session, self.actor, "reactivate", "unit", self.unit.id, self.unit.id,
               after={"code": self.unit.code, "units": effect.units, "users": effect.users,
                      "users_kept_off": effect.users_kept_off, "units_kept_off": effect.units_kept_off})
        return effect


def deactivate_unit(session: Session, actor, unit_id: int) -> Effect:
    return DeactivateUnit(session, actor, UnitSwitchInput(unit_id)).run()


def reactivate_unit(session: Session, actor, unit_id: int) -> Effect:
    return ReactivateUnit(session, actor, UnitSwitchInput(unit_id)).run()
