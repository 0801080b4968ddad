"""How many active province administrators each province has (the letter
asks for two per province), who they are, and administrators placed at a unit
of the wrong level (app/roles.py ROLE_LEVELS)."""
from collections import defaultdict
from dataclasses import dataclass, field

from flask_appbuilder.security.sqla.models import Role, assoc_user_role
from sqlalchemy import and_, or_, select

from app.models.unit import Unit, UnitLevel
from app.models.user import MaskLogUser
from app.roles import PROVINCE_ADMIN, ROLE_LEVELS


@dataclass
class ProvinceAdmins:
    id: int
    code: str
    name_th: str
    admins: list = field(default_factory=list)  # [(user id, username, full name)]

    @property
    def count(self) -> int:
        return len(self.admins)


def _holders(session, role_names, *conditions):
    """(user, role name, unit) of active users holding one of `role_names`."""
    return session.execute(
        select(MaskLogUser.id, MaskLogUser.username, MaskLogUser.first_name, MaskLogUser.last_name,
               Role.name, Unit.id, Unit.code, Unit.name_th, Unit.level)
        .join(assoc_user_role, assoc_user_role.c.user_id == MaskLogUser.id)
        .join(Role, and_(Role.id == assoc_user_role.c.role_id, Role.name.in_(role_names)))
        .join(Unit, Unit.id == MaskLogUser.unit_id)
        .where(MaskLogUser.active.is_(True), *conditions)
        .order_by(Unit.code, MaskLogUser.username)).all()


def province_admins(session) -> list:
    """[ProvinceAdmins] for every active province, with its active province
    administrators (those placed at the province unit itself)."""
    by_unit = defaultdict(list)
    for user_id, username, first, last, _role, unit_id, *_unit in _holders(
            session, [PROVINCE_ADMIN], Unit.level == UnitLevel.PROVINCE.value):
        by_unit[unit_id].append((user_id, username, f"{first} {last}".strip()))
    provinces = session.execute(select(Unit.id, Unit.code, Unit.name_th).where(
        Unit.level == UnitLevel.PROVINCE.value, Unit.active.is_(True)).order_by(Unit.code)).all()
    return [ProvinceAdmins(id, code, name, by_unit.get(id, [])) for id, code, name in provinces]


def misplaced_administrators(session) -> list:
    """Active users whose administrator role sits at a level it may not:
    [(user id, username, full name, role name, unit code, unit name, unit level)]."""
    wrong_level = or_(*(and_(Role.name == name, Unit.level.notin_(levels)) for name, levels in ROLE_LEVELS.items()))
    return [(user_id, username, f"{first} {last}".strip(), role, code, name, level)
            for user_id, username, first, last, role, _unit_id, code, name, level
            in _holders(session, list(ROLE_LEVELS), wrong_level)]
