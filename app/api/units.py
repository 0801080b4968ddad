"""Read-only units API at /api/v1/unit/. Rows come through ScopedSQLAInterface,
so rison `q` filters narrow the caller's subtree and can never widen it.
/api/v1/unit/search is the unit picker's search-as-you-type; it asks
app/queries/unit_search.py, which scopes by the same rule (app/scoping.py)."""
from flask import request
from flask_appbuilder.api import expose
from flask_appbuilder.security.decorators import permission_name, protect
from marshmallow_sqlalchemy import SQLAlchemySchema, auto_field

from app.api.base import ScopedModelApi
from app.api.errors import api_errors
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
    openapi_spec_tag = "หน่วยงาน (unit)"  # the Swagger page's group, Thai first
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
    @api_errors
    @permission_name("get")
    def search(self):
        """The unit picker's search-as-you-type.
        ---
        get:
          summary: Units of the caller's area matching a Thai name or a code, best first
          description: >-
            Only active units. An empty term answers the caller's own unit and the units right under it.
          parameters:
          - in: query
            name: term
            description: Thai name (or part of it) or code; only the first 100 characters count
            schema:
              type: string
          - in: query
            name: levels
            description: Comma-separated unit levels to keep (province, district, subdistrict, lao, end_unit)
            schema:
              type: string
          - in: query
            name: within
            description: A unit id; only units in its subtree (none when it is outside the caller's area)
            schema:
              type: integer
          - in: query
            name: page_size
            description: At most 20
            schema:
              type: integer
          responses:
            200:
              description: The units found
              content:
                application/json:
                  schema:
                    type: object
                    required: [results]
                    properties:
                      results:
                        type: array
                        items:
                          type: object
                          required: [id, text, name, code, level, level_label, parent, active]
                          properties:
                            id:
                              type: integer
                            text:
                              type: string
                              description: What the picker shows (name · level · code · where)
                            name:
                              type: string
                            code:
                              type: string
                            level:
                              type: string
                            level_label:
                              type: string
                            parent:
                              type: string
                              description: Where the unit lies (blank under the central unit)
                            active:
                              type: boolean
        """
        levels = [level for level in (request.args.get("levels") or "").split(",") if level] or None
        size = request.args.get("page_size", default=MAX_RESULTS, type=int) or MAX_RESULTS
        within = request.args.get("within", type=int)
        results = search_results(db.session, current_actor(), request.args.get("term", "")[:100],
                                 levels=levels, limit=size, within=within)
        return self.response(200, results=results)
