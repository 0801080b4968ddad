"""Reference data as pages read it: active items and risk groups, kept a
minute per process (app/db/hooks.py lists the caches)."""
from dataclasses import dataclass
from typing import Optional

# lazy: a DomainError says itself in Thai and, for the API, in English (app/errors.py)
from flask_babel import lazy_gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import DomainError
from app.models.ledger import Item, RiskGroup

# Reference data changes a few times a year; pages read it on every request.
# A short per-process cache keeps it out of the query budget while an edit
# still shows within a minute on every app server.
_CACHE_SECONDS = 60
_cache = {}


def _cached(key, loader):
    import time

    hit = _cache.get(key)
    if hit and time.monotonic() - hit[0] < _CACHE_SECONDS:
        return hit[1]
    value = loader()
    _cache[key] = (time.monotonic(), value)
    return value


def _key(session: Session, name: str) -> tuple:
    # Per database: one process may serve (or test) more than one.
    return (str(session.get_bind().url), name)


def clear_reference_cache() -> None:
    _cache.clear()


def active_items(session: Session) -> list:
    """[(id, code, name_th, unit_label, is_default)], default first."""
    return _cached(_key(session, "items"), lambda: [tuple(row) for row in session.execute(
        select(Item.id, Item.code, Item.name_th, Item.unit_label, Item.is_default)
        .where(Item.active.is_(True)).order_by(Item.is_default.desc(), Item.sort_order, Item.id))])


def active_risk_groups(session: Session) -> list:
    """[(id, code, name_th)] in display order."""
    return _cached(_key(session, "risk_groups"), lambda: [tuple(row) for row in session.execute(
        select(RiskGroup.id, RiskGroup.code, RiskGroup.name_th)
        .where(RiskGroup.active.is_(True)).order_by(RiskGroup.sort_order, RiskGroup.id))])


@dataclass(frozen=True)
class ItemRef:
    """An active item as the reference-data cache knows it (no query needed)."""

    id: int
    code: str
    name_th: str
    unit_label: str


def resolve_item(session: Session, item_id: Optional[int]) -> "ItemRef":
    """The active item asked for, or the default one when none is asked for
    (forms skip the question when only one item is active). Checked against
    the cached list of active items, saving a query on every submission."""
    active = active_items(session)
    if item_id is None:
        match = active[0] if active else None
    else:
        match = next((row for row in active if row[0] == item_id), None)
    if match is None:
        raise DomainError(_("Please choose an active item."))
    return ItemRef(*match[:4])
