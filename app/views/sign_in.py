"""The sign-in form: FAB's, plus a Thai reason when the account or its unit
is switched off (FAB would say only "invalid login"). The reason is given
only to someone who typed the right password (app/commands/users.py)."""
from flask import flash, g, redirect, request
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import no_cache
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.security.views import AuthDBView as FabAuthDBView
from flask_appbuilder.utils.base import get_safe_redirect

from app.commands.users import blocked_sign_in
from app.db.audit import record
from app.db.transaction import transaction
from app.extensions import db


# FAB's class name, kept: it is the endpoint, and FAB's has_access builds
# "<class name>.login" for its redirect to the sign-in.
class AuthDBView(FabAuthDBView):

    @expose("/login/", methods=["GET", "POST"])
    @no_cache
    def login(self):
        if request.method == "POST" and not (g.user is not None and g.user.is_authenticated):
            form = LoginForm_db()
            if form.validate_on_submit():
                blocked = blocked_sign_in(db.session, form.username.data, form.password.data)
                if blocked:
                    user, message = blocked
                    with transaction():
                        record(db.session, None, "login_blocked", "user", user.id, user.unit_id,
                               after={"username": user.username, "ip": request.remote_addr})
                    flash(message, "danger")
                    return redirect(self.appbuilder.get_url_for_login_with(
                        get_safe_redirect(request.args.get("next", ""))))
        return super().login()
