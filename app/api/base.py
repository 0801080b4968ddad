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

from flask import request
from flask_appbuilder.api import BaseApi, ModelRestApi
from sqlalchemy.exc import DataError

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


class ErrorSchema(ErrorOut):
    __component_name__ = "Error"


class MaskLogApiMixin:
    """Mixed into every MaskLog API (BaseApi or ModelRestApi)."""

    allow_browser_login = True  # the unit picker and the offline queue call it from signed-in pages
    responses = ERROR_RESPONSES
    openapi_spec_component_schemas = (ErrorSchema,)

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
        from app import scoping

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

    def get_list_headless(self, **kwargs):
        """FAB's list, except that a filter value the database refuses (PostgreSQL: a text
        filter ending in a backslash, "ends with" makes it a LIKE escape at the end) is the
        client's 400, as on the list pages (app/views/error_pages.py), not @safe's 500."""
        try:
            return super().get_list_headless(**kwargs)
        except (DataError, OverflowError):
            db.session.rollback()
            return json_response(error_body("bad_request", STATUS_ERRORS[400][1], field="q"), 400)
