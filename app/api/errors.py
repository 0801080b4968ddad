"""What the REST API answers when it cannot do what was asked: always JSON,
never HTML, never a stack trace, and never 500 for bad input.

    {"code": "insufficient_stock",          stable, for programs
     "message": "Not enough stock ...",      English
     "message_th": "สต็อกไม่พอ ...",           Thai, as the forms say it
     "field": "quantity",                    the input field concerned, or null
     "fields": {"lines": {"en": ..., "th": ...}}   several fields (invalid_fields only)}

Domain errors (app/errors.py) carry lazy messages, so the same error reads in
both languages. Errors raised by FAB itself (bad rison, 401 of a missing
token, 404 of its routes) and by Flask-JWT-Extended are rewritten into the
same shape by `normalise_api_error` (an after_request hook)."""
from __future__ import annotations

import functools
import json
import logging
import re

from flask import current_app, make_response, request
from flask_babel import force_locale, lazy_gettext as _l
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from app.errors import DomainError, FieldErrors, OutOfScope, SavedAtTheSameMoment

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
_THAI = re.compile("[\u0e00-\u0e7f]")

# HTTP status -> (code, message) for errors that carry no domain message.
STATUS_ERRORS = {
    400: ("bad_request", _l("The request could not be understood. Please check what you entered and try again.")),
    401: ("not_signed_in", _l("Please sign in: the access token is missing, expired or not valid.")),
    403: ("forbidden", _l("Your role may not do this.")),
    404: ("not_found", _l("The record was not found, or it is outside the area you manage.")),
    405: ("method_not_allowed", _l("This action is not allowed here.")),
    409: ("conflict", _l("Someone saved the same thing at the same moment; nothing was written. "
                         "Please check the page and try again.")),
    413: ("too_large", _l("The request is too large.")),
    415: ("unsupported_media_type", _l("Send the body as JSON (Content-Type: application/json).")),
    422: ("invalid", _l("The request could not be processed.")),
    429: ("too_many_requests", _l("Too many requests. Please wait a moment and try again.")),
    500: ("internal_error", _l("Something went wrong on the server. Nothing was saved. Please try again; if it "
                               "happens again, tell your administrator.")),
    503: ("database_unavailable", _l("The system cannot reach its database right now. Nothing was saved. "
                                     "Please try again in a minute.")),
}
# The database answered, but has no room left to write (PostgreSQL's disk_full, SQLSTATE 53100).
DATABASE_FULL = ("database_full", _l("The database has no room left to save. Nothing was saved. "
                                     "Please tell your administrator; try again later."))


class ApiError(DomainError):
    """An error of the request itself (not of a business rule), with its HTTP status."""

    def __init__(self, status: int, message=None, field: str | None = None, code: str | None = None):
        default_code, default_message = STATUS_ERRORS.get(status, STATUS_ERRORS[400])
        super().__init__(message if message is not None else default_message, field=field,
                         code=code or default_code)
        self.status = status


def _both(lazy) -> tuple[str, str]:
    with force_locale("en"):
        english = str(lazy)
    with force_locale("th"):
        thai = str(lazy)
    return english, thai


def error_body(code: str, lazy_message, field: str | None = None, fields: dict | None = None) -> dict:
    english, thai = _both(lazy_message)
    body = {"code": code, "message": english, "message_th": thai, "field": field}
    if fields:
        body["fields"] = fields
    return body


def status_of(error: DomainError) -> int:
    if isinstance(error, ApiError):
        return error.status
    if isinstance(error, OutOfScope):
        return 403
    if isinstance(error, SavedAtTheSameMoment):
        return 409
    return 422  # a business rule refused it (not enough stock, a date too far back, ...)


def domain_error_response(error: DomainError):
    fields = None
    if isinstance(error, FieldErrors):
        english, thai = error.errors_in_locale("en"), error.errors_in_locale("th")
        fields = {name: {"en": english[name], "th": thai[name]} for name in error.lazy_errors}
    body = error_body(error.code, error.lazy_message, error.field, fields)
    if isinstance(error, FieldErrors):
        # The joined message of every field, in each language.
        body["message"], body["message_th"] = error.in_locale("en"), error.in_locale("th")
        body["field"] = body["field"] or next(iter(error.lazy_errors), None)
    response = json_response(body, status_of(error))
    for name, value in getattr(error, "headers", {}).items():
        response.headers[name] = value
    return response


def status_response(status: int, headers: dict | None = None, error: tuple | None = None):
    """The error answer of a status; `error`: (code, message) other than the status's own."""
    code, message = error or STATUS_ERRORS.get(status, STATUS_ERRORS[500] if status >= 500 else STATUS_ERRORS[400])
    response = json_response(error_body(code, message), status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def json_response(body: dict, status: int):
    """JSON in UTF-8 as is (Thai readable in the answer, not \\u escapes)."""
    response = make_response(current_app.json.dumps(body, ensure_ascii=False), status)
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    return response


def api_errors(view):
    """Instead of FAB's @safe (which answers 500 to anything unexpected): a
    domain error is the client's 4xx with its Thai and English message; a bad
    body is 400; only a real fault is 500 (logged, no trace in the answer)."""

    @functools.wraps(view)
    def wrapper(self, *args, **kwargs):
        from app.extensions import db

        try:
            return view(self, *args, **kwargs)
        except DomainError as error:
            db.session.rollback()
            return domain_error_response(error)
        except HTTPException as error:
            db.session.rollback()
            return status_response(error.code or 400)
        except (OperationalError, InterfaceError):
            raise  # the database is down: 503 and Retry-After (app/views/error_pages.py)
        except Exception:  # noqa: BLE001  (the API never shows a stack trace)
            db.session.rollback()
            log.exception("API %s %s failed", request.method, request.path)
            return status_response(500)

    return wrapper


def normalise_api_error(response):
    """after_request: any 4xx/5xx of an /api/ route that is not in MaskLog's
    error shape yet (FAB's {"message"}, Flask-JWT-Extended's {"msg"}, an HTML
    page of Flask's) is answered in it, keeping FAB's English message."""
    if response.status_code < 400 or not request.path.startswith(API_PREFIX):
        return response
    body = None
    if response.is_json:
        body = response.get_json(silent=True)
        if isinstance(body, dict) and "code" in body and "message_th" in body:
            return response
    code, message = STATUS_ERRORS.get(response.status_code,
                                      STATUS_ERRORS[500] if response.status_code >= 500 else STATUS_ERRORS[400])
    shaped = error_body(code, message)
    original = (body or {}).get("message") or (body or {}).get("msg") if isinstance(body, dict) else None
    if isinstance(original, str) and response.status_code < 500:
        # FAB's own detail ("Not a valid rison argument", ...): English stays the
        # message; one FAB's Thai catalogue translated is the Thai one.
        shaped["message_th" if _THAI.search(original) else "message"] = original
    elif isinstance(original, dict):
        shaped["fields"] = {name: {"en": "; ".join(map(str, problems)) if isinstance(problems, list) else str(problems),
                                   "th": shaped["message_th"]} for name, problems in original.items()}
    response.set_data(json.dumps(shaped, ensure_ascii=False))
    response.headers["Content-Type"] = "application/json; charset=utf-8"
    return response


def register(app) -> None:
    app.after_request(normalise_api_error)
