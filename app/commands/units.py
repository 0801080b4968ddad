"""Creating and changing units (LAOs and end receiving units by hand; the
official levels come from app/commands/hierarchy.py)."""
from __future__ import annotations

import re
from typing import Optional

from flask_babel import gettext as _
from sqlalchemy import func, inspect, update
from sqlalchemy.orm import Session

from app import scoping
from app.errors import DomainError
from app.labels import level_label
from app.models.unit import OFFICIAL_LEVELS, Unit, UnitLevel
from app.rollups import census
from app.rollups.moves import move_subtree_totals
from app.user_cache import note_bulk_unit_change

# Which levels may sit directly under which. A PAO (อบจ.) sits under its
# province, municipalities and TAOs under a district; end receiving units sit
# under any level that hands out masks except the centre.
ALLOWED_PARENT_LEVELS = {
    UnitLevel.LAO.value: {UnitLevel.PROVINCE.value, UnitLevel.DISTRICT.value},
    UnitLevel.END_UNIT.value: {
        UnitLevel.PROVINCE.value,
        UnitLevel.DISTRICT.value,
        UnitLevel.SUBDISTRICT.value,
        UnitLevel.LAO.value,
    },
}
MANUAL_LEVELS = set(ALLOWED_PARENT_LEVELS)
CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-_.]{0,31}$")
# Official DOPA codes: 2, 4 or 6 digits. Hand-made units must not take one,
# or a later geothai release could collide with them.
DOPA_CODE_PATTERN = re.compile(r"^(\d{2}|\d{4}|\d{6})$")

def normalise_code(code: Optional[str]) -> str:
    return (code or "").strip().upper()


def child_path(parent: Optional[Unit], unit_id: int) -> str:
    return scoping.child_path(parent.path if parent else None, unit_id)


def assign_path(session: Session, unit: Unit) -> None:
    """Give a new unit its materialised path; flushes to learn its id (the
    surrounding transaction is still open, so this stays one unit of work)."""
    if unit.id is None:
        unit.path = ""
        session.add(unit)
        session.flush()
    unit.path = child_path(unit.parent, unit.id)


def next_generated_code(session: Session, parent: Unit) -> str:
    """"<parent code>-<n>", n one more than the parent's children so far."""
    with session.no_autoflush:
        count = session.query(func.count(Unit.id)).filter(Unit.parent_id == parent.id).scalar() or 0
        n = count + 1
        while session.query(Unit.id).filter(Unit.code == f"{parent.code}-{n:03d}").first():
            n += 1
    return f"{parent.code}-{n:03d}"


def _check_parent(actor, unit: Unit) -> None:
    parent = unit.parent
    if parent is None:
        raise DomainError(_("Please choose the parent unit."))
    if not scoping.unit_in_scope(actor, parent):
        raise DomainError(
            _("The parent unit %(name)s is outside the area you manage.", name=parent.name_th)
        )
    allowed = ALLOWED_PARENT_LEVELS.get(unit.level, set())
    if parent.level not in allowed:
        raise DomainError(
            _(
                "A %(level)s must sit under a %(allowed)s, not under a %(parent_level)s.",
                level=level_label(unit.level),
                allowed=" / ".join(level_label(lvl) for lvl in sorted(allowed)),
                parent_level=level_label(parent.level),
            )
        )
    if not parent.active:
        raise DomainError(_("The parent unit %(name)s is inactive.", name=parent.name_th))


def _check_code(session: Session, unit: Unit) -> None:
    if not CODE_PATTERN.match(unit.code):
        raise DomainError(
            _("Unit code \"%(code)s\" may only use English letters, digits and - _ . (at most 32 characters).", code=unit.code)
        )
    if DOPA_CODE_PATTERN.match(unit.code):
        raise DomainError(
            _("Code %(code)s has the form of a DOPA geocode and cannot be used for a unit created by hand.", code=unit.code)
        )
    clash = session.query(Unit.id).filter(func.upper(Unit.code) == unit.code)
    if unit.id is not None:
        clash = clash.filter(Unit.id != unit.id)
    with session.no_autoflush:  # the unit being checked must not be flushed half-valid
        clashing = clash.first()
    if clashing:
        raise DomainError(_("Unit code %(code)s already exists.", code=unit.code))


