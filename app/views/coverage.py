"""For the central administrator: provinces without exactly two province
administrators (the letter asks for two per province)."""
from flask import request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access
from flask_appbuilder.security.sqla.models import Role, assoc_user_role
from sqlalchemy import and_, func, select

from app.extensions import db
from app.models.unit import Unit, UnitLevel
from app.models.user import MaskLogUser
from app.roles import PROVINCE_ADMIN

EXPECTED_ADMINS = 2


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


class ProvinceAdminsView(BaseView):
    route_base = "/province-admins"
    default_view = "index"
    method_permission_name = {"index": "list"}

    @expose("/")
    @has_access
    def index(self):
        rows = province_admin_counts(db.session)
        show_all = request.args.get("all") == "1"
        shown = rows if show_all else [row for row in rows if row[3] != EXPECTED_ADMINS]
        return self.render_template("province_admins.html", rows=shown, show_all=show_all,
                                    expected=EXPECTED_ADMINS, total=len(rows),
                                    complete=sum(1 for row in rows if row[3] == EXPECTED_ADMINS))
