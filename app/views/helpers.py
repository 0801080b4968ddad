"""What the views share: scoped row lookup (404 outside the actor's area),
FAB ModelView behaviour for scoped data, the redirect to one's own unit, and
list formatting."""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, request, url_for
from flask_appbuilder import expose
from flask_babel import gettext

from app import scoping
from app.errors import DomainError
from app.extensions import db
from app.fab.datamodel import current_actor
from app.labels import yes_no  # noqa: F401  (the views import it from here)


def in_scope_or_404(model, primary_key):
    """The row of `model` the actor may see, or a 404 (for a row outside the
    area exactly as for one that does not exist)."""
    row = scoping.get_in_scope(db.session, model, primary_key, current_actor())
    if row is None:
        abort(404)
    return row


class ScopedViewMixin:
    """For ModelViews over a ScopedSQLAInterface: drop rows that `get` could not
    see from bulk actions, and turn DomainError from the domain commands into a
    Thai flash message with the transaction rolled back."""

    # Re-exposed: overriding a FAB route method drops its URL otherwise.
    @expose("/action_post", methods=["POST"])
    def action_post(self):
        pks = request.form.getlist("rowid")
        if not pks:
            flash(gettext("Please select at least one row."), "warning")
            return redirect(self.get_redirect())
        visible = [self.datamodel.get(self._deserialize_pk_if_composite(pk)) for pk in pks]
        if any(item is None for item in visible):
            # A pk outside the actor's subtree (or one that does not exist).
            abort(404)
        return super().action_post()

    @expose("/action/<string:name>/<pk>", methods=["GET", "POST"])
    def action(self, name, pk):
        if self.datamodel.get(self._deserialize_pk_if_composite(pk)) is None:
            abort(404)
        return super().action(name, pk)

    @staticmethod
    def run_domain_check(check, *args):
        """Run a domain validation; on failure undo what the form populated so a
        later flush cannot write it, and re-raise for FAB to flash."""
        try:
            return check(*args)
        except DomainError:
            db.session.rollback()
            g.domain_error = True
            raise

    # FAB redirects away after a pre_add/pre_update error, dropping what the
    # user typed. Show the same form again, filled from the request, instead.
    def post_add_redirect(self):
        if not g.get("domain_error"):
            return super().post_add_redirect()
        widgets = self._get_add_widget(form=self.add_form.refresh())
        return self.render_template(self.add_template, title=self.add_title, widgets=widgets)

    def post_edit_redirect(self):
        if not g.get("domain_error"):
            return super().post_edit_redirect()
        pk = (request.view_args or {}).get("pk")
        widgets = self._get_edit_widget(form=self.edit_form.refresh(), exclude_cols=[])
        return self.render_template(self.edit_template, title=self.edit_title, widgets=widgets,
                                    related_views=self._related_views, pk=pk)


def redirect_to_own_unit(endpoint: str):
    """The page of the actor's own unit (today page, dashboard); a user not yet
    attached to a unit goes back to the start page with a Thai explanation."""
    unit = getattr(current_actor(), "unit", None)
    if unit is None:
        flash(gettext("Your account is not attached to a unit yet; ask your administrator."), "warning")
        return redirect(current_app.appbuilder.get_url_for_index)
    return redirect(url_for(endpoint, unit_id=unit.id))


# ---------------------------------------------------------------- POST-redirect-GET
_REFUSED = "refused_form"


def keep_refused_form(form_name: str, form, errors: dict | None = None, page_path: str | None = None) -> None:
    """A refused form's input and its errors, kept in the
    session for the one GET the POST redirects to (`page_path`, by default
    the POST's own path): the page comes back as typed, and Back or reload
    never re-posts or shows a stale error."""
    from flask import session

    session[_REFUSED] = {
        "form": form_name, "path": page_path or request.path,
        "fields": {key: value for key, value in form.items() if key != "csrf_token"},
        "errors": {key: str(message) for key, message in (errors or {}).items()},
    }


def refused_form(form_name: str | None = None) -> tuple[dict, dict]:
    """(fields, errors) kept for this form (any form of the page when None)
    and page by keep_refused_form, once."""
    _name, fields, errors = refused_form_of_page(form_name)
    return fields, errors


def refused_form_of_page(form_name: str | None = None) -> tuple[str | None, dict, dict]:
    """(form name, fields, errors) kept for this page, once."""
    from flask import session

    kept = session.get(_REFUSED)
    if not kept or kept.get("path") != request.path or form_name not in (None, kept.get("form")):
        return None, {}, {}
    session.pop(_REFUSED)
    return kept["form"], kept["fields"], kept["errors"]
