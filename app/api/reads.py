"""Read-only REST resources: items and risk groups (reference data), ledger
lines, balances as of a date, and a unit's dashboard figures and completeness
— the same queries the pages run (app/queries/figures.py, app/stock.py), so
the API and the page can never show different numbers."""
from __future__ import annotations

import datetime

from flask import request
from flask_appbuilder.api import expose
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import permission_name, protect

from app import scoping
from app.api.base import MaskLogBaseApi, ScopedModelApi
from app.api.errors import ApiError, api_errors, json_response
from app.api.schemas import ItemOut, LedgerLineOut, RiskGroupOut
from app.errors import DomainError
from app.extensions import db
from app.fab.datamodel import ScopedSQLAInterface, current_actor
from app.models.ledger import Item, LedgerLine, RiskGroup
from app.models.rollup import ROLLUP_FIGURES
from app.models.unit import Unit
from app.permissions import DASHBOARD, DASHBOARD_VIEW, TODAY, TODAY_VIEW
from app.queries import figures, periods
from app.rollups.registry import FIGURE_NAMES
from app.stock import balance_on

_READ = {"get": TODAY, "get_list": TODAY}


def plain(value):
    """Figures as JSON: dates in ISO (Flask would write RFC 822), the rest as is."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def _query_arg(name: str, limit: int = 32):
    value = request.args.get(name)
    if value is not None and len(value) > limit:
        raise ApiError(400, field=name)
    return value


def _unit_in_scope(unit_id) -> Unit:
    """The unit named in the path or query, if the caller may see it; else 404 naming unit_id."""
    unit = scoping.get_in_scope(db.session, Unit, unit_id, current_actor())
    if unit is None:
        raise ApiError(404, field="unit_id")
    return unit


def _parsed(parse, *args, field: str):
    try:
        return parse(*args)
    except DomainError as error:
        error.field = error.field or field
        raise


class ItemApi(ScopedModelApi):
    resource_name = "item"
    openapi_spec_tag = "เวชภัณฑ์ (item)"  # the Swagger page's group, Thai first
    datamodel = SQLAInterface(Item)  # reference data: the same for everyone
    class_permission_name = TODAY_VIEW
    method_permission_name = _READ
    list_columns = show_columns = ["id", "code", "name_th", "name_en", "unit_label", "active", "is_default"]
    list_model_schema = show_model_schema = ItemOut()
    search_columns = ["code", "active"]
    order_columns = ["id", "code"]
    base_order = ("id", "asc")


class RiskGroupApi(ScopedModelApi):
    resource_name = "risk_group"
    openapi_spec_tag = "กลุ่มเสี่ยง (risk_group)"  # the Swagger page's group, Thai first
    datamodel = SQLAInterface(RiskGroup)
    class_permission_name = TODAY_VIEW
    method_permission_name = _READ
    list_columns = show_columns = ["id", "code", "name_th", "name_en", "active"]
    list_model_schema = show_model_schema = RiskGroupOut()
    search_columns = ["code", "active"]
    order_columns = ["id", "code"]
    base_order = ("id", "asc")


class LedgerApi(ScopedModelApi):
    """The append-only stock ledger of the caller's area."""

    resource_name = "ledger"
    openapi_spec_tag = "บัญชีคุมคลัง (ledger)"  # the Swagger page's group, Thai first
    datamodel = ScopedSQLAInterface(LedgerLine)
    class_permission_name = TODAY_VIEW
    method_permission_name = _READ
    list_columns = show_columns = ["id", "unit_id", "item_id", "entry_date", "kind", "quantity", "document_type",
                                   "document_id", "created_on"]
    list_model_schema = show_model_schema = LedgerLineOut()
    search_columns = ["unit_id", "item_id", "entry_date", "kind", "document_type", "document_id"]
    order_columns = ["id", "entry_date"]
    base_order = ("id", "desc")


class BalanceApi(MaskLogBaseApi):
    resource_name = "balance"
    openapi_spec_tag = "คงเหลือ (balance)"  # the Swagger page's group, Thai first
    class_permission_name = TODAY_VIEW
    method_permission_name = {"balance": TODAY}

    @expose("/", methods=["GET"])
    @protect()
    @api_errors
    @permission_name("balance")
    def balance(self):
        """A unit's stock of an item at the end of a day (today by default).
        ---
        get:
          summary: A unit's balance of an item, at the end of a day
          parameters:
          - in: query
            name: unit_id
            required: true
            schema:
              type: integer
          - in: query
            name: item_id
            schema:
              type: integer
          - in: query
            name: date
            schema:
              type: string
              maxLength: 32
          responses:
            200:
              description: The balance
              content:
                application/json:
                  schema:
                    type: object
                    required: [unit_id, item_id, date, balance]
                    properties:
                      unit_id:
                        type: integer
                      item_id:
                        type: integer
                      date:
                        type: string
                        format: date
                      balance:
                        type: integer
                        description: Pieces in stock at the end of the day
        """
        unit = _unit_in_scope(request.args.get("unit_id", type=int))
        item_id = _parsed(periods.parse_item, db.session, _query_arg("item_id"), field="item_id")
        day = _parsed(periods.parse_day, _query_arg("date"), field="date")
        return json_response({"unit_id": unit.id, "item_id": item_id, "date": day.isoformat(),
                              "balance": balance_on(db.session, unit.id, item_id, day)}, 200)


def _integers(*names: str) -> dict:
    return {"type": "object", "required": list(names), "properties": {name: {"type": "integer"} for name in names}}


