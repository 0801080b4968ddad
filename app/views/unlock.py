"""The "Unlock sign-in" action of the user screens (show page and list)."""
from flask import current_app, flash, redirect, url_for
from flask_appbuilder.actions import action
from flask_babel import gettext, lazy_gettext as _l

from app import sign_in_limits
from app.sign_in_limits import clock_time
from app.commands.unlock import unlock_sign_in
from app.db.transaction import transaction
from app.errors import DomainError
from app.extensions import db
from app.fab.datamodel import current_actor


class UnlockSignInMixin:
    """For MaskLogUserView. FAB's action routes fetch rows unscoped; the view's
    ScopedViewMixin answers 404 for a user outside the actor's area, and the
    command re-checks that the actor may manage each user."""

    def _get_show_widget(self, pk, item, widgets=None, actions=None, show_fieldsets=None):
        """FAB's user show page offers only "reset password": add "unlock
        sign-in" there, with when the lock ends, while the user is locked. The
        user's own page (no actions given) never offers it."""
        if actions is None:
            actions = {name: act for name, act in self.actions.items() if name != "unlock"}
        elif item is not None:
            until = self._locked_until(item)
            if until is not None:
                actions = {**actions, "unlock": self.actions["unlock"]}
                flash(gettext("Sign-in is locked after too many wrong passwords until %(time)s.",
                              time=clock_time(until)), "warning")
        return super()._get_show_widget(pk, item, widgets=widgets, actions=actions, show_fieldsets=show_fieldsets)

    @staticmethod
    def _locked_until(item):
        limits = sign_in_limits.for_app(current_app)
        if limits is None:
            return None
        try:
            return limits.locked_until("username", item.username)
        except limits.store_errors:
            return None  # the page still opens; unlocking will say what is wrong

    @action("unlock", _l("Unlock sign-in"), _l("Unlock sign-in for these users now?"), "fa-unlock")
    def unlock(self, items):
        # Back where the button was: the user's page, or the list.
        back = redirect(url_for(".list") if isinstance(items, list) else url_for(".show", pk=items.id))
        items = items if isinstance(items, list) else [items]
        limits = sign_in_limits.for_app(current_app)
        try:
            with transaction():
                unlocked = [user.username for user in items
                            if unlock_sign_in(db.session, current_actor(), user, limits)]
        except DomainError as error:
            flash(str(error), "danger")
            return back
        if unlocked:
            flash(gettext("Sign-in unlocked: %(users)s", users=", ".join(unlocked)), "success")
        else:
            flash(gettext("These users were not locked; nothing was changed."), "info")
        return back
