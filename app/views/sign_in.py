"""The sign-in form: FAB's, plus a Thai reason when the account or its unit
is switched off (FAB would say only "invalid login"). The reason is given
only to someone who typed the right password (app/commands/users.py)."""
import logging

from flask import current_app, flash, g, has_request_context, redirect, request
from flask_appbuilder import expose
from flask_appbuilder.security.decorators import no_cache
from flask_appbuilder.security.forms import LoginForm_db
from flask_appbuilder.security.views import AuthDBView as FabAuthDBView
from flask_appbuilder.utils.base import get_safe_redirect

from app import sign_in_limits
from app.commands.users import blocked_sign_in, normalise_username
from app.db.audit import record
from app.db.transaction import transaction
from app.extensions import db


class _NoRedirectWarningWithoutNext(logging.Filter):
    """FAB checks the sign-in's `next` even when there is none and logs
    "Invalid redirect detected" for every plain sign-in; only a `next` it
    refused is worth a line in the log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.getMessage().startswith("Invalid redirect detected") and has_request_context()
                    and not request.args.get("next"))


logging.getLogger("flask_appbuilder.utils.base").addFilter(_NoRedirectWarningWithoutNext())


def _locked(username) -> bool:
    """A locked username or address gets the lock page (FAB's path below), never
    the "switched off" reason: that reason would confirm a guessed password."""
    limits = sign_in_limits.for_app(current_app)
    if limits is None:
        return False
    try:
        limits.check(normalise_username(username), request.remote_addr)
    except sign_in_limits.SignInLocked:
        return True
    return False


# FAB's class name, kept: it is the endpoint, and FAB's has_access builds
# "<class name>.login" for its redirect to the sign-in.
class AuthDBView(FabAuthDBView):

    @expose("/login/", methods=["GET", "POST"])
    @no_cache
    def login(self):
        if request.method == "POST" and not (g.user is not None and g.user.is_authenticated):
            form = LoginForm_db()
            if form.validate_on_submit() and not _locked(form.username.data):
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
