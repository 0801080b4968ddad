"""The FAB adapter that puts app/scoping.py under every FAB view, REST API
and the security manager's user screens.

FAB 5.3 loads rows for bulk actions (`action`, `action_post`, `muldelete`) and
`list/<pk>` with `datamodel.get(pk)` and no base filters. Scoping inside the
datamodel closes every such path at once: every query FAB builds through a
ScopedSQLAInterface (lists, counts, get, charts, related-field dropdowns) carries
the subtree condition of the current actor."""
from __future__ import annotations

from flask import current_app
from flask_appbuilder.models.sqla.interface import SQLAInterface

from app import scoping
from app.fab.thai_filters import ThaiFilterConverter
from app.models.unit import Unit


def current_actor():
    """The signed-in user of this request (session or JWT), or None."""
    return current_app.appbuilder.sm.current_user


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
