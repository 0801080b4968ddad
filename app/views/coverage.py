"""For the central administrator: provinces without exactly two province
administrators (the letter asks for two per province)."""
from flask import request
from flask_appbuilder import BaseView, expose
from flask_appbuilder.security.decorators import has_access

from app.extensions import db
from app.permissions import LIST, PROVINCE_ADMINS_VIEW
from app.queries.coverage import province_admin_counts

EXPECTED_ADMINS = 2


class ProvinceAdminsView(BaseView):
    route_base = "/province-admins"
    default_view = "index"
    class_permission_name = PROVINCE_ADMINS_VIEW
    method_permission_name = {"index": LIST}

    @expose("/")
    @has_access
    def index(self):
        rows = province_admin_counts(db.session)
        show_all = request.args.get("all") == "1"
        shown = rows if show_all else [row for row in rows if row[3] != EXPECTED_ADMINS]
        return self.render_template("province_admins.html", rows=shown, show_all=show_all,
                                    expected=EXPECTED_ADMINS, total=len(rows),
                                    complete=sum(1 for row in rows if row[3] == EXPECTED_ADMINS))
