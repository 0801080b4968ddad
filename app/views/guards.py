"""Request checks in front of FAB's own routes: input that FAB (5.3) would turn
into a 500 is answered with 400/404 before any view runs. One place, so every
ModelView, chart and REST API — FAB's security views included — is covered.

- unknown action names, single-row actions posted as bulk (and the reverse),
  non-numeric row ids                                     -> 404
- `download/<filename>` (MaskLog stores no files)         -> 404
- chart `<group_by>` that is not one of the chart's       -> 404
- ids beyond a 32-bit integer (PostgreSQL would raise)    -> 404
- NUL characters anywhere in the query or form            -> 400
- list paging/ordering args FAB does not check            -> 400
- REST `q` that is neither rison nor JSON (FAB reads both),
  or asks for columns, pages or filter values FAB cannot
  handle (in/not_in take a list)                          -> 400"""
from __future__ import annotations

import json
import urllib.parse

import prison
from flask import abort, current_app, request
from werkzeug.datastructures import MultiDict
from flask_babel import lazy_gettext as _

from app.api.errors import error_body, json_response
from app.db.ids import MAX_ID

MAX_PAGE = 1_000_000
MAX_PAGE_SIZE = 100
TEXT_OPERATORS = {"ct", "sw", "ew", "nct", "nsw", "new"}
LIST_OPERATORS = {"in", "not_in"}


def _view(name: str):
    return next((v for v in current_app.appbuilder.baseviews if v.__class__.__name__ == name), None)


def _small_int(value, maximum=MAX_ID) -> bool:
    text = str(value)
    return text.isdecimal() and text.isascii() and int(text) <= maximum


def _bad_api_request(message, field: str = "q"):
    """400 in the API's error shape, the message in English and Thai."""
    return json_response(error_body("bad_request", message, field=field), 400)


def check_request():
    """before_request: abort (or answer a JSON 400) on input FAB would turn into a 500."""
    form = request.form if request.method == "POST" else MultiDict()
    view_args = request.view_args or {}
    view_name, _dot, method = (request.endpoint or "").rpartition(".")
    view = _view(view_name) if view_name else None
    problem = _check_characters(form)
    if problem is None:
        _check_ids(view_args)
        _check_list_args(request.args)
        _check_fab_route(view, method, view_args, form)
        if request.path.startswith("/api/") and "q" in request.args:
            problem = _check_rison(view, request.args["q"])
    return problem


def _check_characters(form):
    for source in (request.args, form):
        for key, values in source.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                abort(400)
    if request.is_json:
        raw = request.get_data(cache=True)
        if b"\x00" in raw or b"\\u0000" in raw:
            return _bad_api_request(_("The request contains a NUL character."), field="body")
    return None


def _check_ids(view_args) -> None:
    for key, value in view_args.items():
        if isinstance(value, int) and value > MAX_ID:
            abort(404)
        if key in ("pk", "group_by") and str(value).isdigit() and not _small_int(value):
            abort(404)


def _check_list_args(args) -> None:
    for key, value in args.items():
        if key.startswith("page_") and not _small_int(value, MAX_PAGE):
            abort(400)
        if key.startswith("psize_") and not (_small_int(value) and 0 < int(value) <= MAX_PAGE_SIZE):
            abort(400)
        if key.startswith("_od_") and value not in ("asc", "desc"):
            abort(400)
        if key.startswith("_oc_"):
            target = _view(key[4:])
            allowed = getattr(target, "order_columns", None) or []
            if value not in allowed:
                abort(400)


def _check_fab_route(view, method, view_args, form) -> None:
    if method == "download":
        abort(404)
    if method in ("action", "action_post"):
        actions = getattr(view, "actions", None) or {}
        if method == "action":
            action = actions.get(view_args.get("name"))
            if action is None or not action.single or not _small_int(view_args.get("pk", "")):
                abort(404)
        else:
            action = actions.get(form.get("action"))
            if action is None or not action.multiple:
                abort(404)
            if not all(_small_int(pk) for pk in form.getlist("rowid")):
                abort(404)
    if method == "chart" and "group_by" in view_args:
        definitions = getattr(view, "definitions", None) or getattr(view, "group_by_columns", None) or []
        group_by = view_args["group_by"]
        if not _small_int(group_by) or int(group_by) >= len(definitions):
            abort(404)


def _parse_query(raw):
    """`q` as FAB's @rison reads it: rison, or JSON when rison fails to parse and
    FAB_API_ALLOW_JSON_QS is on (FAB's default). ValueError when FAB could not read it."""
    try:
        return prison.loads(raw)
    except prison.decoder.ParserException:
        if not current_app.config.get("FAB_API_ALLOW_JSON_QS", True):
            raise ValueError(raw) from None
        try:  # exactly FAB's second reading
            return json.loads(urllib.parse.parse_qs(f"q={raw}").get("q")[0])
        except Exception:  # noqa: BLE001
            raise ValueError(raw) from None
    except Exception:  # prison raises several kinds, and RecursionError on "((((": FAB would answer 500
        raise ValueError(raw) from None


def _check_rison(view, raw):
    if not raw:
        return None  # FAB reads an empty q as no q
    try:
        query = _parse_query(raw)
    except ValueError:
        return _bad_api_request(_("The query (q) is not valid rison."))
    if not isinstance(query, dict):
        return _bad_api_request(_("The query (q) must be a rison object."))
    if "columns" in query or "select_columns" in query or "keys" in query and not isinstance(query["keys"], list):
        return _bad_api_request(_("Choosing columns is not supported; use the default columns."))
    for key in ("page", "page_size"):
        if key in query and not (isinstance(query[key], int) and 0 <= query[key] <= MAX_PAGE):
            return _bad_api_request(_("%(key)s must be a whole number from 0.", key=key))
    datamodel = getattr(view, "datamodel", None)
    filters = query.get("filters") or []
    if not isinstance(filters, list):  # FAB's schema check comes after this one: never trust the types here
        return _bad_api_request(_("Each filter needs col, opr and value."))
    for flt in filters:
        if not isinstance(flt, dict) or not {"col", "opr", "value"} <= set(flt) or \
                not isinstance(flt["col"], str) or not isinstance(flt["opr"], str):
            return _bad_api_request(_("Each filter needs col, opr and value."))
        problem = _check_filter_value(datamodel, flt["col"], flt["opr"], flt["value"])
        if problem is not None:
            return problem
    return None


def _check_filter_value(datamodel, column, operator, value):
    # FAB's API answers a value of the wrong type with a 500 (its @safe).
    if operator in LIST_OPERATORS:  # FAB iterates the value: a number there is a 500, a text its letters
        if not isinstance(value, list):
            return _bad_api_request(_("Each filter needs col, opr and value."))
        for item in value:
            problem = _check_filter_value(datamodel, column, "eq", item)
            if problem is not None:
                return problem
        return None
    if datamodel is not None and isinstance(column, str) and column in datamodel.list_columns:
        if datamodel.is_boolean(column) and not isinstance(value, bool):
            return _bad_api_request(_("Filter %(col)s takes !t or !f.", col=column))
        if datamodel.is_integer(column) and (isinstance(value, bool) or not isinstance(value, int)):
            return _bad_api_request(_("Filter %(col)s takes a whole number.", col=column))
        if datamodel.is_string(column) and not isinstance(value, str):
            return _bad_api_request(_("Filter %(col)s takes text in quotes.", col=column))
    if operator in TEXT_OPERATORS and not isinstance(value, str):
        return _bad_api_request(_("A text filter needs a text value (in quotes)."))
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_ID:
        return _bad_api_request(_("A number in the query is too large."))
    return None
