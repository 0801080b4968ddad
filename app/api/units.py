"""Read-only units API at /api/v1/unit/. Rows come through ScopedSQLAInterface,
so rison `q` filters narrow the caller's subtree and can never widen it."""
from flask_appbuilder.api import ModelRestApi
from marshmallow_sqlalchemy import SQLAlchemySchema, auto_field

from app.models.unit import Unit
from app.fab.datamodel import ScopedSQLAInterface

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


class UnitApi(ModelRestApi):
    resource_name = "unit"
    datamodel = ScopedSQLAInterface(Unit)
    allow_browser_login = True
    include_route_methods = {"get", "get_list", "info"}
    list_columns = _COLUMNS
    show_columns = _COLUMNS
    list_model_schema = UnitSchema()
    show_model_schema = UnitSchema()
    search_columns = ["code", "name_th", "name_en", "level", "parent_id", "active", "path"]
    order_columns = ["id", "code", "name_th", "name_en", "level", "path"]
    base_order = ("path", "asc")
