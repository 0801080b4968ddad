"""For the central administrator: provinces without exactly two province
administrators (the letter asks for two per province), who they are, and
administrators placed at a unit of the wrong level."""
from flask import request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.extensions import db
from app.labels import level_label
from app.permissions import LIST, PROVINCE_ADMINS_VIEW
from app.queries.coverage import misplaced_administrators, province_admins
from app.roles import PROVINCE_ADMIN, role_label

EXPECTED_ADMINS = 2


class ProvinceAdminsView(BaseView):
    route_base = "/province-admins"
    default_view = "index"
    class_permission_name = PROVINCE_ADMINS_VIEW
    method_permission_name = {"index": LIST}

    @expose("/")
    @has_access
    def index(self):
        provinces = province_admins(db.session)
        show_all = request.args.get("all") == "1"
        shown = provinces if show_all else [p for p in provinces if p.count != EXPECTED_ADMINS]
        return self.render_template(
            "province_admins.html", provinces=shown, show_all=show_all, expected=EXPECTED_ADMINS,
            total=len(provinces), complete=sum(1 for p in provinces if p.count == EXPECTED_ADMINS),
            misplaced=misplaced_administrators(db.session), role_label=role_label, level_label=level_label,
            province_admin_role=PROVINCE_ADMIN)
