"""Writing documents: one INSERT per document (its form token checked by the
INSERT itself) and one multi-row INSERT for its lines; and re-reading a row
as stored before a write depends on it."""
from __future__ import annotations

from typing import Iterable, Optional

# lazy: a DomainError says itself in Thai and, for the API, in English (app/errors.py)
from flask_babel import lazy_gettext as _
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, object_session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from app.db.compiled import insert_row, insert_rows, load_row
from app.errors import DomainError
from app.models.unit import Unit

MAX_FORM_TOKEN = 64


def check_form_token(form_token: Optional[str]) -> Optional[str]:
    if form_token and len(form_token) > MAX_FORM_TOKEN:
        raise DomainError(_("The form is damaged; please open the page again."))
    return form_token or None


def insert_document(session: Session, model, form_token: Optional[str], lines: Iterable = (), **values):
    """Insert a validated document and its lines (dicts of values): (document, True); or, for
    a double-submitted form, (the document its token already created, False).
    The token check is the INSERT itself, ON CONFLICT (form_token) DO NOTHING,
    not a SELECT before every submission; a copy racing the first waits on the
    first one's unique index entry, then finds it. Callers insert the document
    before moving stock, so a double submit gets the first document back,
    never "not enough stock"."""
    form_token = check_form_token(form_token)
    document = insert_row(session, model, {**values, "form_token": form_token},
                          do_nothing_on=("form_token",) if form_token else None)
    if document is None:
        return session.execute(select(model).where(model.form_token == form_token)).scalar_one(), False
    _attach_unit(session, model, document)
    if hasattr(model, "lines"):
        relation = inspect(model).relationships["lines"]
        document_key = next(iter(relation.remote_side)).key  # the line's column pointing at its document
        set_committed_value(document, "lines", insert_rows(
            session, relation.mapper.class_, [{**line, document_key: document.id} for line in lines]))
    return document, True


def _attach_unit(session: Session, model, document) -> None:
    """The new document's `unit` is the command's checked unit, which the session
    holds now but only weakly: once the command is gone (the API answers after
    run()), reading `document.unit` would load the unit again (a SELECT and ~12%
    of an API distribution, make bench's profile). Held by the document, it is not."""
    relation = inspect(model).relationships.get("unit")
    if relation is None or relation.mapper.class_ is not Unit:
        return
    unit = session.identity_map.get(identity_key(Unit, document.unit_id))
    if unit is not None:
        set_committed_value(document, "unit", unit)


def as_stored(instance):
    """The instance refreshed in place from the database (one compiled SELECT).
    A write must not trust the copy in the session: the signed-in user's own
    unit may come from the per-process user cache (app/user_cache.py), and a
    unit's path decides which ancestors' rollups the write changes."""
    session = object_session(instance)
    if session is not None and instance.id is not None:
        load_row(session, type(instance), instance.id)
    return instance
