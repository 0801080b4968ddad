"""Adapters that put app/scoping.py under every FAB view and API.

FAB 5.3 loads rows for bulk actions (`action`, `action_post`, `muldelete`) and
`list/<pk>` with `datamodel.get(pk)` and no base filters. Scoping inside the
datamodel closes every such path at once: every query FAB builds through a
ScopedSQLAInterface (lists, counts, get, charts, related-field dropdowns) carries
the subtree condition of the current actor."""
from __future__ import annotations

from flask import abort, current_app, flash, g, redirect, request
from flask_babel import gettext
from flask_appbuilder import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app import scoping
from app.commands import DomainError
from app.extensions import db
from app.models.unit import Unit
from app.views.thai_filters import ThaiFilterConverter


def current_actor():
    """The signed-in user of this request (session or JWT), or None."""
    return current_app.appbuilder.sm.current_user


def yes_no(value) -> str:
    """Booleans in lists read as words, not Python's True/False."""
    return gettext("Yes") if value else gettext("No")


def is_scopeable(model) -> bool:
    return issubclass(model, Unit) or hasattr(model, "unit_id")


class _ExpressionColumn:
    """A read-only SQL expression mapped as a column (the documents'
    unit_code), dressed with the table-column attributes FAB's form and filter
    builders read."""

    nullable, unique, primary_key, default, server_default, foreign_keys = True, False, False, None, None, set()

    def __init__(self, expression):
        self._expression = expression

    def __getattr__(self, name):
        return getattr(self._expression, name)


class ScopedSQLAInterface(SQLAInterface):
    filter_converter_class = ThaiFilterConverter  # date filters take B.E.

    def __init__(self, obj, session=None):
        if not is_scopeable(obj):
            raise TypeError(f"{obj.__name__} has no unit: it cannot be scoped")
        super().__init__(obj, session)
        for name, column in list(self.list_columns.items()):
            if not hasattr(column, "table") or getattr(column, "table", None) is None:
                self.list_columns[name] = _ExpressionColumn(column)

    def _scoped(self, query):
        return query.filter(scoping.scope_clause(self.obj, current_actor()))

    def _apply_inner_all(self, query, *args, **kwargs):
        return super()._apply_inner_all(self._scoped(query), *args, **kwargs)

    def _get_base_query(self, query, *args, **kwargs):
        return super()._get_base_query(self._scoped(query), *args, **kwargs)

    def get(self, id, filters=None, *args, **kwargs):
        # A pk that is not a number matches nothing (PostgreSQL would raise on it).
        try:
            id = int(id)
        except (TypeError, ValueError):
            return None
        return super().get(id, filters, *args, **kwargs)

    def get_related_interface(self, col_name):
        model = self.get_related_model(col_name)
        # Dropdowns of units (and of anything that belongs to a unit) are scoped too.
        return ScopedSQLAInterface(model) if is_scopeable(model) else SQLAInterface(model)

    def get_related_obj(self, col_name, value):
        model = self.get_related_model(col_name)
        if not is_scopeable(model):
            return super().get_related_obj(col_name, value)
        return (
            self.session.query(model)
            .filter(model.id == value, scoping.scope_clause(model, current_actor()))
            .one_or_none()
        )


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
    from flask import url_for

    unit = getattr(current_actor(), "unit", None)
    if unit is None:
        flash(gettext("Your account is not attached to a unit yet; ask your administrator."), "warning")
        return redirect(current_app.appbuilder.get_url_for_index)
    return redirect(url_for(endpoint, unit_id=unit.id))
