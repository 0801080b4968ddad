"""The messages the pages' scripts show (masklog.js: date inputs and the unit
picker; offline.js: the queue on the phone), as the JSON of their `data-i18n`
attribute, built once per language instead of on every page: two dictionaries
of ~25 translated strings and their JSON were a few % of a today page. The
output is what `{{ {...}|tojson|forceescape }}` made in the template."""
from __future__ import annotations

from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

from app.thai import MONTHS_SHORT


def _picker() -> dict:
    return {
        "datePlaceholder": _("dd/mm/yyyy (B.E.)"), "noResults": _("No matches found"), "searching": _("Searching…"),
        "loadingMore": _("Loading more results…"), "errorLoading": _("The results could not be loaded."),
        "removeAllItems": _("Remove all items"), "inputTooShort": _("Please type {n} more characters"),
        "inputTooLong": _("Please delete {n} characters"), "maximumSelected": _("You can only select {n} items"),
    }


def _offline() -> dict:
    return {
        "pieces": _("pieces"), "oclock": _("o'clock"), "waiting": _("Waiting to send"),
        "signInToSend": _("Waiting: sign in again to send it"), "sent": _("Sent"), "documentNo": _("Document no."),
        "refused": _("Not recorded:"), "dismiss": _("Dismiss"),
        "notAccepted": _("The system did not accept this record (code {status})."),
        "signOutWarning": _("{n} records on this phone have not been sent yet. If you sign out now they are deleted "
                            "and never reach the system. Sign out anyway?"),
        "otherUserWarning": _("This phone holds {n} records of {name} that have not been sent. Signing in as another "
                              "user deletes them; to keep them, {name} signs in first, with a signal."),
        "datesMoved": _("This page was fetched on {synced}: the dates in its forms are now today, {date}. If the "
                        "work was done on another day, change the date before saving."),
        "queueSent": _("{n} records kept on this phone were sent."), "queueRefused": _("{n} were not recorded."),
        "queueSee": _("See them on the today page"), "months": MONTHS_SHORT,
    }


_MESSAGES = {"picker": _picker, "offline": _offline}
_built: dict = {}


def script_messages(name: str) -> Markup:
    """The `data-i18n` attribute value of script `name` in the request's language."""
    key = (name, str(get_locale()))
    built = _built.get(key)
    if built is None:
        built = _built[key] = escape(str(htmlsafe_json_dumps(_MESSAGES[name](), dumps=current_app.json.dumps)))
    return built


def register(app) -> None:
    app.jinja_env.globals["script_messages"] = script_messages
