"""What every MaskLog REST resource shares: the error shape (app/api/errors.py)
in its OpenAPI responses, sign-in by JWT or the browser session, scoped reads
(ScopedSQLAInterface under FAB's list and get), and `write()`, the one path
of every write: JSON body checked for shape → per-user write limit →
Idempotency-Key claimed → the operation's run() → answer stored with the key,
all in one transaction (app/db/transaction.py), exactly as a form's handler
runs it.

Permissions are the today page's and the dashboard's own (app/permissions.py):
whoever may record on the form may record through the API, and no one else."""
from __future__ import annotations

from typing import Callable

from apispec.exceptions import DuplicateComponentNameError
from flask import request
from flask_appbuilder.api import BaseApi, ModelRestApi
from flask_appbuilder.api.manager import resolver
from sqlalchemy.exc import DataError

from app import scoping
from app.api import idempotency
from app.api.errors import STATUS_ERRORS, ApiError, error_body, json_response
from app.api.schemas import ErrorOut, load
from app.api.write_limits import check_write_limit
from app.db.transaction import transaction
from app.extensions import db
from app.fab.datamodel import current_actor

ERROR_SCHEMA = {"$ref": "#/components/schemas/Error"}
_ERROR_DESCRIPTIONS = {
    400: "Bad request (not JSON, bad query string)", 401: "Not signed in", 403: "Forbidden: the role may not, "
    "or the unit is outside the caller's area", 404: "Not found (or outside the caller's area)",
    405: "Method not allowed", 409: "Saved by someone else at the same moment; nothing written",
    415: "The body is not JSON", 422: "Refused by a rule (Thai and English message, the field concerned)",
    429: "Too many requests (Retry-After)", 500: "Fault on the server; nothing written",
}
ERROR_RESPONSES = {str(status): {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}}
                   for status, description in _ERROR_DESCRIPTIONS.items()}
ERROR_RESPONSES["429"]["headers"] = {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}}


class ErrorSchema(ErrorOut):
    __component_name__ = "Error"


def component_name(schema) -> str:
    """The name a marshmallow schema has under components/schemas: its
    __component_name__, else the name FAB's spec gives nested schemas."""
    cls = schema if isinstance(schema, type) else type(schema)
    return getattr(cls, "__component_name__", None) or resolver(cls)


def add_component(api_spec, schema) -> None:
    """Register a schema once, under one name (a second name for the same
    class makes apispec warn that references may not resolve)."""
    try:
        api_spec.components.schema(component_name(schema), schema=schema)
    except DuplicateComponentNameError:
        pass


