"""How many active province administrators each province has (the letter
asks for two per province)."""
from flask_appbuilder.security.sqla.models import Role, assoc_user_role
from sqlalchemy import and_, func, select

from app.models.unit import Unit, UnitLevel
from app.models.user import MaskLogUser
from app.roles import PROVINCE_ADMIN


def province_admin_counts(session):
    """[(province id, code, Thai name, active province administrators)] for all provinces."""
    admins = (select(MaskLogUser.unit_id, func.count(MaskLogUser.id).label("n"))
              .join(assoc_user_role, assoc_user_role.c.user_id == MaskLogUser.id)
              .join(Role, and_(Role.id == assoc_user_role.c.role_id, Role.name == PROVINCE_ADMIN))
              .where(MaskLogUser.active.is_(True)).group_by(MaskLogUser.unit_id).subquery())
    return session.execute(
        select(Unit.id, Unit.code, Unit.name_th, func.coalesce(admins.c.n, 0))
        .outerjoin(admins, admins.c.unit_id == Unit.id)
        .where(Unit.level == UnitLevel.PROVINCE.value, Unit.active.is_(True)).order_by(Unit.code)).all()
