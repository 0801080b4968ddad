"""What every operation shares: the Command shape and the checks of a
document's unit, date, item and free text."""
from __future__ import annotations

import datetime
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Optional

from flask import current_app, has_app_context
# lazy: a DomainError says itself in Thai and, for the API, in English (app/errors.py)
from flask_babel import lazy_gettext as _
from sqlalchemy.orm import Session

from app import scoping
from app.db.compiled import load_row
from app.db.ids import is_stored_id
from app.errors import DomainError, OutOfScope
from app.models.unit import Unit
from app.queries.reference import resolve_item
from app.thai import parse_date, thai_date, today

SYSTEM_START = datetime.date(2020, 1, 1)  # the first COVID-19 supply records
# How many days back a document may be dated (MASKLOG_BACKDATE_DAYS, README):
# long enough for a paper form from a subdistrict after a long holiday, short
# enough that last month's report stays as sent and the back-dating check of
# app/stock.py reads at most two weeks of one unit's ledger.
DEFAULT_BACKDATE_DAYS = 14


class Command:
    """One operation. `validate()` parses and checks the input and writes
    nothing (it may read); `run()` calls it, then writes; neither commits."""

    def __init__(self, session: Session, actor, data):
        self.session, self.actor, self.data = session, actor, data

    @property
    def actor_id(self) -> Optional[int]:
        return getattr(self.actor, "id", None)

    def validate(self) -> None:
        raise NotImplementedError

    def run(self):
        raise NotImplementedError


@dataclass(kw_only=True)
class DocumentInput:
    """What every document's input carries: where, which item, when, and the
    form's one-time token (a retried submission returns the first document)."""

    unit_id: int
    date: object = None  # as typed, B.E. or C.E., Thai digits; blank means today
    item_id: Optional[int] = None  # blank: the default item
    form_token: Optional[str] = None


class DocumentCommand(Command):
    """A command writing one document of a unit, item and day."""

    def check_unit_item_day(self) -> None:
        """Sets self.unit (as stored, in scope, active), self.item and self.day."""
        self.unit = check_unit(self.session, self.actor, self.data.unit_id)
        with about_field("item_id"):
            self.item = resolve_item(self.session, self.data.item_id)
        with about_field("date"):
            self.day = check_date(self.unit, self.data.date)


@contextmanager
def about_field(name: str):
    """A DomainError raised inside concerns the input field `name` (unless it
    already names one): the API reports the field, forms may show it beside it."""
    try:
        yield
    except DomainError as error:
        error.field = error.field or name
        raise


def check_unit(session: Session, actor, unit_id) -> Unit:
    """The unit a write is for, as stored now (one compiled SELECT: the copy
    in the session may come from the user cache, and its path decides whose
    rollups change): in the actor's area and active."""
    unit = load_row(session, Unit, unit_id) if is_stored_id(unit_id) else None
    if unit is None or not scoping.unit_in_scope(actor, unit):
        raise OutOfScope(_("This unit is outside the area you manage."), field="unit_id")
    if not unit.active:
        raise DomainError(_("The unit %(name)s is inactive.", name=unit.name_th), field="unit_id")
    return unit


def backdate_days() -> int:
    return current_app.config.get("MASKLOG_BACKDATE_DAYS", DEFAULT_BACKDATE_DAYS) if has_app_context() \
        else DEFAULT_BACKDATE_DAYS


def first_day(unit: Unit) -> datetime.date:
    """The earliest date the unit's documents (and reports) may carry: the
    system's start for the imported hierarchy, else the day it was added."""
    return SYSTEM_START if unit.source == "geothai" else max(SYSTEM_START, unit.created_on.date())


def check_date(unit: Unit, raw) -> datetime.date:
    """A document date: blank means today; never in the future, never before
    the unit existed, at most backdate_days() back."""
    day = parse_date(raw) if raw not in (None, "") else today()
    if day > today():
        raise DomainError(_("The date %(date)s is in the future.", date=thai_date(day)))
    earliest = first_day(unit)
    if day < earliest:
        raise DomainError(_("The date %(date)s is before %(unit)s existed in the system (%(earliest)s).",
                            date=thai_date(day), unit=unit.name_th, earliest=thai_date(earliest)))
    days = backdate_days()
    if day < today() - datetime.timedelta(days=days):
        raise DomainError(_("The date %(date)s is more than %(days)s days ago: a document may be dated at most "
                            "%(days)s days back. Record an older change as an adjustment dated today, with its reason.",
                            date=thai_date(day), days=days))
    return day


def item_id_of(item) -> Optional[int]:
    """An item given as an Item, an ItemRef or an id (keyword helpers)."""
    return getattr(item, "id", item)


def clean_text(raw, field, *, required: bool = True, limit: int = 255) -> Optional[str]:
    """Free text from a form, single-spaced; required and length-checked."""
    value = " ".join(str(raw or "").split())
    if required and not value:
        raise DomainError(_("Please enter %(field)s.", field=field))
    if len(value) > limit:
        raise DomainError(_("%(field)s is longer than %(limit)s characters.", field=field, limit=limit))
    return value or None