class MaskLogApiMixin:
    """Mixed into every MaskLog API (BaseApi or ModelRestApi)."""

    allow_browser_login = True  # the unit picker and the offline queue call it from signed-in pages
    responses = ERROR_RESPONSES
    openapi_spec_component_schemas = (ErrorSchema,)

    # Errors every MaskLog operation may answer; a write also these (app/api/errors.py).
    _COMMON_ERRORS = ("400", "401", "403", "404", "422", "500")
    _WRITE_ERRORS = ("409", "415", "429")

    def operation_helper(self, path=None, operations=None, methods=None, func=None, **kwargs) -> None:
        """FAB's, then the error answers added to every operation, so that
        the docstrings say only what differs (their 200s, bodies, parameters)."""
        super().operation_helper(path=path, operations=operations, methods=methods, func=func, **kwargs)
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {}) if isinstance(operation, dict) else {}
            codes = self._COMMON_ERRORS + (self._WRITE_ERRORS if method in ("post", "put", "delete") else ())
            for code in codes:
                if code not in responses and int(code) not in responses:
                    responses[code] = {"$ref": f"#/components/responses/{code}"}

    def add_apispec_components(self, api_spec) -> None:
        # BaseApi's, never ModelRestApi's: that one registers FAB's generated add and edit
        # schemas (MaskLog's resources write through their own bodies) and the list and show
        # schemas a second time under other names.
        BaseApi.add_apispec_components(self, api_spec)
        # FAB's own APIs (sign-in, menu) register their {"message"} responses first; every
        # /api/ error is answered in MaskLog's shape (errors.normalise_api_error), theirs too.
        api_spec.components.responses.update(ERROR_RESPONSES)

    def write(self, schema, run: Callable, answer: Callable, status: int = 201):
        """The body of every write endpoint. `run(actor, data)` runs the
        operation on the loaded body and returns its result; `answer(result)`
        is the JSON answered (and kept under the Idempotency-Key)."""
        actor = current_actor()
        check_write_limit(actor.id)
        body = {}
        if request.content_length or request.data or request.form:  # an empty body is an empty object
            if not request.is_json:
                raise ApiError(415, field="body")
            body = request.get_json(silent=True)  # None: not valid JSON
            if body is None:
                raise ApiError(400, field="body")
        if not isinstance(body, dict):
            raise ApiError(400, field="body")
        data = load(schema, body)
        key = idempotency.key_of_request()
        with transaction():
            if key is not None:
                earlier = idempotency.claim(db.session, actor.id, key, idempotency.request_hash(body))
                if earlier is not None:
                    response = json_response(earlier[1], earlier[0])
                    response.headers["Idempotent-Replayed"] = "true"
                    return response
            answered = answer(run(actor, data))
            if key is not None:
                idempotency.remember(db.session, actor.id, key, status, answered)
        return json_response(answered, status)

    def in_scope_or_404(self, model, pk):
        """A document named in the path, if the caller may see it (the
        operation checks again; this only makes "not yours" a plain 404)."""
        row = scoping.get_in_scope(db.session, model, pk, current_actor())
        if row is None:
            raise ApiError(404)
        return row


class MaskLogBaseApi(MaskLogApiMixin, BaseApi):
    pass


class ScopedModelApi(MaskLogApiMixin, ModelRestApi):
    """A scoped, read-only resource (list and get) with room for write
    endpoints of its own. Page size is capped by FAB_API_MAX_PAGE_SIZE."""

    include_route_methods = {"get", "get_list"}
    page_size = 50

    # The spec names list and show rows by their schema's own component (ReceiptOut, Unit).
    # (FAB reads every attribute while it sets the API up, before the schemas are there.)
    @property
    def list_model_schema_name(self) -> str:
        schema = getattr(self, "list_model_schema", None)
        return component_name(schema) if schema is not None else f"{type(self).__name__}.get_list"

    @property
    def show_model_schema_name(self) -> str:
        schema = getattr(self, "show_model_schema", None)
        return component_name(schema) if schema is not None else f"{type(self).__name__}.get"

    def add_apispec_components(self, api_spec) -> None:
        super().add_apispec_components(api_spec)
        if "get_list" in self.include_route_methods:
            add_component(api_spec, self.list_model_schema)
        if "get" in self.include_route_methods:
            add_component(api_spec, self.show_model_schema)

    @property
    def openapi_spec_methods(self) -> dict:
        """FAB's own spec of get, get_list and _info, corrected: ids are integers,
        rows are the resource's schema, errors are MaskLog's."""
        return read_specs(self)

    def get_list_headless(self, **kwargs):
        """FAB's list, except that a filter value the database refuses (PostgreSQL: a text
        filter ending in a backslash, "ends with" makes it a LIKE escape at the end) is the
        client's 400, as on the list pages (app/views/error_pages.py), not @safe's 500."""
        try:
            return super().get_list_headless(**kwargs)
        except (DataError, OverflowError):
            db.session.rollback()
            return json_response(error_body("bad_request", STATUS_ERRORS[400][1], field="q"), 400)

    # A read-only resource has no add or edit form for _info to describe.
    def merge_add_field_info(self, response, **kwargs) -> None:
        pass

    def merge_edit_field_info(self, response, **kwargs) -> None:
        pass

    def merge_add_title(self, response, **kwargs) -> None:
        pass

    def merge_edit_title(self, response, **kwargs) -> None:
        pass


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


_TEXTS = {"type": "object", "additionalProperties": {"type": "string"}}
_NAMES = {"type": "array", "items": {"type": "string"}}