# What the figures' answers are made of (app/queries/figures.py), as OpenAPI components.
FIGURE_COMPONENTS = {
    "Figures": _integers(*FIGURE_NAMES),
    "FiguresDay": {**_integers(*ROLLUP_FIGURES, "balance"), "description": "One day: what changed, and the "
                   "closing balance"},
    "FiguresUnitRow": {"allOf": [{"$ref": "#/components/schemas/Figures"}, {
        "type": "object", "required": ["id", "code", "name", "level", "active"], "properties": {
            "id": {"type": "integer"}, "code": {"type": "string"}, "name": {"type": "string"},
            "level": {"type": "string"}, "active": {"type": "boolean"},
            "own": {"type": "boolean", "description": "The unit's own row (its own stock and work)"}}}]},
    "CompletenessLevel": {"type": "object", "required": ["level", "units", "reported", "missing", "percent", "own"],
                          "properties": {"level": {"type": "string"}, "units": {"type": "integer"},
                                         "reported": {"type": "integer"}, "missing": {"type": "integer"},
                                         "percent": {"type": "number"}, "own": {"type": "boolean"}}},
}


class FiguresApi(MaskLogBaseApi):
    """A unit's dashboard in numbers: what /dashboard/<unit> shows."""

    resource_name = "figures"
    openapi_spec_tag = "ตัวเลขแดชบอร์ดและการรายงาน (figures)"  # the Swagger page's group, Thai first
    class_permission_name = DASHBOARD_VIEW
    method_permission_name = {"dashboard": DASHBOARD, "completeness": DASHBOARD}

    def add_apispec_components(self, api_spec) -> None:
        super().add_apispec_components(api_spec)
        for name, component in FIGURE_COMPONENTS.items():
            api_spec.components.schema(name, component)

    @expose("/<int:unit_id>", methods=["GET"])
    @protect()
    @api_errors
    @permission_name("dashboard")
    def dashboard(self, unit_id):
        """The figures of a unit's subtree over a period (the dashboard's numbers).
        ---
        get:
          summary: The dashboard's figures of a unit and period
          parameters:
          - in: path
            name: unit_id
            required: true
            schema:
              type: integer
          - in: query
            name: item_id
            schema:
              type: integer
          - in: query
            name: start
            description: First day (ISO or B.E.); default 30 days before the end
            schema:
              type: string
              maxLength: 32
          - in: query
            name: end
            description: Last day; default today
            schema:
              type: string
              maxLength: 32
          responses:
            200:
              description: >-
                headline (the subtree's totals; balances at the end), days (one row per day),
                risk_groups, units (the unit's own row, each unit below, the total row = headline),
                completeness (today, per level)
              content:
                application/json:
                  schema:
                    type: object
                    required: [unit_id, item_id, start, end, headline, days, risk_groups, units, completeness]
                    properties:
                      unit_id:
                        type: integer
                      item_id:
                        type: integer
                      start:
                        type: string
                        format: date
                      end:
                        type: string
                        format: date
                      headline:
                        $ref: '#/components/schemas/Figures'
                      days:
                        type: array
                        items:
                          $ref: '#/components/schemas/FiguresDay'
                      risk_groups:
                        type: array
                        items:
                          type: object
                          required: [id, name, distributed, people_reached]
                          properties:
                            id:
                              type: integer
                            name:
                              type: string
                            distributed:
                              type: integer
                            people_reached:
                              type: integer
                      units:
                        type: object
                        required: [own, children, total]
                        properties:
                          own:
                            $ref: '#/components/schemas/FiguresUnitRow'
                          children:
                            type: array
                            items:
                              $ref: '#/components/schemas/FiguresUnitRow'
                          total:
                            $ref: '#/components/schemas/Figures'
                      completeness:
                        type: array
                        items:
                          $ref: '#/components/schemas/CompletenessLevel'
        """
        unit = _unit_in_scope(unit_id)
        item_id = _parsed(periods.parse_item, db.session, _query_arg("item_id"), field="item_id")
        period = _parsed(periods.parse_period, _query_arg("start"), _query_arg("end"), field="start")
        return json_response(plain({"unit_id": unit.id, "item_id": item_id, "start": period.start, "end": period.end,
                                    **figures.dashboard(db.session, unit, item_id, period)}), 200)

    @expose("/<int:unit_id>/completeness", methods=["GET"])
    @protect()
    @api_errors
    @permission_name("completeness")
    def completeness(self, unit_id):
        """Who reported on a day, per level (the completeness page's numbers).
        ---
        get:
          summary: Completeness of a unit's subtree on a day
          parameters:
          - in: path
            name: unit_id
            required: true
            schema:
              type: integer
          - in: query
            name: day
            schema:
              type: string
              maxLength: 32
          responses:
            200:
              description: >-
                Per level: units that must report that day, of them reported, missing, percent;
                own is the unit's own row
              content:
                application/json:
                  schema:
                    type: object
                    required: [unit_id, day, levels, reported_percent]
                    properties:
                      unit_id:
                        type: integer
                      day:
                        type: string
                        format: date
                      reported_percent:
                        type: number
                        nullable: true
                        description: Of every unit that must report; null when none must
                      levels:
                        type: array
                        items:
                          $ref: '#/components/schemas/CompletenessLevel'
        """
        unit = _unit_in_scope(unit_id)
        day = _parsed(periods.parse_day, _query_arg("day"), field="day")
        levels = figures.completeness(db.session, unit, day)
        return json_response({"unit_id": unit.id, "day": day.isoformat(), "levels": levels,
                              "reported_percent": figures.reported_percent(levels)}, 200)


READ_APIS = (ItemApi, RiskGroupApi, LedgerApi, BalanceApi, FiguresApi)
