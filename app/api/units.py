"""Read-only units API at /api/v1/unit/. Rows come through ScopedSQLAInterface,
so rison `q` filters narrow the caller's subtree and can never widen it.
/api/v1/unit/search is the unit picker's search-as-you-type; it asks
app/queries/unit_search.py, which scopes by the same rule (app/scoping.py)."""
from flask import request
from flask_appbuilder.api import expose, safe
from flask_appbuilder.security.decorators import permission_name, protect
from marshmallow_sqlalchemy import SQLAlchemySchema, auto_field

from app.api.base import ScopedModelApi
from app.extensions import db
from app.models.unit import Unit
from app.fab.datamodel import ScopedSQLAInterface, current_actor
from app.queries.unit_search import MAX_RESULTS, search_results

_COLUMNS = ["id", "code", "name_th", "name_en", "level", "parent_id", "path", "active"]


class UnitSchema(SQLAlchemySchema):
    """Explicit schema: FAB's generated one leaves out foreign keys (parent_id)."""

    class Meta:
        model = Unit

    id = auto_field()
    code = auto_field()
    name_th = auto_field()
    name_en = auto_field()
    level = auto_field()
    parent_id = auto_field()
    path = auto_field()
    active = auto_field()


class UnitApi(ScopedModelApi):
    resource_name = "unit"
    datamodel = ScopedSQLAInterface(Unit)
    include_route_methods = {"get", "get_list", "info", "search"}
    list_columns = _COLUMNS
    show_columns = _COLUMNS
    list_model_schema = UnitSchema()
    show_model_schema = UnitSchema()
    search_columns = ["code", "name_th", "name_en", "level", "parent_id", "active", "path"]
    order_columns = ["id", "code", "name_th", "name_en", "level", "path"]
    base_order = ("path", "asc")

    @expose("/search", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def search(self):
        """Units in the caller's subtree matching `term` (Thai name or code), best
        first: {"results": [{"id", "text", "name", "code", "level",
        "level_label", "parent", "active"}]}. `levels`: comma-separated unit
        levels to keep; `page_size`: at most 20. Only active units."""
        levels = [level for level in (request.args.get("levels") or "").split(",") if level] or None
        size = request.args.get("page_size", default=MAX_RESULTS, type=int) or MAX_RESULTS
        results = search_results(db.session, current_actor(), request.args.get("term", "")[:100],
                                 levels=levels, limit=size)
        return self.response(200, results=results)