def _q(schema: dict, what: str, example: str = "(keys:!(none))") -> dict:
    return {"in": "query", "name": "q", "required": False, "content": {"application/json": {"schema": schema}},
            "description": f"{what}, in rison (`{example}`) or JSON."}


def _keys(*names: str) -> dict:
    return {"type": "array", "items": {"type": "string", "enum": [*names, "none"]},
            "description": "Which of the optional keys to answer (none: only the rows)"}


_SCALAR = [{"type": "integer"}, {"type": "number"}, {"type": "string"}, {"type": "boolean"}]


def _list_query(api) -> dict:
    """FAB's get_list_schema, for this resource: its columns, its operators; no
    `columns`/`select_columns` (rows always have their documented shape: 400)."""
    filters = getattr(api, "_filters", None)
    searchable = filters.get_search_filters() if filters is not None else {}
    operators = sorted({flt.arg_name for flts in searchable.values() for flt in flts})
    strings = lambda names: {"type": "string", **({"enum": list(names)} if names else {})}  # noqa: E731
    return {"type": "object", "properties": {
        "filters": {"type": "array", "description": "Narrow the caller's area, never widen it; in and not_in "
                                                    "take a list", "items": {
            "type": "object", "required": ["col", "opr", "value"], "properties": {
                "col": strings(sorted(searchable)), "opr": strings(operators),
                "value": {"anyOf": [*_SCALAR, {"type": "array", "items": {"anyOf": _SCALAR}}]}}}},
        "order_column": strings(getattr(api, "order_columns", None) or []),
        "order_direction": {"type": "string", "enum": ["asc", "desc"]},
        "page": {"type": "integer", "minimum": 0, "maximum": 1_000_000},
        "page_size": {"type": "integer", "minimum": 0, "maximum": 1_000_000,
                      "description": "At most FAB_API_MAX_PAGE_SIZE (500) rows; 0: the resource's default"},
        "keys": _keys("list_columns", "order_columns", "label_columns", "description_columns", "list_title")}}


def read_specs(api) -> dict:
    """The OpenAPI operations of a ScopedModelApi's get_list, get and _info."""
    name = api.resource_name
    return {
        "get_list": {"get": {
            "summary": f"List {name} rows of the caller's area",
            "description": "Scoped like every MaskLog query: only rows of the caller's unit and the units below it.",
            "parameters": [_q(_list_query(api), "Filters, order, page and page size",
                              "(filters:!((col:status,opr:eq,value:in_transit)),page:0,page_size:20)")],
            "responses": {"200": _json({"type": "object", "required": ["count", "ids", "result"], "properties": {
                "count": {"type": "integer", "description": "Rows matching, on every page"},
                "ids": {"type": "array", "items": {"type": "integer"}},
                "result": {"type": "array", "items": _ref(api.list_model_schema_name)},
                "list_columns": _NAMES, "order_columns": _NAMES, "label_columns": _TEXTS,
                "description_columns": _TEXTS, "list_title": {"type": "string"}}}, "One page of rows")}}},
        "get": {"get": {
            "summary": f"One {name} row of the caller's area",
            "parameters": [{"in": "path", "name": "pk", "required": True, "schema": {"type": "integer"}},
                           _q({"type": "object", "properties": {"keys": _keys(
                               "show_columns", "description_columns", "label_columns", "show_title")}},
                              "Which keys to answer")],
            "responses": {"200": _json({"type": "object", "required": ["id", "result"], "properties": {
                "id": {"type": "integer"}, "result": _ref(api.show_model_schema_name),
                "show_columns": _NAMES, "label_columns": _TEXTS, "description_columns": _TEXTS,
                "show_title": {"type": "string"}}}, "The row")}}},
        "info": {"get": {
            "summary": f"The filters {name} lists take, and the caller's permissions",
            "parameters": [_q({"type": "object", "properties": {"keys": _keys("filters", "permissions")}},
                              "Which keys to answer")],
            "responses": {"200": _json({"type": "object", "properties": {
                "filters": {"type": "object", "additionalProperties": {"type": "array", "items": {
                    "type": "object", "properties": {"name": {"type": "string"}, "operator": {"type": "string"}}}}},
                "permissions": _NAMES}}, "Filters per column, permissions")}}},
    }