def _check_names(unit: Unit) -> None:
    unit.name_th = (unit.name_th or "").strip()
    unit.name_en = (unit.name_en or "").strip() or None
    if not unit.name_th:
        raise DomainError(_("Please enter the unit name in Thai."))
    if len(unit.name_th) > 255 or (unit.name_en and len(unit.name_en) > 255):
        raise DomainError(_("The unit name is longer than 255 characters."))


def prepare_new_unit(session: Session, actor, unit: Unit) -> Unit:
    """Validate a unit built by a form or a command, then give it code and path."""
    if unit.level not in MANUAL_LEVELS:
        raise DomainError(
            _("Only local governments and end receiving units can be created; provinces, districts and subdistricts come from the DOPA list.")
        )
    # The half-built unit must not be flushed by a lazy load during the checks.
    with session.no_autoflush:
        _check_names(unit)
        _check_parent(actor, unit)
        unit.code = normalise_code(unit.code) or next_generated_code(session, unit.parent)
        _check_code(session, unit)
    unit.source = "manual"
    if unit.active is None:
        unit.active = True
    assign_path(session, unit)
    return unit


def create_unit(session: Session, actor, *, parent: Unit, level: str, name_th: str,
                name_en: Optional[str] = None, code: Optional[str] = None) -> Unit:
    unit = Unit(parent=parent, level=level, name_th=name_th, name_en=name_en, code=code, active=True)
    try:
        return prepare_new_unit(session, actor, unit)
    except DomainError:
        # Keep the rejected unit out of the transaction (and out of its
        # parent's children, or a later flush would try to add it).
        unit.parent = None
        if unit in session:
            session.expunge(unit)
        raise


def _original(unit: Unit, attr: str):
    history = inspect(unit).attrs[attr].history
    if history.deleted:
        return history.deleted[0]
    return getattr(unit, attr)


def prepare_unit_update(session: Session, actor, unit: Unit) -> Unit:
    """Validate changes made to a loaded unit; move its subtree if its parent changed."""
    # No flush until the checks are done: a flush (a lazy load, an expired
    # attribute) would write the change and erase the history that tells
    # whether the parent changed, so the subtree would not move.
    with session.no_autoflush:
        return _prepare_unit_update(session, actor, unit)


def _prepare_unit_update(session: Session, actor, unit: Unit) -> Unit:
    original_path = _original(unit, "path")
    if not scoping.path_in_subtree(original_path, scoping.actor_root_path(actor)):
        raise DomainError(_("This unit is outside the area you manage."))
    if _original(unit, "level") != unit.level:
        raise DomainError(_("The level of a unit cannot be changed."))
    if unit.level in {lvl.value for lvl in OFFICIAL_LEVELS}:
        for attr in ("code", "name_th", "name_en", "parent_id", "parent", "active"):
            if inspect(unit).attrs[attr].history.has_changes():
                raise DomainError(
                    _("The name, code, parent and status of a province, district or subdistrict come from the DOPA list and cannot be edited.")
                )
        return unit
    _check_names(unit)
    unit.code = normalise_code(unit.code) or _original(unit, "code")
    _check_code(session, unit)
    parent_changed = inspect(unit).attrs["parent"].history.has_changes() or inspect(unit).attrs[
        "parent_id"
    ].history.has_changes()
    if parent_changed:
        _check_parent(actor, unit)
        if scoping.path_in_subtree(unit.parent.path, original_path):
            raise DomainError(_("A unit cannot be moved under one of its own sub-units."))
        if original_path == scoping.actor_root_path(actor):
            raise DomainError(_("You cannot move your own unit."))
        move_subtree(session, original_path, child_path(unit.parent, unit.id))
        move_subtree_totals(session, unit.id, original_path, child_path(unit.parent, unit.id))
        unit.path = child_path(unit.parent, unit.id)
    return unit


def move_subtree(session: Session, old_path: str, new_path: str) -> None:
    """Rewrite the path prefix of a unit and everything below it, in one statement."""
    session.execute(
        update(Unit)
        .where(scoping.subtree_clause(Unit.path, old_path))
        .values(path=new_path + func.substr(Unit.path, len(old_path) + 1))
        .execution_options(synchronize_session=False)
    )


def note_units_changed_in_bulk(session: Session, path: str = census.EVERY_UNIT) -> None:
    """Units at `path` and below were added, moved or switched by a bulk
    statement, which the flush hooks do not see: signed-in users' cached units
    are dropped and the kept unit counts recounted when this session commits."""
    note_bulk_unit_change(session)
    census.note_changed(session, path)
