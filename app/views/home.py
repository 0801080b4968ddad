"""Start page: tells a signed-in user where they stand (unit, roles)."""
from flask import g
from flask_appbuilder import IndexView, expose

from app.roles import role_label


class HomeIndexView(IndexView):
    index_template = "index.html"

    @expose("/")
    def index(self):
        user = g.user if g.user is not None and g.user.is_authenticated else None
        roles = [role_label(r.name) for r in user.roles] if user else []
        return self.render_template(self.index_template, appbuilder=self.appbuilder, user=user, roles=roles)
