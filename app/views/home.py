"""Start page. Signed in, a user lands on their work: officers and counting
committees on their unit's today page, everyone else (administrators,
viewers) on the dashboard of their area. Signed out, the page explains
MaskLog and links to sign in."""
from flask import g, redirect, url_for
from flask_appbuilder import IndexView, expose

from app.roles import COUNTING_COMMITTEE, OFFICER, role_label

_DAILY_WORK_ROLES = {OFFICER, COUNTING_COMMITTEE}


class HomeIndexView(IndexView):
    index_template = "index.html"

    @expose("/")
    def index(self):
        user = g.user if g.user is not None and g.user.is_authenticated else None
        if user is not None and getattr(user, "unit", None) is not None:
            names = {role.name for role in user.roles}
            if names and names <= _DAILY_WORK_ROLES:
                return redirect(url_for("TodayView.mine"))
            if names:
                return redirect(url_for("DashboardView.mine"))
        roles = [role_label(r.name) for r in user.roles] if user else []
        return self.render_template(self.index_template, appbuilder=self.appbuilder, user=user, roles=roles)
